"""The database side of the frame queue: which frames wait, their bytes, and status changes."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from detection.types import EvidenceFrame
from models import CameraState, IngestFrame
from models.enums import FrameStatus
from traffic.errors import NotFound
from traffic.services.evidence import SourceFrame
from traffic.services.frame_store import BlobStore, FrameBytesMissing, read_frame_bytes
from traffic.services.operations import WAITING
from traffic.services.stats import rollup


@dataclass(frozen=True)
class WaitingFrame:
    """A frame's metadata (no image bytes) as the worker sees it before processing, with where its bytes are."""

    pk: int
    frame_id: str
    captured_at: dt.datetime
    attempts: int
    error: str | None
    image_path: str
    sha256: str


def _held(now: dt.datetime, *, leased: bool = True):
    """The frame's camera is quarantined right now (docs/operations.md) or, with ``leased``, held by a worker."""
    condition = CameraState.quarantined_until > now
    if leased:
        condition = condition | (CameraState.lease_owner.is_not(None) & (CameraState.lease_until >= now))
    return exists().where(CameraState.camera_id == IngestFrame.camera_id, condition)


def cameras_with_waiting_frames(session: Session, limit: int = 100, free_at: dt.datetime | None = None,
                                workable_at: dt.datetime | None = None) -> list[int]:
    """Cameras with waiting frames, the longest-waiting first; with ``free_at``, only those no worker holds then
    and none quarantined (the queue skips a broken camera instead of putting it first again); with
    ``workable_at``, only those not quarantined then (held ones count: their frames will be done)."""
    oldest = func.min(IngestFrame.received_at)
    query = select(IngestFrame.camera_id).where(IngestFrame.status.in_(WAITING))
    if free_at is not None:
        query = query.where(~_held(free_at))
    if workable_at is not None:
        query = query.where(~_held(workable_at, leased=False))
    rows = session.execute(query.group_by(IngestFrame.camera_id).order_by(oldest).limit(limit))
    return list(rows.scalars())


def stale_cameras(session: Session, received_before: dt.datetime, now: dt.datetime) -> list[tuple[int, str]]:
    """(camera, oldest waiting frame id) for cameras whose frames wait since ``received_before`` and no one holds."""
    rows = session.execute(
        select(IngestFrame.camera_id, func.min(IngestFrame.frame_id))
        .where(IngestFrame.status.in_(WAITING), IngestFrame.received_at < received_before, ~_held(now))
        .group_by(IngestFrame.camera_id)
    )
    return [(camera_id, frame_id) for camera_id, frame_id in rows]


def waiting_frames(session: Session, camera_id: int, limit: int) -> list[WaitingFrame]:
    """The camera's next waiting frames in capture order."""
    rows = session.execute(
        select(
            IngestFrame.id, IngestFrame.frame_id, IngestFrame.captured_at, IngestFrame.attempts, IngestFrame.error,
            IngestFrame.image_path, IngestFrame.sha256,
        )
        .where(IngestFrame.camera_id == camera_id, IngestFrame.status.in_(WAITING))
        .order_by(IngestFrame.captured_at, IngestFrame.id)
        .limit(limit)
    )
    return [WaitingFrame(*row) for row in rows]


def quarantined_until(session: Session, camera_id: int, now: dt.datetime) -> dt.datetime | None:
    """When the camera's quarantine ends, if it is quarantined at ``now``."""
    until = session.scalar(select(CameraState.quarantined_until).where(CameraState.camera_id == camera_id))
    return until if until is not None and until > now else None


def has_waiting_frames(session: Session, camera_id: int) -> bool:
    return session.scalar(
        select(IngestFrame.id)
        .where(IngestFrame.camera_id == camera_id, IngestFrame.status.in_(WAITING))
        .limit(1)
    ) is not None


def settled_frame_ids(session: Session, frame_ids: Sequence[str]) -> set[str]:
    """Those of ``frame_ids`` that need no more work: done, failed, or gone."""
    waiting = set(
        session.scalars(
            select(IngestFrame.frame_id).where(IngestFrame.frame_id.in_(frame_ids), IngestFrame.status.in_(WAITING))
        )
    )
    return set(frame_ids) - waiting


