"""Build the one shape of an enforcement record (``schemas.records.RecordView``) for the API, events and manifest."""
from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from models import Camera, District, EnforcementRecord, RestrictionRule, RoadSegment, TimeSlot, Unit
from traffic.schemas.records import RecordView
from traffic.services.record_state import DeadlineClock, deadline_fields
from traffic.services.utc import as_utc, iso_utc

# What an evidence package vouches for: facts fixed at capture. Never add a field that changes later (status,
# deadlines, assignment): the anti-forgery code of every existing package is computed over exactly these.
MANIFEST_FIELDS = ("record_no", "camera", "segment", "district", "rule", "time_slot", "captured_at", "vehicle_type",
                   "plate_state", "plate_text")


class RecordCodes(NamedTuple):
    """The codes a record shows instead of its foreign keys."""

    camera: str
    segment: str
    district: str
    time_slot: str
    rule: str
    unit: str | None  # the responsible unit, once assigned


def select_records_with_codes() -> Select:
    """SELECT records with their codes, one row per record: (record, camera, segment, district, slot, rule, unit)."""
    slot = aliased(TimeSlot)
    query = select(EnforcementRecord, Camera.code, RoadSegment.code, District.code, slot.code, RestrictionRule.code,
                   Unit.code)
    return join_record_places(query, slot)


def join_record_places(query: Select, slot=TimeSlot) -> Select:
    """Join a SELECT of records to their camera, segment, district, time slot (``slot``), rule and unit, if any."""
    return (
        query.join(Camera, Camera.id == EnforcementRecord.camera_id)
        .join(RoadSegment, RoadSegment.id == EnforcementRecord.segment_id)
        .join(District, District.id == EnforcementRecord.district_id)
        .join(slot, slot.id == EnforcementRecord.time_slot_id)
        .join(RestrictionRule, RestrictionRule.id == EnforcementRecord.rule_id)
        .outerjoin(Unit, Unit.id == EnforcementRecord.unit_id)
    )


def record_codes(session: Session, record: EnforcementRecord) -> RecordCodes:
    """Camera, segment, district, time slot, rule and unit codes of one record."""
    row = session.execute(select_records_with_codes().where(EnforcementRecord.id == record.id)).one()
    return RecordCodes(*row[1:])


def record_view(record: EnforcementRecord, codes: RecordCodes, clock: DeadlineClock | None = None) -> RecordView:
    """The record in its one shape: every field of ``RecordView`` named like a column comes from that column.

    ``clock`` judges its deadlines (default: now, in the default timezone; requests pass the city's).
    """
    values: dict[str, Any] = deadline_fields(record, clock or DeadlineClock.default())
    for name in RecordView.model_fields:
        if name in values:
            continue
        if name in RecordCodes._fields:
            values[name] = getattr(codes, name)
        else:
            value = getattr(record, name)
            # SQLite hands back naive instants; every instant leaves the system in UTC.
            values[name] = as_utc(value) if isinstance(value, dt.datetime) else value
    return RecordView(**values)


def event_payload(view: RecordView) -> dict[str, Any]:
    """The record as a record event (server-sent events, webhooks) carries it: the API shape as JSON."""
    return view.model_dump(mode="json")


def manifest_facts(view: RecordView) -> dict[str, Any]:
    """The part of the record an evidence manifest vouches for, written exactly as every manifest has written it."""
    facts = {name: getattr(view, name) for name in MANIFEST_FIELDS}
    facts["captured_at"] = iso_utc(view.captured_at)
    facts["plate_state"] = str(view.plate_state)
    return facts
