"""The one query builder under every figure: count sightings, records or processed camera-minutes by dimensions.

A row is read on the city's wall clock. Its day is the local date, except where a time slot is involved (a slot
filter or a slot dimension): then it counts once in every slot whose window covers it, on the day that slot starts
(the rule engine's ``SlotSpec.owning_day``, written here as SQL and checked against it by the property test).

The rows counted are those of the statistics rollup wherever it can answer (rollup_query.py: counts per local day
and bucket, or per slot and the slot's day), else the raw rows; both shapes carry a count ``n`` and are added up
the same way. The raw path stays as the oracle the rollup is tested against (``raw_rows=True``).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlalchemy.orm import Session

from models import Camera, CameraMinute, District, EnforcementRecord, RecordStatus, RoadSegment, Sighting, TimeSlot
from traffic.errors import InvalidInput, NotFound
from traffic.services.actors import Actor
from traffic.services.record_state import DeadlineClock, overdue_clause
from traffic.services.stats.local_time import Period, day_number, epoch_seconds, local_seconds
from traffic.services.stats.rollup import slot_sql
from traffic.services.stats.rollup_query import CONFIRMED_OR_LATER, OPEN, rollup_rows

KINDS = ("sightings", "records", "exposure")
# Status and unit exist only for records; the place and slot dimensions for all three kinds.
RECORD_ONLY = frozenset({"status", "unit"})
NOT_FOR_EXPOSURE = frozenset({"status", "unit", "vehicle_type"})
OUTCOMES = ("reviewed_in_time", "review_due", "closed", "confirmed", "open", "overdue")


@dataclass(frozen=True)
class StatsFilters:
    """Codes to filter on; ``status`` applies to records only."""

    district: str | None = None
    segment: str | None = None
    time_slot: str | None = None
    vehicle_type: str | None = None
    camera: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Scope:
    """Filters resolved to ids, and the districts the caller may see (None: the whole city)."""

    district_id: int | None
    segment_id: int | None
    camera_id: int | None
    slot_id: int | None
    vehicle_type: str | None
    status: str | None
    districts: frozenset[int] | None

    def without_slot(self) -> Scope:
        return Scope(self.district_id, self.segment_id, self.camera_id, None, self.vehicle_type, self.status,
                     self.districts)


def resolve(session: Session, filters: StatsFilters, actor: Actor) -> Scope:
    """Codes to ids; a place outside the caller's districts reads exactly like one that does not exist."""
    def place_id(name: str, model, district_of) -> int | None:
        code = getattr(filters, name)
        if code is None:
            return None
        row = session.execute(select(model.id, district_of).where(model.code == code)).first()
        if row is None or not actor.sees_district(row[1]):
            raise NotFound(f"{name.replace('_', ' ')} {code!r} does not exist")
        return row[0]

    district_id = place_id("district", District, District.id)
    segment_id = place_id("segment", RoadSegment, RoadSegment.district_id)
    camera_id = None
    if filters.camera is not None:
        row = session.execute(
            select(Camera.id, RoadSegment.district_id).join(RoadSegment, RoadSegment.id == Camera.segment_id)
            .where(Camera.code == filters.camera)
        ).first()
        if row is None or not actor.sees_district(row[1]):
            raise NotFound(f"camera {filters.camera!r} does not exist")
        camera_id = row[0]
    slot_id = None
    if filters.time_slot is not None:
        slot_id = session.scalar(select(TimeSlot.id).where(TimeSlot.code == filters.time_slot))
        if slot_id is None:
            raise NotFound(f"time slot {filters.time_slot!r} does not exist")
    return Scope(district_id, segment_id, camera_id, slot_id, filters.vehicle_type, filters.status,
                 actor.district_ids)


def _outcome_columns(now: dt.datetime, tz) -> list:
    """Per-record 0/1 flags that the lifecycle figures sum (definitions: docs/statistics.md)."""
    record = EnforcementRecord
    status = record.status

    def flag(condition):
        return case((condition, 1), else_=0)

    reviewed = record.reviewed_at.is_not(None)
    return [
        flag(and_(reviewed, record.reviewed_at <= record.review_deadline)).label("reviewed_in_time"),
        flag(or_(reviewed, record.review_deadline <= now)).label("review_due"),
        flag(status == RecordStatus.CLOSED).label("closed"),
        flag(status.in_(CONFIRMED_OR_LATER)).label("confirmed"),
        flag(status.in_(OPEN)).label("open"),
        flag(overdue_clause(DeadlineClock(now, tz))).label("overdue"),  # the lifecycle's own rule, as the queue's
    ]


