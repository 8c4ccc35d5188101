"""API shapes of sightings, enforcement records, their evidence, events and webhook subscriptions."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RECORD_STATUSES = ("pending_review", "confirmed", "dismissed", "closed")
RecordStatus = Literal["pending_review", "confirmed", "dismissed", "closed"]
PlateStateName = Literal["plated", "unplated", "unknown"]


class RecordOut(BaseModel):
    id: int
    record_no: str
    status: str
    action: str
    camera: str
    segment: str
    district: str
    time_slot: str
    rule: str
    vehicle_type: str
    plate_state: str
    plate_text: str | None
    captured_at: dt.datetime
    review_deadline: dt.datetime
    reasons: list[str]
    sighting_id: int
    anti_forgery_code: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    evidence_url: str
    verify_url: str


class SightingOut(BaseModel):
    id: int
    camera: str
    segment: str
    district: str
    time_slot: str | None
    track_key: str
    status: str
    source: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    vehicle_type: str
    votes: dict[str, int]
    confidence: float
    plate_state: str
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
    kind: str
    sha256: str
    size: int
    content_type: str
    captured_at: dt.datetime | None
    url: str


class EvidenceListOut(BaseModel):
    record_id: int
    record_no: str
    anti_forgery_code: str | None
    seal: str | None
    items: list[EvidenceFileOut]


class FileCheckOut(BaseModel):
    name: str
    kind: str
    status: Literal["ok", "altered", "missing"]
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


WebhookEventName = Literal["record.created", "record.status_changed", "*"]
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
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    delivered_at: dt.datetime | None
