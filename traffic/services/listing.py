"""Filtered, newest-first listings of sightings and records with keyset pagination.

A cursor names the last row of a page by its sort key (time, id); the next page starts strictly after it, so rows
inserted meanwhile never shift a page or repeat a row. Cursors are opaque to clients (base64 of a small JSON).
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, aliased

from models import Camera, DetectorVersion, District, EnforcementRecord, RoadSegment, Sighting, TimeSlot
from traffic.db import MAX_ROW_ID
from traffic.errors import InvalidInput, NotFound
from traffic.services.actors import Actor
from traffic.services.record_state import DeadlineClock, overdue_clause
from traffic.services.record_view import RecordCodes, record_view, select_records_with_codes
from traffic.services.scope import within_scope
from traffic.services.utc import as_utc, iso_utc, parse_iso_utc

MAX_LIMIT = 500


@dataclass(frozen=True)
class ListFilters:
    """Codes of the place and slot, vehicle and plate state, record status, and a period [since, until)."""

    camera: str | None = None
    segment: str | None = None
    district: str | None = None
    time_slot: str | None = None
    vehicle_type: str | None = None
    plate_state: str | None = None
    status: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    overdue: bool | None = None  # records only: past their review deadline or due date (services/record_state.py)


@dataclass(frozen=True)
class Page:
    items: list[Any]  # RecordView for records, dicts for sightings
    next_cursor: str | None


def encode_cursor(kind: str, at: dt.datetime, row_id: int) -> str:
    raw = json.dumps({"k": kind, "t": iso_utc(at), "i": row_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        if data["k"] != kind or not isinstance(data["i"], int):
            raise ValueError(kind)
        at = parse_iso_utc(data["t"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidInput("cursor is not one this listing issued") from exc
    return at, data["i"]


def list_records(session: Session, actor: Actor, filters: ListFilters, cursor: str | None, limit: int,
                 clock: DeadlineClock | None = None) -> Page:
    query = _filtered(
        session, actor, select_records_with_codes(), EnforcementRecord, EnforcementRecord.captured_at, filters
    )
    if filters.status:
        query = query.where(EnforcementRecord.status == filters.status)
    clock = clock or DeadlineClock.of_city(session)
    if filters.overdue is not None:
        late = overdue_clause(clock)  # IS TRUE / IS NOT TRUE: a NULL (no due date) counts as not overdue
        query = query.where(late.is_(True) if filters.overdue else late.is_not(True))
    rows, next_cursor = _page(session, query, "r", EnforcementRecord, EnforcementRecord.captured_at, cursor, limit)
    return Page([record_view(r, RecordCodes(*codes), clock) for r, *codes in rows], next_cursor)


def list_sightings(session: Session, actor: Actor, filters: ListFilters, cursor: str | None, limit: int) -> Page:
    slot = aliased(TimeSlot)
    query = (
        select(Sighting, Camera.code, RoadSegment.code, District.code, slot.code, EnforcementRecord.id,
               EnforcementRecord.record_no, DetectorVersion)
        .join(Camera, Camera.id == Sighting.camera_id)
        .join(DetectorVersion, DetectorVersion.id == Sighting.detector_version_id)
        .join(RoadSegment, RoadSegment.id == Sighting.segment_id)
        .join(District, District.id == Sighting.district_id)
        .outerjoin(slot, slot.id == Sighting.time_slot_id)
        .outerjoin(EnforcementRecord, EnforcementRecord.sighting_id == Sighting.id)
    )
    query = _filtered(session, actor, query, Sighting, Sighting.first_seen, filters)
    rows, next_cursor = _page(session, query, "s", Sighting, Sighting.first_seen, cursor, limit)
    return Page([_sighting_item(*row) for row in rows], next_cursor)


def _sighting_item(s: Sighting, camera: str, segment: str, district: str, time_slot: str | None,
                   record_id: int | None, record_no: str | None, detector: DetectorVersion) -> dict[str, Any]:
    return {
        "id": s.id,
        "camera": camera,
        "segment": segment,
        "district": district,
        "time_slot": time_slot,
        "track_key": s.track_key,
        "status": s.status,
        "source": s.source,
        "first_seen": as_utc(s.first_seen),
        "last_seen": as_utc(s.last_seen),
        "vehicle_type": s.vehicle_type,
        "votes": s.votes,
        "confidence": s.confidence,
        "plate_state": s.plate_state,
        "plate_text": s.plate_text,
        "plate_confidence": s.plate_confidence,
        "moved": s.moved,
        "model_version": detector.label,  # NAME@VERSION of its detector row, as the field has always read
        "record_id": record_id,
        "record_no": record_no,
    }


def _filtered(session: Session, actor: Actor, query: Select, model, time_column, filters: ListFilters) -> Select:
    query = query.where(within_scope(model.district_id, actor))
    for name, ref_model, column, district_of in (
        ("camera", Camera, model.camera_id, _camera_district),
        ("segment", RoadSegment, model.segment_id, RoadSegment.district_id),
        ("district", District, model.district_id, District.id),
        ("time_slot", TimeSlot, model.time_slot_id, None),
    ):
        code = getattr(filters, name)
        if code is not None:
            lookup = select(ref_model.id).where(ref_model.code == code)
            if district_of is not None:  # a place outside the actor's districts is answered as unknown
                lookup = lookup.where(within_scope(district_of, actor))
            found = session.scalar(lookup)
            if found is None:
                raise NotFound(f"{name.replace('_', ' ')} {code!r} does not exist")
            query = query.where(column == found)
    if filters.vehicle_type:
        query = query.where(model.vehicle_type == filters.vehicle_type)
    if filters.plate_state:
        query = query.where(model.plate_state == filters.plate_state)
    for name in ("since", "until"):
        value = getattr(filters, name)
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise InvalidInput(f"{'from' if name == 'since' else 'to'} must carry a UTC offset, "
                               "e.g. 2023-06-05T07:00:00+08:00")
    if filters.since and filters.until and filters.since >= filters.until:
        raise InvalidInput("from must be earlier than to")
    if filters.since:
        query = query.where(time_column >= as_utc(filters.since))
    if filters.until:
        query = query.where(time_column < as_utc(filters.until))
    return query


_camera_district = (
    select(RoadSegment.district_id).where(RoadSegment.id == Camera.segment_id).correlate(Camera).scalar_subquery()
)


def _page(session: Session, query: Select, kind: str, model, time_column, cursor: str | None, limit: int):
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}")
    if cursor:
        at, row_id = decode_cursor(kind, cursor)
        query = query.where(or_(time_column < at, and_(time_column == at, model.id < row_id)))
    rows = session.execute(query.order_by(time_column.desc(), model.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more:
        last = rows[-1][0]
        next_cursor = encode_cursor(kind, getattr(last, time_column.key), last.id)
    return rows, next_cursor


def find_record(session: Session, ref: str | int, *, actor: Actor) -> EnforcementRecord:
    """A record by id (digits) or by its number; one outside the actor's districts is reported as not existing."""
    text = str(ref)
    if text.isascii() and text.isdigit():
        match = EnforcementRecord.id == int(text) if int(text) <= MAX_ROW_ID else None
    else:
        match = EnforcementRecord.record_no == text
    record = None
    if match is not None:
        record = session.scalar(
            select(EnforcementRecord).where(match, within_scope(EnforcementRecord.district_id, actor))
        )
    if record is None:
        raise NotFound(f"record {text} does not exist")
    return record
