"""Whether the workers can process each camera: quarantine status, reason, retry time and the frames that wait."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Camera, CameraState, IngestFrame
from models.enums import CameraHealthStatus, FrameStatus
from traffic.errors import NotFound


@dataclass(frozen=True)
class CameraHealth:
    camera: str
    status: CameraHealthStatus
    reason: str | None
    failures: int
    retry_at: dt.datetime | None
    waiting_frames: int
    last_frame_id: str | None
    last_captured_at: dt.datetime | None


def _status(quarantined_until: dt.datetime | None, failures: int, now: dt.datetime) -> CameraHealthStatus:
    if quarantined_until is not None and quarantined_until > now:
        return CameraHealthStatus.QUARANTINED
    return CameraHealthStatus.RETRY_DUE if failures else CameraHealthStatus.OK


def _query():
    waiting = (
        select(func.count(IngestFrame.id))
        .where(IngestFrame.camera_id == Camera.id,
               IngestFrame.status.in_((FrameStatus.QUEUED, FrameStatus.PROCESSING)))
        .scalar_subquery()
    )
    return (
        select(Camera.code, CameraState.quarantined_until, CameraState.quarantine_reason, CameraState.failures,
               waiting, CameraState.last_frame_id, CameraState.last_captured_at)
        .outerjoin(CameraState, CameraState.camera_id == Camera.id)
        .order_by(Camera.code)
    )


def _health(row, now: dt.datetime) -> CameraHealth:
    code, until, reason, failures, waiting, last_frame_id, last_captured_at = row
    return CameraHealth(code, _status(until, failures or 0, now), reason, failures or 0, until, waiting,
                        last_frame_id, last_captured_at)


def camera_health(session: Session, code: str, now: dt.datetime) -> CameraHealth:
    """One camera's health; NotFound for an unknown code."""
    row = session.execute(_query().where(Camera.code == code)).first()
    if row is None:
        raise NotFound(f"camera {code!r} does not exist")
    return _health(row, now)


def all_camera_health(session: Session, now: dt.datetime) -> list[CameraHealth]:
    """Every camera's health, by code."""
    return [_health(row, now) for row in session.execute(_query())]
