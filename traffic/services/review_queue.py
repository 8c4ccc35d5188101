"""The review queue and the record page's facts, scoped to what the acting user may see.

The queue is cleared oldest first (keyset on captured time, id); a record outside the user's districts is treated
exactly like a record that does not exist.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from models import (
    Camera,
    District,
    EnforcementRecord,
    EvidenceFile,
    RestrictionRule,
    RoadSegment,
    TimeSlot,
    Unit,
)
from models.enums import RecordStatus
from traffic.errors import InvalidInput, NotFound
from traffic.services.actors import Actor
from traffic.services.listing import ListFilters
from traffic.services.listing import _filtered as filtered_by_codes  # the same filter semantics as the API lists
from traffic.services.record_state import DeadlineClock, overdue_clause
from traffic.services.record_view import join_record_places
from traffic.services.scope import within_scope
from traffic.services.stats.facts import OPEN
from traffic.services.utc import as_utc

QUEUE_PAGE = 40
# Besides one status, the queue's URL may ask for every status, or every open one: the figures the dashboard links
# from count records of any status, or the open ones (the ranking's "open", services/stats/facts.py).
ANY_STATUS, OPEN_STATUSES = "all", "open"
STATUS_GROUPS: dict[str, tuple[str, ...] | None] = {
    ANY_STATUS: None,
    OPEN_STATUSES: tuple(OPEN),
}


def statuses_of(status: str) -> tuple[str, ...] | None:
    """The statuses a queue ``status`` stands for (None: any); an unknown one is refused."""
    if status in STATUS_GROUPS:
        return STATUS_GROUPS[status]
    if status not in set(RecordStatus):
        raise InvalidInput(f"status {status!r} does not exist; use a record status, {ANY_STATUS} or {OPEN_STATUSES}")
    return (status,)


@dataclass(frozen=True)
class QueueFilters:
    """What the review page's URL may narrow the queue by; status defaults to pending review, and may also be
    ``all`` or ``open`` (`STATUS_GROUPS`)."""

    district: str | None = None
    segment: str | None = None
    time_slot: str | None = None
    vehicle_type: str | None = None
    camera: str | None = None
    unit: str | None = None
    status: str = RecordStatus.PENDING_REVIEW
    overdue: bool = False
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass
class RecordView:
    """One record with the names around it and its evidence files: what the queue and the record page show."""

    record: EnforcementRecord
    camera_name: str
    segment_code: str
    segment_name: str
    district_name: str
    slot_name: str
    rule_name: str
    unit_name: str | None
    evidence: list[EvidenceFile] = field(default_factory=list)


def _views_query() -> Select:
    return join_record_places(select(EnforcementRecord, Camera.name, RoadSegment.code, RoadSegment.name,
                                     District.name, TimeSlot.name, RestrictionRule.name, Unit.name))


def _with_evidence(session: Session, views: list[RecordView]) -> list[RecordView]:
    by_id = {v.record.id: v for v in views}
    if by_id:
        files = session.scalars(select(EvidenceFile).where(EvidenceFile.record_id.in_(list(by_id)))
                                .order_by(EvidenceFile.record_id, EvidenceFile.id))
        for f in files:
            by_id[f.record_id].evidence.append(f)
    return views


def queue(session: Session, actor: Actor, filters: QueueFilters, clock: DeadlineClock, *,
          after: tuple[dt.datetime, int] | None = None, limit: int = QUEUE_PAGE) -> list[RecordView]:
    """The oldest records in the actor's scope that match, after the (captured_at, id) of the last one shown.

    Overdue means what it means in the API's lists (`record_state.overdue_clause`), judged by ``clock``.
    """
    query = filtered_by_codes(session, actor, _views_query(), EnforcementRecord, EnforcementRecord.captured_at,
                              ListFilters(district=filters.district, segment=filters.segment,
                                          time_slot=filters.time_slot, vehicle_type=filters.vehicle_type,
                                          camera=filters.camera, since=filters.since, until=filters.until))
    statuses = statuses_of(filters.status)
    if statuses is not None:
        query = query.where(EnforcementRecord.status.in_(statuses))
    if filters.unit is not None:
        query = query.where(EnforcementRecord.unit_id == _unit_id(session, actor, filters.unit))
    if filters.overdue:
        query = query.where(overdue_clause(clock))
    if after is not None:
        at, row_id = after
        at = as_utc(at)
        query = query.where(or_(EnforcementRecord.captured_at > at,
                                and_(EnforcementRecord.captured_at == at, EnforcementRecord.id > row_id)))
    rows = session.execute(
        query.order_by(EnforcementRecord.captured_at, EnforcementRecord.id).limit(limit)).all()
    return _with_evidence(session, [RecordView(*row) for row in rows])


def _unit_id(session: Session, actor: Actor, code: str) -> int:
    """A unit the actor may see (a city-level one, or one of the actor's districts); any other reads as unknown."""
    found = session.scalar(select(Unit.id).where(Unit.code == code, or_(Unit.district_id.is_(None),
                                                                        within_scope(Unit.district_id, actor))))
    if found is None:
        raise NotFound(f"unit {code!r} does not exist")
    return found


def record_view(session: Session, actor: Actor, ref: str | int) -> RecordView:
    """One record by number or id, with names and evidence; NotFound when absent or outside the actor's scope."""
    text = str(ref)
    column = EnforcementRecord.id if text.isdigit() else EnforcementRecord.record_no
    row = session.execute(_views_query().where(within_scope(EnforcementRecord.district_id, actor),
                                               column == (int(text) if text.isdigit() else text))).first()
    if row is None:
        raise NotFound(f"record {text} does not exist")
    return _with_evidence(session, [RecordView(*row)])[0]


@dataclass(frozen=True)
class FilterChoices:
    districts: list[tuple[str, str]]
    segments: list[tuple[str, str]]
    time_slots: list[tuple[str, str]]
    units: list[tuple[str, str]]


def filter_choices(session: Session, actor: Actor) -> FilterChoices:
    """The (code, name) pairs the filter and assign controls offer, limited to the actor's districts."""
    districts = select(District.code, District.name).order_by(District.code)
    segments = select(RoadSegment.code, RoadSegment.name).order_by(RoadSegment.code)
    units = select(Unit.code, Unit.name).order_by(Unit.code)
    if actor.district_ids is not None:
        scope = sorted(actor.district_ids)
        districts = districts.where(District.id.in_(scope))
        segments = segments.where(RoadSegment.district_id.in_(scope))
        units = units.where(or_(Unit.district_id.is_(None), Unit.district_id.in_(scope)))
    slots = select(TimeSlot.code, TimeSlot.name).order_by(TimeSlot.code)
    return FilterChoices(*([tuple(r) for r in session.execute(q)] for q in (districts, segments, slots, units)))


def summary(view: RecordView) -> dict[str, Any]:
    """Plain values of a view that pages and scripts share (labels are added by the web layer)."""
    r = view.record
    return {
        "id": r.id, "record_no": r.record_no, "version": r.version, "status": r.status,
        "captured_at": as_utc(r.captured_at), "review_deadline": as_utc(r.review_deadline),
        "camera_name": view.camera_name, "segment_code": view.segment_code, "segment_name": view.segment_name,
        "district_name": view.district_name, "slot_name": view.slot_name, "rule_name": view.rule_name,
        "vehicle_type": r.vehicle_type, "plate_state": r.plate_state, "plate_text": r.plate_text,
        "reasons": list(r.reasons or []), "unit_name": view.unit_name, "due_date": r.due_date,
        "dismiss_reason": r.dismiss_reason, "action_taken": r.action_taken,
    }
