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

from sqlalchemy import and_, case, or_, select
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
       "unit_id", "reviewed", "in_time", "deadline_day", "due_day", "slot_id")
DIMENSIONS = KEY[4:]  # those a grain keeps or writes as "all"; day and district are always kept (periods, scope)
FINE = tuple(name for name in DIMENSIONS if name != "slot_id")
OUTCOME_DIMENSIONS = ("status", "unit_id", "reviewed", "in_time", "deadline_day", "due_day")
# Grain number → the dimensions it keeps. Queries take the grain with the fewest that covers what they need.
# A slot grain (slot_id) counts a row once in every slot that covers it, on the day that slot starts: the slot
# queries then read a few rows per slot and day instead of joining every bucket with every slot.
GRAINS: dict[int, tuple[str, ...]] = {
    1: ("segment_id",),
    2: OUTCOME_DIMENSIONS,
    3: ("bucket",),
    4: ("segment_id", "bucket"),
    5: tuple(name for name in FINE if name != "bucket"),
    6: FINE,
    7: ("slot_id",),
    8: ("segment_id", "slot_id"),
}
FINEST = 6
# Only an assignment has a due date to miss; once actioned the unit has acted (record_state.due_at, docs/lifecycle.md).
LATE_CAPABLE = (RecordStatus.ASSIGNED,)


@dataclass(frozen=True)
class Layout:
    """How the rollup is cut: the timezone of its days, the minutes of the day where buckets start, and the slots
    (id, start minute, end minute) its slot grains count."""

    timezone: str
    boundaries: tuple[int, ...]
    slots: tuple[tuple[int, int, int], ...] = ()

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

    def fits(self, timezone: str, slots: Iterable[tuple[int, int, int]]) -> bool:
        """Whether the rollup was cut for these slots, on the wall clock of ``timezone``."""
        return timezone == self.timezone and tuple(sorted(slots)) == self.slots

    def owning_days(self, day: int, bucket: int) -> list[tuple[int, int]]:
        """(slot id, the day it started) for every slot covering the bucket (as SlotSpec.owning_day)."""
        covering = []
        for slot_id, start, end in self.slots:
            if start < end and start <= bucket < end:
                covering.append((slot_id, day))
            elif end < start and (bucket >= start or bucket < end):
                covering.append((slot_id, day - 1 if bucket < end else day))
        return covering


def slot_sql(slot, minute, day):
    """SQL: whether ``slot`` (a time_slots alias) covers a local minute of the day, and the day the slot started
    (a slot that crosses midnight owns its early morning on the day before, as SlotSpec.owning_day)."""
    crosses = slot.c.end_minute < slot.c.start_minute
    covers = or_(
        and_(~crosses, minute >= slot.c.start_minute, minute < slot.c.end_minute),
        and_(crosses, or_(minute >= slot.c.start_minute, minute < slot.c.end_minute)),
    )
    return covers, day - case((and_(crosses, minute < slot.c.end_minute), 1), else_=0)


def wanted_layout(session: Session) -> Layout:
    """The layout the city's slots and timezone call for now: every hour, and every slot's start and end."""
    connection = session.connection()
    slots = current_slots(session)
    minutes = set(range(0, 1440, 60))
    for _, start, end in slots:
        minutes |= {start % 1440, end % 1440}
    timezone = connection.scalar(select(CitySetting.value).where(CitySetting.key == TIMEZONE_KEY))
    if not timezone:
        timezone = connection.scalar(select(StatsLayout.timezone)) or DEFAULT_TIMEZONE
    return Layout(timezone, tuple(sorted(minutes)), slots)


def stored_layout(session: Session) -> Layout | None:
    row = session.connection().execute(select(StatsLayout.timezone, StatsLayout.boundaries, StatsLayout.slots)).first()
    if row is None:
        return None
    slots = tuple(tuple(int(part) for part in slot.split(":")) for slot in row[2].split(",") if slot)
    return Layout(row[0], tuple(int(minute) for minute in row[1].split(",")), slots)


def layout_values(layout: Layout) -> dict:
    """The stats_layout row of a layout."""
    return {"id": 1, "timezone": layout.timezone, "boundaries": ",".join(map(str, layout.boundaries)),
            "slots": ",".join(":".join(map(str, slot)) for slot in layout.slots)}


def current_slots(session: Session) -> tuple[tuple[int, int, int], ...]:
    query = select(TimeSlot.id, TimeSlot.start_minute, TimeSlot.end_minute).order_by(TimeSlot.id)
    return tuple(tuple(row) for row in session.connection().execute(query))


def sighting_key(layout: Layout, values: dict) -> tuple:
    day, bucket = layout.local_day_and_bucket(values["first_seen"])
    return (KIND_CODES["sightings"], day, values["district_id"], bucket, values["segment_id"], values["camera_id"],
            values["vehicle_type"], ROLLUP_ALL_TEXT, ROLLUP_ALL, ROLLUP_ALL, ROLLUP_ALL, ROLLUP_ALL, ROLLUP_ALL,
            ROLLUP_ALL)


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
            day_number(values["due_date"]) if due_counts else ROLLUP_NEVER, ROLLUP_ALL)


KEY_COLUMNS = {
    Sighting: ("first_seen", "district_id", "segment_id", "camera_id", "vehicle_type"),
    EnforcementRecord: ("captured_at", "district_id", "segment_id", "camera_id", "vehicle_type", "status", "unit_id",
                        "reviewed_at", "review_deadline", "due_date"),
}


def key_of(layout: Layout, obj) -> tuple:
    values = {name: getattr(obj, name) for name in KEY_COLUMNS[type(obj)]}
    return (sighting_key if isinstance(obj, Sighting) else record_key)(layout, values)


def grain_rows(layout: Layout, deltas: Counter) -> list[dict]:
    """Finest keys with their changes → one row per grain and key, the changes of equal keys added up."""
    rows: Counter = Counter()
    for finest, change in deltas.items():
        if not change:
            continue
        named = dict(zip(KEY[1:], finest))
        for grain, kept in GRAINS.items():
            places = [(named["day"], ROLLUP_ALL)]
            if "slot_id" in kept:
                places = [(day, slot_id) for slot_id, day in layout.owning_days(named["day"], named["bucket"])]
            for day, slot_id in places:
                key = [grain, named["kind"], day, named["district_id"]]
                for name in DIMENSIONS:
                    if name == "slot_id":
                        key.append(slot_id)
                    elif name in kept:
                        key.append(named[name])
                    else:
                        key.append(ROLLUP_ALL_TEXT if name in ("vehicle_type", "status") else ROLLUP_ALL)
                rows[tuple(key)] += change
    return [dict(zip(KEY, key), n=change) for key, change in sorted(rows.items()) if change]


def apply(session: Session, layout: Layout, deltas: Counter) -> None:
    """Add the changes to the rollup. Rows go in key order, so two transactions never wait on each other in a
    circle; a count that falls to 0 stays as a row of 0, which the queries skip."""
    rows = grain_rows(layout, deltas)
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
    apply(session, layout, Counter({before: -1, key_of(layout, record): 1}))


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
                    ROLLUP_ALL_TEXT, ROLLUP_ALL, ROLLUP_ALL, ROLLUP_ALL, ROLLUP_ALL, ROLLUP_ALL, ROLLUP_ALL)] += 1
        apply(session, layout, deltas)
    return len(new)
