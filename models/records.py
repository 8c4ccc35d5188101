"""What the cameras saw (sightings) and what enforcement follows from it (records, evidence, events)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import AwareDateTime


class Sighting(Base):
    """One vehicle pass at one camera (one track), stored for every watched vehicle type: the traffic flow."""

    __tablename__ = "sightings"
    __table_args__ = (
        UniqueConstraint("camera_id", "track_key", name="uq_sightings_camera_track"),
        Index("ix_sightings_period", "first_seen", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"), index=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("road_segments.id", ondelete="RESTRICT"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id", ondelete="RESTRICT"), index=True)
    time_slot_id: Mapped[int | None] = mapped_column(ForeignKey("time_slots.id", ondelete="SET NULL"), default=None)
    track_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open")  # SightingStatus
    source: Mapped[str] = mapped_column(String(16))  # SightingSource
    first_seen: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    last_seen: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    vehicle_type: Mapped[str] = mapped_column(String(32), index=True)
    votes: Mapped[dict[str, int]] = mapped_column(JSON)
    confidence: Mapped[float] = mapped_column(Float)
    plate_state: Mapped[str] = mapped_column(String(16))  # PlatePresence
    plate_text: Mapped[str | None] = mapped_column(String(16), default=None)
    plate_confidence: Mapped[float | None] = mapped_column(Float, default=None)
    moved: Mapped[bool] = mapped_column(Boolean, default=False)
    # The detector version that made it (models/detectors.py); the API shows it as `model_version`, NAME@VERSION.
    detector_version_id: Mapped[int] = mapped_column(
        ForeignKey("detector_versions.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())


frame_sightings = Table(
    "frame_sightings",
    Base.metadata,
    Column("frame_id", ForeignKey("ingest_frames.id", ondelete="CASCADE"), primary_key=True),
    Column("sighting_id", ForeignKey("sightings.id", ondelete="CASCADE"), primary_key=True),
)


class EnforcementRecord(Base):
    """A restricted sighting: what the police review, assign and close out."""

    __tablename__ = "enforcement_records"
    __table_args__ = (
        Index("ix_enforcement_records_period", "captured_at", "id"),
        # The review queue: the oldest records of one status (decided ones never stand in the way).
        Index("ix_enforcement_records_queue", "status", "captured_at", "id"),
        # The statistics' "now" figures (review due, overdue) read only the records whose review deadline can still
        # pass: unreviewed or pending ones (traffic/services/stats/rollup.py).
        Index("ix_enforcement_records_deadline_open", "review_deadline",
              postgresql_where=text("reviewed_at IS NULL OR status = 'pending_review'"),
              sqlite_where=text("reviewed_at IS NULL OR status = 'pending_review'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_no: Mapped[str] = mapped_column(String(64), unique=True)
    sighting_id: Mapped[int] = mapped_column(ForeignKey("sightings.id", ondelete="RESTRICT"), unique=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"), index=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("road_segments.id", ondelete="RESTRICT"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id", ondelete="RESTRICT"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("restriction_rules.id", ondelete="RESTRICT"))
    time_slot_id: Mapped[int] = mapped_column(ForeignKey("time_slots.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(16))
    vehicle_type: Mapped[str] = mapped_column(String(32))
    plate_state: Mapped[str] = mapped_column(String(16))
    plate_text: Mapped[str | None] = mapped_column(String(16), default=None)
    captured_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    review_deadline: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    status: Mapped[str] = mapped_column(String(32), default="pending_review", index=True)  # RecordStatus
    reasons: Mapped[list[str]] = mapped_column(JSON)
    anti_forgery_code: Mapped[str | None] = mapped_column(String(64), default=None)
    seal: Mapped[str | None] = mapped_column(String(64), default=None)
    # The detector version of its sighting, kept here too so a record names its model without the sighting.
    detector_version_id: Mapped[int] = mapped_column(
        ForeignKey("detector_versions.id", ondelete="RESTRICT"), index=True
    )
    # The evidence manifest format it was sealed in: 1 before the detector was sealed, 2 with it
    # (services/evidence_manifest.py). Packages keep verifying under the format they were sealed in.
    # Rows written without it (every record older than the column) read as 1.
    evidence_format: Mapped[int] = mapped_column(Integer, default=2, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    # The lifecycle (docs/lifecycle.md). `version` grows with every change: a stale one is refused (409).
    version: Mapped[int] = mapped_column(Integer, default=1)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime(), default=None)
    reviewed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    dismiss_reason: Mapped[str | None] = mapped_column(String(32), default=None)  # DismissReason
    corrected_vehicle_type: Mapped[str | None] = mapped_column(String(32), default=None)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), default=None, index=True)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime(), default=None)
    due_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    action_taken: Mapped[str | None] = mapped_column(String(16), default=None)  # ActionTaken
    actioned_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime(), default=None)
    closed_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime(), default=None)
    # The worst flagged clock skew among the pushed frames its evidence shows (ingest_frames.clock_skew_s); NULL when
    # none was flagged or the frames were pulled. Not sealed: docs/operations.md "Camera clocks" says why.
    clock_skew_s: Mapped[float | None] = mapped_column(Float, default=None)


class RecordSequence(Base):
    """The last record number used per day and segment (numbers read 20230605-S-RM-01-0001)."""

    __tablename__ = "record_sequences"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("road_segments.id", ondelete="CASCADE"), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class EvidenceFile(Base):
    """One file of a record's evidence package, written once and never overwritten; its hash is kept here."""

    __tablename__ = "evidence_files"
    __table_args__ = (UniqueConstraint("record_id", "name", name="uq_evidence_files_record_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("enforcement_records.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # EvidenceKind
    path: Mapped[str] = mapped_column(String(500))  # relative to the evidence root
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))
    captured_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime(), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    # Panoramas only: the frame they are (its ingest frame id, or the pulled frame's reference) and the SHA-256 of
    # the bytes the camera sent, so the chain from camera to evidence can be followed (docs/evidence.md).
    source_frame: Mapped[str | None] = mapped_column(String(128), default=None)
    source_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    # Panoramas only: the vehicle's box in the image's pixels [x1, y1, x2, y2], so pages can draw it over the
    # unaltered bytes; sealed like the source fields.
    box_xyxy: Mapped[list[int] | None] = mapped_column(JSON, default=None)


class RecordEvent(Base):
    """An outbox of what happened to records, in order: feeds server-sent events and webhooks."""

    __tablename__ = "record_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # RecordEventKind
    record_id: Mapped[int] = mapped_column(ForeignKey("enforcement_records.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(1000))
    secret: Mapped[str] = mapped_column(String(200))
    event_kinds: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())


class WebhookDelivery(Base):
    """One event to one subscriber; retried with back-off until delivered or given up."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_subscription_event"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("record_events.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # DeliveryStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime(), default=None)
