"""What operators ask of a running system: is each dependency reachable, and how many frames wait per camera."""
from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from models import Camera, IngestFrame
from models.enums import FrameStatus

log = logging.getLogger(__name__)
WAITING = (FrameStatus.QUEUED, FrameStatus.PROCESSING)  # a frame left `processing` by a dead worker is waiting again


@dataclass(frozen=True)
class Check:
    """One readiness check: ``ok``, and a short reason when not (never a URL, host name or exception text)."""

    ok: bool
    detail: str

    def as_json(self) -> dict[str, object]:
        return {"ok": self.ok, "detail": self.detail}


def check_database(session_factory: sessionmaker[Session]) -> Check:
    try:
        with session_factory() as session:
            session.execute(text("SELECT 1"))
            dialect = session.get_bind().dialect.name
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        log.warning("readiness: database unreachable: %s", getattr(exc, "orig", None) or exc)
        return Check(False, "unreachable")
    return Check(True, dialect)


def check_writable(folder: Path) -> Check:
    """Create, sync and remove a probe file in ``folder``: what writing evidence needs, short of a full disk."""
    probe = folder / f".ready-{uuid.uuid4().hex}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with probe.open("xb") as handle:
            handle.write(b"ready")
            handle.flush()
            os.fsync(handle.fileno())
        probe.unlink()
    except OSError as exc:
        log.warning("readiness: evidence folder %s not writable: %s", folder, exc)
        return Check(False, f"not writable ({os.strerror(exc.errno) if exc.errno else 'error'})")
    return Check(True, "writable")


def queue_depths(session: Session) -> dict[str, int]:
    """Waiting frames per camera code (cameras with none are left out)."""
    rows = session.execute(
        select(Camera.code, func.count(IngestFrame.id))
        .join(Camera, Camera.id == IngestFrame.camera_id)
        .where(IngestFrame.status.in_(WAITING))
        .group_by(Camera.code)
    )
    return {code: count for code, count in rows}


def check_redis(url: str, timeout_s: float = 2.0) -> Check:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)
    try:
        client.ping()
    except redis.RedisError:
        return Check(False, "redis unreachable")
    finally:
        client.close()
    return Check(True, "redis")
