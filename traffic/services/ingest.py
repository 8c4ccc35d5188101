"""Push ingest: accept a camera's snapshot durably (or recognise it as a repeat), and report on its processing."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Camera, EnforcementRecord, IngestFrame, Sighting, frame_sightings
from models.enums import FrameStatus
from traffic.db import insert_or_nothing
from traffic.digests import sha256_hex
from traffic.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from traffic.metrics import MEDIA_REFUSED
from traffic.services.camera_keys import authenticate_camera
from traffic.services.clock_skew import ClockCheck
from traffic.services.frame_store import BlobStore, frame_key
from traffic.services.image_check import inspect_image

FRAME_ID = re.compile(r"[A-Za-z0-9._:~-]{1,128}")
DEFAULT_CLOCK_CHECK = ClockCheck()


@dataclass(frozen=True)
class FrameSubmission:
    """One snapshot as a camera sent it, before any check."""

    camera: str
    key: str | None
    captured_at: str
    image: bytes
    frame_id: str | None = None


@dataclass(frozen=True)
class AcceptedFrame:
    """The stored frame a submission maps to; ``duplicate`` when it had been accepted before."""

    pk: int
    frame_id: str
    camera_id: int
    status: str
    duplicate: bool


@dataclass(frozen=True)
class FrameSightingInfo:
    id: int
    vehicle_type: str
    plate_state: str
    plate_text: str | None
    first_seen: dt.datetime
    last_seen: dt.datetime
    status: str
    record_no: str | None


@dataclass(frozen=True)
class FrameReport:
    """Where a frame stands: its status, the reason when it failed, the sightings it fed when done."""

    frame_id: str
    camera: str
    captured_at: dt.datetime
    received_at: dt.datetime
    status: str
    attempts: int
    error: str | None
    processed_at: dt.datetime | None
    clock_skew_s: float | None = None
    sightings: list[FrameSightingInfo] = field(default_factory=list)


def parse_capture_time(text: str, now: dt.datetime, max_ahead_s: float) -> dt.datetime:
    """An ISO 8601 time with a UTC offset, not further than ``max_ahead_s`` in the future."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"captured_at: {text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"captured_at: {text!r} has no UTC offset (write e.g. 2023-06-05T07:30:00+08:00)")
    ahead = (value - now).total_seconds()
    if ahead > max_ahead_s:
        raise InvalidInput(
            f"captured_at: {text} is {ahead:.0f} s in the future "
            f"(more than {max_ahead_s:.0f} s; check the camera clock)"
        )
    return value


@dataclass(frozen=True)
class CheckedFrame:
    """A submission that passed every check: the row it becomes, once its bytes are in the frame store."""

    row: dict
    image: bytes


def check_frame(
    session: Session, submission: FrameSubmission, *, max_bytes: int, max_ahead_s: float, now: dt.datetime,
    clock: ClockCheck = DEFAULT_CLOCK_CHECK,
) -> CheckedFrame:
    """Authenticate and check a snapshot; writes nothing (the bytes are stored only for a known camera). A camera
    clock off standard time (``now``, the server's) is flagged on the row, not refused: the frame is still evidence
    of what passed, and the reviewer sees the warning."""
    camera = authenticate_camera(session, submission.camera, submission.key)
    if len(submission.image) > max_bytes:
        raise PayloadTooLarge(f"image: {len(submission.image)} bytes is more than the limit of {max_bytes}")
    captured_at = parse_capture_time(submission.captured_at, now, max_ahead_s)
    try:
        info = inspect_image(submission.image)
    except InvalidInput:
        MEDIA_REFUSED.labels("push").inc()
        raise
    sha256 = sha256_hex(submission.image)
    frame_id = submission.frame_id.strip() if submission.frame_id else sha256
    if not FRAME_ID.fullmatch(frame_id):
        raise InvalidInput("frame_id: use 1 to 128 characters among letters, digits and . _ : ~ -")
    row = {
        "frame_id": frame_id, "camera_id": camera.id, "captured_at": captured_at, "received_at": now,
        "content_type": info.content_type, "sha256": sha256, "size": len(submission.image), "width": info.width,
        "height": info.height, "image_path": frame_key(sha256, info.content_type), "status": FrameStatus.QUEUED,
        "attempts": 0, "clock_skew_s": clock.skew_s(captured_at, now),
    }
    return CheckedFrame(row, submission.image)


