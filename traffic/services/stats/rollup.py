"""The statistics rollup's keys, layout and increments (docs/statistics.md, "The rollup").

A sighting, record or processed camera-minute has one finest key; ``apply`` adds a change to it at every grain.
The ORM hook (rollup_hook.py) calls this for every flush; writers that bypass the ORM call ``record_changed`` or
``record_minutes``, bulk SQL calls ``rollup_build.rebuild``.
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Camera, CitySetting, EnforcementRecord, RecordStatus, RoadSegment, Sighting, TimeSlot
from models.stats import (
    ROLLUP_ALL,
    ROLLUP_ALL_TEXT,
    ROLLUP_NEVER,
    ROLLUP_NO_UNIT,
    CameraMinute,
    StatsLayout,
    StatsRollup,
)
from traffic.db import dialect_insert, insert_or_nothing
from traffic.services.city import TIMEZONE_KEY
from traffic.services.stats.local_time import day_number

KIND_CODES = {"sightings": 0, "records": 1, "exposure": 2}
DEFAULT_TIMEZONE = "Asia/Shanghai"  # the settings' default, until the city file names its own
KEY = ("grain", "kind", "day", "district_id", "bucket", "segment_id", "camera_id", "vehicle_type", "status",
       "unit_id", "reviewed", "in_time", "deadline_day", "due_day")
DIMENSIONS = KEY[4:]  # those a grain keeps or writes as "all"; day and district are always kept (periods, scope)
OUTCOME_DIMENSIONS = ("status", "unit_id", "reviewed", "in_time", "deadline_day", "due_day")
# Grain number → the dimensions it keeps. Queries take the grain with the fewest that covers what they need.
GRAINS: dict[int, tuple[str, ...]] = {
    1: ("segment_id",),
    2: OUTCOME_DIMENSIONS,
    3: ("bucket",),
    4: ("segment_id", "bucket"),
    5: tuple(name for name in DIMENSIONS if name != "bucket"),
    6: DIMENSIONS,
}
FINEST = 6
LATE_CAPABLE = (RecordStatus.ASSIGNED, RecordStatus.ACTIONED)  # their lateness is judged by the due date


@dataclass(frozen=True)
class Layout:
    """How the rollup is cut: the timezone of its days and the minutes of the day where buckets start."""

    timezone: str
    boundaries: tuple[int, ...]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def bucket_of(self, minute: int) -> int:
        return self.boundaries[bisect.bisect_right(self.boundaries, minute) - 1]

    def local_day_and_bucket(self, at: dt.datetime) -> tuple[int, int]:
        local = at.astimezone(self.tz)
        return day_number(local.date()), self.bucket_of(local.hour * 60 + local.minute)

    def local_day(self, at: dt.datetime) -> int:
        return day_number(at.astimezone(self.tz).date())

    def covers(self, timezone: str, slots: Iterable[tuple[int, int]]) -> bool:
        """Whether every slot is a union of buckets, on the wall clock of ``timezone``."""
        edges = set(self.boundaries)
        return timezone == self.timezone and all(start % 1440 in edges and end % 1440 in edges for start, end in slots)


def wanted_layout(session: Session) -> Layout:
    """The layout the city's slots and timezone call for now: every hour, and every slot's start and end."""
    connection = session.connection()
    minutes = set(range(0, 1440, 60))
    for start, end in connection.execute(select(TimeSlot.start_minute, TimeSlot.end_minute)):
        minutes |= {start % 1440, end % 1440}
    timezone = connection.scalar(select(CitySetting.value).where(CitySetting.key == TIMEZONE_KEY))
    if not timezone:
        timezone = connection.scalar(select(StatsLayout.timezone)) or DEFAULT_TIMEZONE
    return Layout(timezone, tuple(sorted(minutes)))


def stored_layout(session: Session) -> Layout | None:
    row = session.connection().execute(select(StatsLayout.timezone, StatsLayout.boundaries)).first()
    if row is None:
        return None
    return Layout(row[0], tuple(int(minute) for minute in row[1].split(",")))


def current_slots(session: Session) -> list[tuple[int, int]]:
    return [tuple(row) for row in session.connection().execute(select(TimeSlot.start_minute, TimeSlot.end_minute))]


def sighting_key(layout: Layout, values: dict) -> tuple:
    day, bucket = layout.local_day_and_bucket(values["first_seen"])
    return (KIND_CODES["sightings"], day, values["district_id"], bucket, values["segment_id"], values["camera_id"],
            values["vehicle_type"], ROLLUP_ALL_TEXT, ROLLUP_ALL, ROLLUP_ALL, ROLLUP_ALL, ROLLUP_ALL, ROLLUP_ALL)


def record_key(layout: Layout, values: dict) -> tuple:
    """The finest key of a record; the rules of its flags are the SQL ones in rollup_build.record_columns."""
    day, bucket = layout.local_day_and_bucket(values["captured_at"])
    status = values["status"] or RecordStatus.PENDING_REVIEW
    reviewed_at, deadline = values["reviewed_at"], values["review_deadline"]
    reviewed = reviewed_at is not None
    deadline_counts = not reviewed or status == RecordStatus.PENDING_REVIEW
    due_counts = status in LATE_CAPABLE and values["due_date"] is not None
    return (KIND_CODES["records"], day, values["district_id"], bucket, values["segment_id"], values["camera_id"],
            values["vehicle_type"], str(status), values["unit_id"] or ROLLUP_NO_UNIT, int(reviewed),
            int(reviewed and reviewed_at <= deadline),
            layout.local_day(deadline) if deadline_counts else ROLLUP_NEVER,
            day_number(values["due_date"]) if due_counts else ROLLUP_NEVER)


KEY_COLUMNS = {
    Sighting: ("first_seen", "district_id", "segment_id", "camera_id", "vehicle_type"),
    EnforcementRecord: ("captured_at", "district_id", "segment_id", "camera_id", "vehicle_type", "status", "unit_id",
                        "reviewed_at", "review_deadline", "due_date"),
}


def key_of(layout: Layout, obj) -> tuple:
    values = {name: getattr(obj, name) for name in KEY_COLUMNS[type(obj)]}
    return (sighting_key if isinstance(obj, Sighting) else record_key)(layout, values)


def grain_rows(deltas: Counter) -> list[dict]:
    """Finest keys with their changes → one row per grain and key, the changes of equal keys added up."""
    rows: Counter = Counter()
    for finest, change in deltas.items():
        if not change:
            continue
        named = dict(zip(KEY[1:], finest))
        for grain, kept in GRAINS.items():
            key = [grain, named["kind"], named["day"], named["district_id"]]
            for name in DIMENSIONS:
                if name in kept:
                    key.append(named[name])
                else:
                    key.append(ROLLUP_ALL_TEXT if name in ("vehicle_type", "status") else ROLLUP_ALL)
            rows[tuple(key)] += change
    return [dict(zip(KEY, key), n=change) for key, change in sorted(rows.items()) if change]


def apply(session: Session, deltas: Counter) -> None:
    """Add the changes to the rollup. Rows go in key order, so two transactions never wait on each other in a
    circle; a count that falls to 0 stays as a row of 0, which the queries skip."""
    rows = grain_rows(deltas)
    if not rows:
        return
    statement = dialect_insert(session, StatsRollup)
    statement = statement.on_conflict_do_update(index_elements=list(KEY),
                                                set_={"n": StatsRollup.n + statement.excluded.n})
    session.connection().execute(statement, rows)


def record_changed(session: Session, layout: Layout | None, before: tuple | None, record: EnforcementRecord) -> None:
    """For writers that update a record with SQL: move its count from the key it had (``before``, from
    ``snapshot``) to the one it has now."""
    if layout is None:
        return
    apply(session, Counter({before: -1, key_of(layout, record): 1}))


def snapshot(session: Session, record: EnforcementRecord) -> tuple[Layout | None, tuple | None]:
    layout = stored_layout(session)
    return layout, None if layout is None else key_of(layout, record)


def record_minutes(session: Session, processed: Iterable[tuple[int, dt.datetime]]) -> int:
    """Note that cameras processed a frame in these minutes; a minute already noted changes nothing.
    Returns how many minutes were new."""
    layout = stored_layout(session)
    connection = session.connection()
    new: list[tuple[int, int]] = []
    for camera_id, minute in sorted({(camera_id, int(at.timestamp()) // 60) for camera_id, at in processed}):
        statement = insert_or_nothing(session, CameraMinute, {"camera_id": camera_id, "minute": minute},
                                      [CameraMinute.camera_id, CameraMinute.minute])
        if connection.execute(statement.returning(CameraMinute.minute)).first() is not None:
            new.append((camera_id, minute))
    if new and layout is not None:
        places = dict((row[0], row[1:]) for row in connection.execute(
            select(Camera.id, Camera.segment_id, RoadSegment.district_id)
            .join(RoadSegment, RoadSegment.id == Camera.segment_id)
            .where(Camera.id.in_({camera_id for camera_id, _ in new}))))
        deltas: Counter = Counter()
        for camera_id, minute in new:
            day, bucket = layout.local_day_and_bucket(dt.datetime.fromtimestamp(minute * 60, dt.UTC))
            segment_id, district_id = places[camera_id]
            deltas[(KIND_CODES["exposure"], day, district_id, bucket, segment_id, camera_id, ROLLUP_ALL_TEXT,
                    ROLLUP_ALL_TEXT, ROLLUP_ALL, ROLLUP_ALL, ROLLUP_ALL, ROLLUP_ALL, ROLLUP_ALL)] += 1
        apply(session, deltas)
    return len(new)
