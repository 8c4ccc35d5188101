"""API shapes of the record lifecycle: transitions (one and bulk), and the audit trail."""
from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from models.enums import ActionTaken, RecordStatus, VehicleType
from traffic.schemas.city import Code, IsoDate, WholeNumber
from traffic.schemas.records import RecordOut


class TransitionFields(BaseModel):
    """Where to move a record and what the step needs; a step uses only some fields (docs/lifecycle.md)."""

    model_config = ConfigDict(extra="forbid")

    to: RecordStatus
    reason: str | None = Field(default=None, min_length=1, max_length=200,
                               description="dismiss: a DismissReason; reopen: why, in words")
    note: str | None = Field(default=None, max_length=2000, description="free text; needed by act and by other")
    unit: Code | None = Field(default=None, description="assign, reassign: the responsible unit's code")
    due_date: IsoDate | None = Field(default=None, description="assign (needed), reassign (optional)")
    action_taken: ActionTaken | None = Field(default=None, description="act: what was done")
    vehicle_type: VehicleType | None = Field(default=None, description="dismiss wrong_vehicle_type: the right type")


class TransitionIn(TransitionFields):
    version: WholeNumber = Field(ge=1, description="the record's version as last read; a stale one answers 409")


class UndoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: WholeNumber = Field(ge=1, description="the record's version after your step; a stale one answers 409")


class BulkItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: WholeNumber = Field(ge=1)
    version: WholeNumber = Field(ge=1)


class BulkTransitionIn(TransitionFields):
    items: list[BulkItemIn] = Field(min_length=1, max_length=500)


class BulkItemOut(BaseModel):
    id: int
    ok: bool
    status_code: int = Field(description="what a single transition of this item would have answered")
    error: str | None = None
    detail: str | None = None
    record: RecordOut | None = None


class BulkTransitionOut(BaseModel):
    succeeded: int
    failed: int
    items: list[BulkItemOut]


class AuditEntryOut(BaseModel):
    id: int
    at: dt.datetime
    username: str
    role: str
    client: str | None
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    note: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
