"""Rows of the rollup shaped like the raw rows facts.py counts: the fast path under every figure.

A query reads the grain with the fewest dimensions that keeps all it groups and filters by. Its rows carry a count
``n`` and the local seconds of their bucket's start, so facts.tally adds them up exactly as it counts raw rows.
Figures that depend on "now" are split: everything whose deadline or due day lies before today comes from the
rollup; the records whose review deadline falls today are read raw, through a partial index (docs/statistics.md).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import BigInteger, and_, case, cast, literal_column, select, text, union_all
from sqlalchemy.orm import Session

from models import EnforcementRecord, RecordStatus
from models.stats import ROLLUP_NO_UNIT, StatsRollup
from traffic.services.stats.local_time import Period, day_number
from traffic.services.stats.rollup import (
    GRAINS,
    KIND_CODES,
    LATE_CAPABLE,
    OUTCOME_DIMENSIONS,
    current_slots,
    stored_layout,
)

CONFIRMED_OR_LATER = (RecordStatus.CONFIRMED, RecordStatus.ASSIGNED, RecordStatus.ACTIONED, RecordStatus.CLOSED)
OPEN = (RecordStatus.PENDING_REVIEW, RecordStatus.CONFIRMED, RecordStatus.ASSIGNED, RecordStatus.ACTIONED)
BY_HOUR = frozenset({"hour", "hour_of_day", "hour_of_week"})
BY_COLUMN = {"segment": "segment_id", "camera": "camera_id", "vehicle_type": "vehicle_type", "status": "status",
             "unit": "unit_id"}
# The partial index ix_enforcement_records_deadline_open, written out so that PostgreSQL sees the query implies it.
DEADLINE_CAN_PASS = "(reviewed_at IS NULL OR status = 'pending_review')"


def needed(kind: str, scope, group: Sequence[str], with_outcomes: bool, by_slot: bool) -> set[str] | None:
    """The dimensions a query needs kept besides day and district; None when only raw rows can answer.
    ``by_slot``: slots read from a slot grain (else from buckets joined with the slots)."""
    if "record" in group:
        return None  # the ledger lists records one by one
    wanted = {BY_COLUMN[name] for name in group if name in BY_COLUMN}
    if any(name in BY_HOUR for name in group):
        wanted.add("bucket")
    if scope.slot_id is not None or "time_slot" in group:
        wanted.add("slot_id" if by_slot else "bucket")
    for column, value in (("segment_id", scope.segment_id), ("camera_id", scope.camera_id)):
        if value is not None:
            wanted.add(column)
    if kind != "exposure" and scope.vehicle_type is not None:
        wanted.add("vehicle_type")
    if kind == "records" and scope.status is not None:
        wanted.add("status")
    if with_outcomes:
        wanted |= set(OUTCOME_DIMENSIONS)
    return wanted


def _grain(wanted: set[str]) -> int | None:
    covering = [grain for grain, kept in GRAINS.items() if wanted <= set(kept)]
    return min(covering, key=lambda grain: len(GRAINS[grain])) if covering else None


def rollup_rows(session: Session, kind: str, period: Period, scope, group: Sequence[str], now: dt.datetime | None,
                raw_rows) -> tuple:
    """(a selectable of rows like ``raw_rows`` gives, whether its days and ``slot_id`` are already the slots'),
    or (None, False) when the rollup cannot answer (a layout cut for other slots or another timezone: then the
    caller counts raw rows, slower and just as right).

    ``raw_rows(extra_where, outcomes, n)`` builds the raw query; it is used for the records due today.
    """
    if needed(kind, scope, group, now is not None, False) is None:
        return None, False
    layout = stored_layout(session)
    if layout is None or not layout.fits(period.tz.key, current_slots(session)):
        return None, False
    # A slot grain knows the slot's day, not the row's own: a weekday (read from the row's day) needs the buckets.
    grain = None if "weekday" in group else _grain(needed(kind, scope, group, now is not None, True))
    if grain is None or "slot_id" not in GRAINS[grain]:
        grain = _grain(needed(kind, scope, group, now is not None, False))
    resolved = "slot_id" in GRAINS[grain]
    rollup = StatsRollup
    uses_slot = scope.slot_id is not None or "time_slot" in group
    bucket = rollup.bucket if "bucket" in GRAINS[grain] else literal_column("0")
    # Big integers: a smallint bucket times 60 would overflow, and so would day seconds after 2038.
    columns = [(cast(rollup.day, BigInteger) * 86400 + cast(bucket, BigInteger) * 60).label("ls"), rollup.district_id,
               rollup.segment_id, rollup.camera_id]
    if kind != "exposure":
        columns.append(rollup.vehicle_type)
    if kind == "records":
        columns += [rollup.status, case((rollup.unit_id == ROLLUP_NO_UNIT, None), else_=rollup.unit_id).label("unit_id")]
    if resolved:
        columns.append(rollup.slot_id)
    columns.append(rollup.n.label("n"))
    today = day_number(now.astimezone(period.tz).date()) if now is not None and kind == "records" else None
    if today is not None:
        columns += _outcomes(today)
    last = day_number(period.end) + (1 if uses_slot and not resolved else 0)
    query = select(*columns).where(rollup.grain == grain, rollup.kind == KIND_CODES[kind],
                                   rollup.day.between(day_number(period.start), last))
    for column, value in (("district_id", scope.district_id), ("segment_id", scope.segment_id),
                          ("camera_id", scope.camera_id), ("slot_id", scope.slot_id if resolved else None)):
        if value is not None:
            query = query.where(getattr(rollup, column) == value)
    if kind != "exposure" and scope.vehicle_type is not None:
        query = query.where(rollup.vehicle_type == scope.vehicle_type)
    if kind == "records" and scope.status is not None:
        query = query.where(rollup.status == scope.status)
    if scope.districts is not None:
        query = query.where(rollup.district_id.in_(sorted(scope.districts)))
    if today is None:
        return query, resolved
    return union_all(query, _due_today(period, now, raw_rows)), resolved


def _outcomes(today: int) -> list:
    """The lifecycle sums (facts.OUTCOMES) of rollup rows, for what was decided before today."""
    rollup = StatsRollup
    n, status = rollup.n, rollup.status

    def when(*conditions):
        return case(*[(condition, n) for condition in conditions], else_=0)

    return [
        (n * rollup.in_time).label("reviewed_in_time"),
        when(rollup.reviewed == 1, rollup.deadline_day < today).label("review_due"),
        when(status == RecordStatus.CLOSED).label("closed"),
        when(status.in_(CONFIRMED_OR_LATER)).label("confirmed"),
        when(status.in_(OPEN)).label("open"),
        when(and_(status == RecordStatus.PENDING_REVIEW, rollup.deadline_day < today),
             and_(status.in_(LATE_CAPABLE), rollup.due_day < today)).label("overdue"),
    ]


def _due_today(period: Period, now: dt.datetime, raw_rows):
    """Raw rows of the records whose review deadline falls today and has passed by ``now``: they add to review_due
    (if unreviewed) and overdue (if pending), and count no record (``n`` 0: the rollup counted them)."""
    record = EnforcementRecord
    midnight = dt.datetime.combine(now.astimezone(period.tz).date(), dt.time(), period.tz)
    zero = literal_column("0")
    outcomes = [
        zero.label("reviewed_in_time"),
        case((record.reviewed_at.is_(None), 1), else_=0).label("review_due"),
        zero.label("closed"), zero.label("confirmed"), zero.label("open"),
        case((record.status == RecordStatus.PENDING_REVIEW, 1), else_=0).label("overdue"),
    ]
    where = and_(text(DEADLINE_CAN_PASS), record.review_deadline >= midnight, record.review_deadline <= now)
    return raw_rows(where, outcomes, zero)
