"""Frames accepted from cameras, waiting for or done with processing, and each camera's tracking checkpoint."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from models.base import Base
from models.types import AwareDateTime


class IngestFrame(Base):
    """One snapshot a camera pushed (or a pulled frame), kept durably from the moment it is accepted.

    ``status`` moves queued → processing → done | failed. ``frame_id`` is the client's idempotency key.
    """

    __tablename__ = "ingest_frames"
    __table_args__ = (Index("ix_ingest_frames_queue", "status", "camera_id", "captured_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    frame_id: Mapped[str] = mapped_column(String(128), unique=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"), index=True)
    captured_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    received_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    content_type: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # The bytes live in the frame store (TRAFFIC_DATA_DIR/frames, shared by every worker), under this relative
    # path named by ``sha256``: the database stays small however many frames pass (docs/operations.md).
    image_path: Mapped[str] = mapped_column(String(160), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # FrameStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    processed_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime(), default=None)
    # captured_at - received_at in seconds when the camera clock is off standard time beyond GA/T 832's 1 s (plus
    # an allowance for transit when behind); NULL when within it (traffic/services/clock_skew.py).
    clock_skew_s: Mapped[float | None] = mapped_column(Float, default=None)


class CameraState(Base):
    """A camera's tracking checkpoint, saved in the same transaction as the results of the frame it follows.

    ``lease_owner``/``lease_until`` give one worker at a time the camera, so its frames are tracked in order.
    ``quarantined_until``/``quarantine_reason``/``failures`` set a camera that cannot be opened or processed aside:
    no worker takes it before that time, and each failure in a row doubles the wait (docs/operations.md).
    """

    __tablename__ = "camera_states"

    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    # The detector version whose tracks ``state`` holds: a camera switched while no worker held it ends those tracks
    # (under this version) before the new one takes over. No FK: a checkpoint must never block deleting a version row.
    state_detector_version_id: Mapped[int | None] = mapped_column(Integer, default=None)
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    last_captured_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime(), default=None)
    last_frame_id: Mapped[str | None] = mapped_column(String(128), default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(128), default=None)
    lease_until: Mapped[dt.datetime | None] = mapped_column(AwareDateTime(), default=None)
    updated_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime(), default=None)
    quarantined_until: Mapped[dt.datetime | None] = mapped_column(AwareDateTime(), default=None)
    quarantine_reason: Mapped[str | None] = mapped_column(Text, default=None)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