def store_checked_bytes(store: BlobStore, checked: CheckedFrame) -> None:
    """Write the bytes (fsynced) before the row is inserted, so a committed row always has its file. A row that
    then fails to commit leaves at most an unnamed file, which retention removes. Runs outside any transaction:
    on SQLite a transaction holds the write lock, and other cameras' frames must not wait for this disk write."""
    store.put(checked.row["image_path"], checked.image)


def insert_frame(session: Session, checked: CheckedFrame) -> AcceptedFrame:
    """Store a checked frame's row as queued, or recognise a repeat of a stored frame (which stores nothing).

    Concurrent repeats are settled by the unique frame id (insert-or-nothing), not by a look-before-insert.
    """
    row = checked.row
    frame_id, camera_id = row["frame_id"], row["camera_id"]
    statement = insert_or_nothing(session, IngestFrame, row, [IngestFrame.frame_id]).returning(IngestFrame.id)
    pk = session.execute(statement).scalar()
    if pk is not None:
        return AcceptedFrame(pk, frame_id, camera_id, FrameStatus.QUEUED, duplicate=False)
    existing = session.execute(
        select(IngestFrame.id, IngestFrame.camera_id, IngestFrame.sha256, IngestFrame.status).where(
            IngestFrame.frame_id == frame_id
        )
    ).one()
    if existing.camera_id != camera_id or existing.sha256 != row["sha256"]:
        raise Conflict(f"frame_id {frame_id!r} already names a different frame")
    return AcceptedFrame(existing.id, frame_id, camera_id, existing.status, duplicate=True)


def accept_frame(
    session: Session, submission: FrameSubmission, *, store: BlobStore, max_bytes: int, max_ahead_s: float,
    now: dt.datetime, clock: ClockCheck = DEFAULT_CLOCK_CHECK,
) -> AcceptedFrame:
    """Check, store the bytes, and insert the row, in one session (the API splits the steps; see _store there)."""
    checked = check_frame(session, submission, max_bytes=max_bytes, max_ahead_s=max_ahead_s, now=now, clock=clock)
    store_checked_bytes(store, checked)
    return insert_frame(session, checked)


def frame_report(session: Session, frame_id: str, camera_id: int) -> FrameReport:
    """The status of frame ``frame_id`` sent by camera ``camera_id``, with the sightings it produced once done.

    Another camera's frame is reported as not existing: a camera key opens only its own camera's frames.
    """
    row = session.execute(
        select(IngestFrame, Camera.code).join(Camera, Camera.id == IngestFrame.camera_id).where(
            IngestFrame.frame_id == frame_id, IngestFrame.camera_id == camera_id
        )
    ).first()
    if row is None:
        raise NotFound(f"frame {frame_id!r} does not exist")
    frame, camera_code = row
    sightings: list[FrameSightingInfo] = []
    if frame.status == FrameStatus.DONE:
        rows = session.execute(
            select(Sighting, EnforcementRecord.record_no)
            .join(frame_sightings, frame_sightings.c.sighting_id == Sighting.id)
            .outerjoin(EnforcementRecord, EnforcementRecord.sighting_id == Sighting.id)
            .where(frame_sightings.c.frame_id == frame.id)
            .order_by(Sighting.id)
        ).all()
        sightings = [
            FrameSightingInfo(
                s.id, s.vehicle_type, s.plate_state, s.plate_text, s.first_seen, s.last_seen, s.status, record_no
            )
            for s, record_no in rows
        ]
    return FrameReport(
        frame_id=frame.frame_id,
        camera=camera_code,
        captured_at=frame.captured_at,
        received_at=frame.received_at,
        status=frame.status,
        attempts=frame.attempts,
        error=frame.error,
        processed_at=frame.processed_at,
        clock_skew_s=frame.clock_skew_s,
        sightings=sightings,
    )
