"""Rebuild the statistics rollup from the raw rows, in SQL: after bulk inserts, and when the bucket layout changes.

The finest grain is counted from sightings, records and processed camera-minutes (local day and bucket worked out
with the same SQL the raw queries use); every coarser grain is then summed from the finest. Frames processed
before the camera-minutes existed (or written by bulk SQL) are folded into ``camera_minutes`` first.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, and_, case, cast, delete, func, insert, literal_column, or_, select
from sqlalchemy.orm import Session

from models import EnforcementRecord, IngestFrame, RecordStatus, Sighting, TimeSlot
from models.enums import FrameStatus
from models.geography import Camera, RoadSegment
from models.stats import ROLLUP_ALL, ROLLUP_ALL_TEXT, ROLLUP_NEVER, ROLLUP_NO_UNIT, CameraMinute, StatsLayout, StatsRollup
from traffic.db import dialect_insert
from traffic.services.stats.local_time import epoch_seconds, local_seconds
from traffic.services.stats.rollup import (
    FINEST,
    GRAINS,
    KEY,
    KIND_CODES,
    LATE_CAPABLE,
    Layout,
    layout_values,
    slot_sql,
    wanted_layout,
)

TEXT_DIMENSIONS = ("vehicle_type", "status")


def rebuild(session: Session, timezone: str | None = None) -> Layout:
    """Count everything again under the layout the slots call for now (and ``timezone``, when given)."""
    layout = wanted_layout(session)
    if timezone is not None:
        layout = Layout(timezone, layout.boundaries, layout.slots)
    connection = session.connection()
    connection.execute(delete(StatsLayout))
    connection.execute(insert(StatsLayout).values(**layout_values(layout)))
    _fold_frames(session)
    connection.execute(delete(StatsRollup))
    dialect = connection.dialect.name
    for kind, query in (("sightings", _sightings), ("records", _records), ("exposure", _exposure)):
        counted = query(session, layout, dialect)
        if counted is not None:
            _insert_finest(session, kind, counted)
    for grain, kept in GRAINS.items():
        if grain != FINEST:
            _insert_coarser(session, grain, kept)
    return layout


def _fold_frames(session: Session) -> None:
    dialect = session.connection().dialect.name
    minute = epoch_seconds(IngestFrame.captured_at, dialect) // 60
    done = select(IngestFrame.camera_id, minute).where(IngestFrame.status == FrameStatus.DONE).distinct()
    statement = dialect_insert(session, CameraMinute).from_select(["camera_id", "minute"], done)
    session.connection().execute(statement.on_conflict_do_nothing(index_elements=["camera_id", "minute"]))


def _span(session: Session, *columns) -> tuple[dt.datetime, dt.datetime] | None:
    """The earliest and latest instant in ``columns`` (for the timezone's offset changes), None when empty."""
    lows, highs = [], []
    for column in columns:
        low, high = session.connection().execute(select(func.min(column), func.max(column))).one()
        if low is not None:
            lows.append(_aware(low))
            highs.append(_aware(high))
    if not lows:
        return None
    return min(lows), max(highs) + dt.timedelta(days=1)


def _aware(value) -> dt.datetime:
    if isinstance(value, (int, float)):  # camera minutes
        return dt.datetime.fromtimestamp(value * 60, dt.UTC)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _local(column, layout: Layout, dialect: str, span) -> tuple:
    """(local day number, bucket start minute) of a timestamp column."""
    seconds = local_seconds(epoch_seconds(column, dialect), layout.tz, *span)
    return seconds // 86400, _bucket(((seconds % 86400) // 60), layout)


def _bucket(minute, layout: Layout):
    return case(*[(minute >= start, start) for start in reversed(layout.boundaries[1:])], else_=0)


def _sightings(session: Session, layout: Layout, dialect: str):
    span = _span(session, Sighting.first_seen)
    if span is None:
        return None
    day, bucket = _local(Sighting.first_seen, layout, dialect, span)
    return select(day.label("day"), Sighting.district_id, bucket.label("bucket"), Sighting.segment_id,
                  Sighting.camera_id, Sighting.vehicle_type)


def _date_number(column, dialect: str):
    if dialect == "sqlite":
        return cast(func.julianday(column) - 2440587.5, Integer)
    return column - literal_column("DATE '1970-01-01'")


def _records(session: Session, layout: Layout, dialect: str):
    """The record flags, as ``rollup.record_key`` works them out in Python."""
    record = EnforcementRecord
    span = _span(session, record.captured_at, record.review_deadline)
    if span is None:
        return None
    day, bucket = _local(record.captured_at, layout, dialect, span)
    deadline_day = local_seconds(epoch_seconds(record.review_deadline, dialect), layout.tz, *span) // 86400
    reviewed = record.reviewed_at.is_not(None)
    return select(
        day.label("day"), record.district_id, bucket.label("bucket"), record.segment_id, record.camera_id,
        record.vehicle_type, record.status, func.coalesce(record.unit_id, ROLLUP_NO_UNIT).label("unit_id"),
        case((reviewed, 1), else_=0).label("reviewed"),
        case((and_(reviewed, record.reviewed_at <= record.review_deadline), 1), else_=0).label("in_time"),
        case((or_(~reviewed, record.status == RecordStatus.PENDING_REVIEW), deadline_day),
             else_=ROLLUP_NEVER).label("deadline_day"),
        case((and_(record.status.in_(LATE_CAPABLE), record.due_date.is_not(None)), _date_number(record.due_date,
                                                                                               dialect)),
             else_=ROLLUP_NEVER).label("due_day"),
    )


def _exposure(session: Session, layout: Layout, dialect: str):
    span = _span(session, CameraMinute.minute)
    if span is None:
        return None
    seconds = local_seconds(CameraMinute.minute * 60, layout.tz, *span)
    return (
        select((seconds // 86400).label("day"), RoadSegment.district_id, _bucket((seconds % 86400) // 60, layout)
               .label("bucket"), Camera.segment_id, CameraMinute.camera_id)
        .join(Camera, Camera.id == CameraMinute.camera_id)
        .join(RoadSegment, RoadSegment.id == Camera.segment_id)
    )


def _all(name: str):
    """The "all" marker of a dimension, as SQL text (a bound parameter of unknown type would trouble PostgreSQL)."""
    return literal_column(f"'{ROLLUP_ALL_TEXT}'" if name in TEXT_DIMENSIONS else str(ROLLUP_ALL)).label(name)


def _insert_finest(session: Session, kind: str, counted) -> None:
    rows = counted.subquery("raw")
    columns = []
    for name in KEY[2:]:
        if name in rows.c:
            columns.append(rows.c[name])
        else:
            columns.append(_all(name))
    keys = [column for column in columns if column.name in rows.c]
    query = (select(literal_column(str(FINEST)), literal_column(str(KIND_CODES[kind])), *columns, func.count())
             .group_by(*keys).order_by(*keys))  # in key order: a day's rows lie together on disk
    session.connection().execute(insert(StatsRollup).from_select([*KEY, "n"], query))


def _insert_coarser(session: Session, grain: int, kept: tuple[str, ...]) -> None:
    """Sum the finest grain into ``grain``; a slot grain joins each bucket with the slots covering it, on the day
    the slot started (as Layout.owning_days)."""
    finest = StatsRollup.__table__.alias("finest")
    slot = TimeSlot.__table__.alias("slot")
    covers, day = slot_sql(slot, finest.c.bucket, finest.c.day)
    if "slot_id" not in kept:
        day = finest.c.day
    columns, keys = [], [finest.c.kind, day, finest.c.district_id]
    for name in KEY[4:]:
        if name == "slot_id" and name in kept:
            columns.append(slot.c.id)
            keys.append(slot.c.id)
        elif name in kept:
            columns.append(finest.c[name])
            keys.append(finest.c[name])
        else:
            columns.append(_all(name))
    query = select(literal_column(str(grain)), finest.c.kind, day, finest.c.district_id, *columns,
                   func.sum(finest.c.n)).where(finest.c.grain == FINEST)
    if "slot_id" in kept:
        query = query.join(slot, covers)
    query = query.group_by(*keys).order_by(*keys)
    session.connection().execute(insert(StatsRollup).from_select([*KEY, "n"], query))