def _rows(kind: str, dialect: str, period: Period, scope: Scope, lo, hi, *, outcomes: Sequence = (), where=None,
          n=None, with_record: bool = True):
    """One row per counted thing with its local seconds (``ls``), the columns dimensions read, and ``n`` (1).

    With ``where`` (the records due today) that condition's index leads: the period bounds are then only checked,
    written so that no index serves them, else PostgreSQL would also walk the period's index, whose length grows
    with the traffic."""
    n = literal_column("1") if n is None else n
    if kind == "exposure":
        ls = local_seconds(CameraMinute.minute * 60, period.tz, lo, hi)
        query = (
            select(ls.label("ls"), RoadSegment.district_id.label("district_id"), Camera.segment_id.label("segment_id"),
                   CameraMinute.camera_id.label("camera_id"), n.label("n"))
            .join(Camera, Camera.id == CameraMinute.camera_id)
            .join(RoadSegment, RoadSegment.id == Camera.segment_id)
            .where(CameraMinute.minute >= int(lo.timestamp()) // 60, CameraMinute.minute < int(hi.timestamp()) // 60)
        )
        district, segment, camera = RoadSegment.district_id, Camera.segment_id, CameraMinute.camera_id
    else:
        model = Sighting if kind == "sightings" else EnforcementRecord
        time_column = Sighting.first_seen if kind == "sightings" else EnforcementRecord.captured_at
        ls = local_seconds(epoch_seconds(time_column, dialect), period.tz, lo, hi)
        columns = [ls.label("ls"), model.district_id, model.segment_id, model.camera_id, model.vehicle_type]
        if kind == "records":
            columns += [EnforcementRecord.status, EnforcementRecord.unit_id]
            if with_record:
                columns.append(EnforcementRecord.id.label("record_id"))
        bounded = time_column if where is None else func.coalesce(time_column, time_column)
        query = select(*columns, n.label("n"), *outcomes).where(bounded >= lo, bounded < hi)
        district, segment, camera = model.district_id, model.segment_id, model.camera_id
        if scope.vehicle_type is not None:
            query = query.where(model.vehicle_type == scope.vehicle_type)
        if kind == "records" and scope.status is not None:
            query = query.where(EnforcementRecord.status == scope.status)
        if where is not None:
            query = query.where(where)
    for column, wanted in ((district, scope.district_id), (segment, scope.segment_id), (camera, scope.camera_id)):
        if wanted is not None:
            query = query.where(column == wanted)
    if scope.districts is not None:
        query = query.where(district.in_(sorted(scope.districts)))
    return query


def count(session: Session, kind: str, period: Period, scope: Scope, group: Sequence[str] = (), *,
          raw_rows: bool = False) -> dict[tuple, int]:
    """Counts of ``kind`` in ``period`` by ``group`` (dimensions, or "day", "hour", "hour_of_week"); exposure counts
    processed camera-minutes. Keys are tuples of ids, codes or integers in the order of ``group``."""
    return {key: values["n"] for key, values in tally(session, kind, period, scope, group, raw_rows=raw_rows).items()}


def tally(session: Session, kind: str, period: Period, scope: Scope, group: Sequence[str] = (),
          now: dt.datetime | None = None, *, raw_rows: bool = False) -> dict[tuple, dict[str, int]]:
    """Like ``count``, and for records with ``now`` also the sums of the lifecycle flags (``OUTCOMES``).

    Reads the rollup where it can; ``raw_rows`` counts the rows themselves (the rollup's own tests compare both)."""
    if kind not in KINDS:
        raise ValueError(kind)
    dialect = session.get_bind().dialect.name
    uses_slot = scope.slot_id is not None or "time_slot" in group
    lo, hi = period.utc_bounds(slack_days=1 if uses_slot else 0)
    outcomes_now = now if kind == "records" else None

    def raw(where=None, outcomes=(), n=None):
        return _rows(kind, dialect, period, scope, lo, hi, outcomes=outcomes, where=where, n=n, with_record=False)

    source, resolved = (None, False) if raw_rows else rollup_rows(session, kind, period, scope, group, outcomes_now, raw)
    if source is None:
        outcomes = _outcome_columns(now, period.tz) if outcomes_now is not None else ()
        source = _rows(kind, dialect, period, scope, lo, hi, outcomes=outcomes)
    rows = source.subquery("counted")
    ls = rows.c.ls
    day = ls // 86400
    minute = (ls % 86400) // 60
    query = select().select_from(rows)
    effective_day = day
    slot = TimeSlot.__table__.alias("slot")
    if uses_slot and not resolved:
        covers, slot_day = slot_sql(slot, minute, day)
        query = query.join(slot, covers)
        effective_day = slot_day
        if scope.slot_id is not None:
            query = query.where(slot.c.id == scope.slot_id)
    query = query.where(effective_day.between(day_number(period.start), day_number(period.end)))
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    expressions = {
        "day": effective_day, "hour": ls // 3600, "hour_of_day": minute // 60, "weekday": weekday,
        "hour_of_week": weekday * 24 + minute // 60,
        "time_slot": rows.c.slot_id if resolved else slot.c.id,
        "district": rows.c.district_id, "segment": rows.c.segment_id, "camera": rows.c.camera_id,
        "vehicle_type": rows.c.get("vehicle_type"), "status": rows.c.get("status"), "unit": rows.c.get("unit_id"),
        "record": rows.c.get("record_id"),  # the ledger: exactly the records every figure counts
    }
    chosen = []
    for name in group:
        expression = expressions.get(name)
        if expression is None:
            raise InvalidInput(f"{kind} cannot be counted by {name}")
        chosen.append(expression.label(f"g_{len(chosen)}"))
    measures = [func.sum(rows.c.n).label("n")]
    if kind == "records" and now is not None:
        measures += [func.sum(rows.c[name]).label(name) for name in OUTCOMES]
    query = query.add_columns(*chosen, *measures)
    if chosen:
        query = query.group_by(*chosen)
    width = len(chosen)
    answer = {
        tuple(row[:width]): {m.name: int(row[width + i] or 0) for i, m in enumerate(measures)}
        for row in session.execute(query)
    }
    if chosen:  # a rollup row can fall to 0 when its records moved on: such a group holds nothing
        answer = {key: values for key, values in answer.items() if values["n"]}
    return answer


def total(counts: dict[tuple, int]) -> int:
    return sum(counts.values())