def start_attempt(session: Session, pk: int) -> None:
    """Mark the frame as being processed and count the attempt."""
    session.execute(
        update(IngestFrame).where(IngestFrame.id == pk).values(status=FrameStatus.PROCESSING, attempts=IngestFrame.attempts + 1)
    )


@dataclass(frozen=True)
class LoadedFrame:
    """A waiting frame's pixels, or why it cannot be processed (its bytes are gone, or they do not decode)."""

    image: np.ndarray | None
    failure: str | None = None


def load_frame(store: BlobStore, frame: WaitingFrame) -> LoadedFrame:
    """Read and decode a frame once; safe in a helper thread (hashing and decoding release the GIL)."""
    try:
        data = read_frame_bytes(store, frame)
    except FrameBytesMissing as exc:
        return LoadedFrame(None, exc.detail)
    image = decode_image(data)
    return LoadedFrame(image, None if image is not None else "the image cannot be decoded")


def mark_done(session: Session, pk: int, now: dt.datetime, *, note_exposure: bool = True) -> None:
    """The frame is processed; its camera-minute counts as exposure, in the same transaction (``note_exposure``
    False: the caller knows that minute is already noted for the camera)."""
    done = session.execute(
        update(IngestFrame).where(IngestFrame.id == pk).values(status=FrameStatus.DONE, error=None, processed_at=now)
        .returning(IngestFrame.camera_id, IngestFrame.captured_at)
    ).all()
    if note_exposure:
        rollup.record_minutes(session, [(camera_id, captured_at) for camera_id, captured_at in done])


def mark_failed(session: Session, pk: int, reason: str, now: dt.datetime) -> None:
    session.execute(
        update(IngestFrame).where(IngestFrame.id == pk).values(status=FrameStatus.FAILED, error=reason[:2000], processed_at=now)
    )


def mark_retry(session: Session, pk: int, reason: str, *, refund: bool = False) -> None:
    """Queue the frame again; with ``refund`` the attempt is not counted (the failure was not the frame's)."""
    attempts = IngestFrame.attempts - 1 if refund else IngestFrame.attempts
    session.execute(update(IngestFrame).where(IngestFrame.id == pk).values(
        status=FrameStatus.QUEUED, error=reason[:2000], attempts=attempts))


def decode_image(data: bytes | None) -> np.ndarray | None:
    """BGR pixels of a JPEG or PNG, or None when they cannot be decoded."""
    if not data:
        return None
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return image if image is not None and image.ndim == 3 and image.shape[2] == 3 else None


class StoredFrameImages:
    """The recorder's frame store for pushed frames: evidence frames are read back from the frame store by id, and
    panoramas are the bytes the camera sent."""

    def __init__(self, session: Session, store: BlobStore, current: tuple[str, np.ndarray] | None = None) -> None:
        self.session = session
        self.store = store
        self.cache: dict[str, np.ndarray] = dict([current]) if current else {}

    def __call__(self, evidence: EvidenceFrame) -> np.ndarray:
        if evidence.image is not None:
            return evidence.image
        image = self.cache.get(evidence.frame_ref)
        if image is None:
            try:
                data = read_frame_bytes(self.store, evidence.frame_ref, self.session)
            except NotFound as exc:
                raise LookupError(exc.detail) from None
            image = decode_image(data)
            if image is None:
                raise LookupError(f"evidence frame {evidence.frame_ref!r} is not stored or cannot be decoded")
            self.cache[evidence.frame_ref] = image
        return image


    def source(self, evidence: EvidenceFrame) -> SourceFrame:
        row = self.session.scalar(select(IngestFrame).where(IngestFrame.frame_id == evidence.frame_ref))
        if row is None:
            raise LookupError(f"evidence frame {evidence.frame_ref!r} is not stored")
        try:
            data = read_frame_bytes(self.store, row)
        except NotFound as exc:
            raise LookupError(exc.detail) from None
        return SourceFrame(evidence.frame_ref, data, row.content_type, row.sha256)
