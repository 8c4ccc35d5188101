"""API shapes of sightings, enforcement records, their evidence, events and webhook subscriptions."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.enums import (
    DeliveryStatus,
    EvidenceKind,
    FileIntegrity,
    PlatePresence,
    RecordEventKind,
    RecordStatus,
    SightingSource,
    SightingStatus,
)


class RecordView(BaseModel):
    """The one shape of an enforcement record: the API answers it, record events carry it, and the evidence
    manifest vouches for a fixed part of it. A field named like a record column is filled from that column
    (``traffic/services/record_view.py``), so a new column needs only a line here."""

    id: int
    record_no: str
    status: RecordStatus
    action: str
    camera: str
    segment: str
    district: str
    time_slot: str
    rule: str
    vehicle_type: str
    plate_state: PlatePresence
    plate_text: str | None
    captured_at: dt.datetime
    review_deadline: dt.datetime
    reasons: list[str]
    sighting_id: int
    anti_forgery_code: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    # The lifecycle (docs/lifecycle.md): send `version` back with a transition; a stale one answers 409.
    version: int
    unit: str | None
    due_date: dt.date | None
    due_at: dt.datetime | None = Field(description="review deadline or end of the due date; null when nothing is due")
    overdue: bool
    overdue_seconds: int = Field(description="how long past due_at; 0 when not overdue")
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    dismiss_reason: str | None
    corrected_vehicle_type: str | None
    action_taken: str | None
    assigned_at: dt.datetime | None
    actioned_at: dt.datetime | None
    closed_at: dt.datetime | None
    clock_skew_s: float | None = Field(
        default=None, description="camera clock off standard time by this many seconds (captured_at minus the "
        "server's receive time) on a frame of its evidence, beyond GA/T 832's 1 s; null when not flagged")


class LegalHoldIn(BaseModel):
    """Why a record is put on (or taken off) legal hold: a court case, an appeal, a complaint."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, description="why, in words; kept in the audit trail")


class LegalHoldOut(BaseModel):
    """A record's legal hold: retention keeps its frames while it lasts (docs/operations.md)."""

    reason: str
    set_by: str
    set_at: dt.datetime


class RecordOut(RecordView):
    """A record as the API answers it: its shape, its legal hold if any, and the links to its evidence."""

    evidence_url: str
    verify_url: str
    legal_hold: LegalHoldOut | None = Field(default=None, description="set while the record is on legal hold")


class SightingOut(BaseModel):
    id: int
    camera: str
    segment: str
    district: str
    time_slot: str | None
    track_key: str
    status: SightingStatus
    source: SightingSource
    first_seen: dt.datetime
    last_seen: dt.datetime
    vehicle_type: str
    votes: dict[str, int]
    confidence: float
    plate_state: PlatePresence
    plate_text: str | None
    plate_confidence: float | None
    moved: bool
    model_version: str
    record_id: int | None
    record_no: str | None


class RecordPage(BaseModel):
    items: list[RecordOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next (older) page; null on the last page")


class SightingPage(BaseModel):
    items: list[SightingOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next (older) page; null on the last page")


class EvidenceFileOut(BaseModel):
    name: str
    kind: EvidenceKind
    sha256: str
    size: int
    content_type: str
    captured_at: dt.datetime | None
    url: str
    box_xyxy: list[int] | None = Field(
        default=None, description="panoramas: the vehicle's box [x1, y1, x2, y2] in the image's pixels; null otherwise")


class EvidenceListOut(BaseModel):
    record_id: int
    record_no: str
    anti_forgery_code: str | None
    seal: str | None
    items: list[EvidenceFileOut]


class FileCheckOut(BaseModel):
    name: str
    kind: EvidenceKind
    status: FileIntegrity
    expected_sha256: str
    actual_sha256: str | None


class VerifyOut(BaseModel):
    record_id: int
    record_no: str
    intact: bool
    seal_valid: bool
    anti_forgery_valid: bool
    database_altered: bool
    altered_files: list[str]
    missing_files: list[str]
    files: list[FileCheckOut]
    problems: list[str]


WebhookEventName = RecordEventKind | Literal["*"]  # "*": every kind
# A host name or IPv4 address (an IPv6 literal is not accepted: a pattern cannot tell a valid one).
WEBHOOK_URL = r"^https?://[A-Za-z0-9\-._~]+(:[0-9]{1,5})?([/?#]\S*)?$"


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=1000, pattern=WEBHOOK_URL, description="http(s) URL that receives POSTed JSON")
    secret: str = Field(min_length=16, max_length=200, description="key of the X-Traffic-Signature HMAC")
    events: list[WebhookEventName] = Field(min_length=1, description='event kinds, e.g. ["record.created"], or ["*"]')


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: dt.datetime


class WebhookDeliveryOut(BaseModel):
    id: int
    event_id: int
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    delivered_at: dt.datetime | None
