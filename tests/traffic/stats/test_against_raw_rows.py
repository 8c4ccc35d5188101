"""Every figure equals a naive count over the raw rows, for random filter combinations, periods and callers.

The naive count reads each row on the city's wall clock with zoneinfo and assigns time slots with the rule engine's
``SlotSpec.owning_day``; the services compute the same in SQL. The dataset crowds rows around midnight, the Sunday →
Monday week boundary and the May → June month boundary, under overlapping and midnight-crossing slots.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import models
from tests.support.factories import make_city, make_record, make_sighting_row
from tests.support.stats_data import ADMIN, add_frame, add_slot, local, scoped_actor
from traffic.errors import NotFound
from traffic.rules.engine import SlotSpec
from traffic.services.stats import figures
from traffic.services.stats.facts import NOT_FOR_EXPOSURE, StatsFilters, count, resolve
from traffic.services.stats.local_time import Period

TZ = ZoneInfo("Asia/Shanghai")
VEHICLES = ("e_tricycle", "fuel_tricycle", "e_four_wheeler")
STATUSES = tuple(s.value for s in models.RecordStatus)
SLOTS = (("T-NIGHT", "22:00", "06:00"), ("T-LATE", "23:00", "01:00"), ("T-MORN", "06:00", "10:00"),
         ("T-ALL", "00:00", "24:00"))
HOT_SPOTS = (("2023-05-31", "23:00"), ("2023-06-01", "00:30"), ("2023-06-04", "22:00"), ("2023-06-05", "05:00"),
             ("2023-06-02", "07:30"), ("2023-06-05", "23:50"))


@dataclass(frozen=True)
class Row:
    local: dt.datetime
    district_id: int
    segment_id: int
    camera_id: int
    vehicle_type: str
    status: str | None  # None: a sighting without a record
    unit_id: int | None


@dataclass
class World:
    rows: list[Row]
    minutes: list[Row]  # processed camera-minutes, one per (camera, local minute), as rows without a vehicle
    slots: dict[int, SlotSpec]
    codes: dict[str, dict]  # dimension → code → id (units: id → code)
    district_ids: list[int]


@pytest.fixture()
def world(session) -> World:
    rng = random.Random(20230601)
    cities = [make_city(session, suffix) for suffix in "ABC"]
    extra = [add_slot(session, *slot) for slot in SLOTS]
    units = [models.Unit(code=f"U-{i}", name=f"中队{i}", district_id=cities[i].district.id) for i in range(2)]
    session.add_all(units)
    session.flush()
    rows = []
    for _ in range(150):
        city = rng.choice(cities)
        day, clock = rng.choice(HOT_SPOTS)
        at = local(day, clock) + dt.timedelta(minutes=rng.randint(0, 240), seconds=rng.randint(0, 59))
        vehicle = rng.choice(VEHICLES)
        if rng.random() < 0.4:
            status = rng.choice(STATUSES)
            record = make_record(session, city, at, vehicle_type=vehicle, status=status)
            record.unit_id = rng.choice([None, units[0].id, units[1].id])
            rows.append(Row(at.astimezone(TZ), city.district.id, city.segment.id, city.camera.id, vehicle, status,
                            record.unit_id))
        else:
            make_sighting_row(session, city, at, vehicle_type=vehicle)
            rows.append(Row(at.astimezone(TZ), city.district.id, city.segment.id, city.camera.id, vehicle, None, None))
    minutes: dict[tuple[int, dt.datetime], Row] = {}
    for _ in range(250):
        city = rng.choice(cities)
        day, clock = rng.choice(HOT_SPOTS)
        at = local(day, clock) + dt.timedelta(minutes=rng.randint(0, 240), seconds=rng.randint(0, 59))
        status = "failed" if rng.random() < 0.1 else "done"
        add_frame(session, city.camera, at, status=status)
        if status == "done":
            minute = at.astimezone(TZ).replace(second=0, microsecond=0)
            minutes[(city.camera.id, minute)] = Row(minute, city.district.id, city.segment.id, city.camera.id, "",
                                                    None, None)
    session.flush()
    slot_rows = [c.time_slot for c in cities] + extra
    return World(
        rows=rows,
        minutes=list(minutes.values()),
        slots={s.id: SlotSpec(s.code, s.start_minute, s.end_minute) for s in slot_rows},
        codes={
            "district": {c.district.code: c.district.id for c in cities},
            "segment": {c.segment.code: c.segment.id for c in cities},
            "camera": {c.camera.code: c.camera.id for c in cities},
            "time_slot": {s.code: s.id for s in slot_rows},
            "unit": {u.id: u.code for u in units},  # id → code: records name their unit by id
        },
        district_ids=[c.district.id for c in cities],
    )


def naive(world: World, period: Period, filters: StatsFilters, districts: frozenset[int] | None, with_slot: bool,
          rows: list[Row] | None = None):
    """(row, slot id, day) for every counted occurrence: the definition, written the slow and obvious way."""
    wanted = {name: world.codes[name][getattr(filters, name)] for name in ("district", "segment", "camera")
              if getattr(filters, name)}
    slot_filter = world.codes["time_slot"][filters.time_slot] if filters.time_slot else None
    for row in world.rows if rows is None else rows:
        if districts is not None and row.district_id not in districts:
            continue
        if any(getattr(row, f"{name}_id") != value for name, value in wanted.items()):
            continue
        if filters.vehicle_type and row.vehicle_type and row.vehicle_type != filters.vehicle_type:
            continue
        if with_slot or slot_filter:
            for slot_id, spec in world.slots.items():
                day = spec.owning_day(row.local)
                if (slot_filter is None or slot_id == slot_filter) and day and period.start <= day <= period.end:
                    yield row, slot_id, day
        elif period.start <= row.local.date() <= period.end:
            yield row, None, row.local.date()


def is_record(row: Row, filters: StatsFilters) -> bool:
    return row.status is not None and (filters.status is None or row.status == filters.status)


def bucket_start(interval: str, row: Row, day: dt.date) -> str:
    if interval == "hour":
        start = row.local.replace(minute=0, second=0, microsecond=0, tzinfo=None)
    elif interval == "week":
        start = dt.datetime.combine(day - dt.timedelta(days=day.weekday()), dt.time())
    elif interval == "month":
        start = dt.datetime(day.year, day.month, 1)
    else:
        start = dt.datetime.combine(day, dt.time())
    return start.replace(tzinfo=TZ).isoformat()


def key_of(world: World, dimension: str, row: Row, slot_id: int | None):
    if dimension in ("district", "segment", "camera"):
        ids = world.codes[dimension]
        return next(code for code, id_ in ids.items() if id_ == getattr(row, f"{dimension}_id"))
    if dimension == "time_slot":
        return world.slots[slot_id].code
    if dimension == "hour_of_day":
        return row.local.hour
    if dimension == "weekday":
        return row.local.weekday()
    if dimension == "unit":
        return None if row.unit_id is None else world.codes["unit"][row.unit_id]
    return getattr(row, dimension)


DIMENSIONS = ("district", "segment", "time_slot", "vehicle_type", "camera", "status", "unit", "hour_of_day", "weekday")
queries = st.fixed_dictionaries({
    "start": st.dates(dt.date(2023, 5, 30), dt.date(2023, 6, 6)),
    "days": st.integers(1, 9),
    "district": st.sampled_from([None, None, "DA", "DB", "DC"]),
    "segment": st.sampled_from([None, None, None, "S-RM-A", "S-RM-B"]),
    "camera": st.sampled_from([None, None, None, "CAM-C"]),
    "time_slot": st.sampled_from([None, None, "T-NIGHT", "T-LATE", "T-MORN", "T-ALL", "T-PEAK-A"]),
    "vehicle_type": st.sampled_from([None, None, *VEHICLES]),
    "status": st.sampled_from([None, None, *STATUSES]),
    "interval": st.sampled_from(["hour", "day", "week", "month"]),
    "by": st.lists(st.sampled_from(DIMENSIONS), min_size=1, max_size=2, unique=True),
    "scope": st.sampled_from([None, (0,), (1, 2)]),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries)
def test_every_figure_equals_a_count_of_raw_rows(session, world, query) -> None:
    period = Period(query["start"], query["start"] + dt.timedelta(days=query["days"] - 1), TZ)
    filters = StatsFilters(**{k: query[k] for k in ("district", "segment", "camera", "time_slot", "vehicle_type",
                                                     "status")})
    districts = None if query["scope"] is None else frozenset(world.district_ids[i] for i in query["scope"])
    actor = ADMIN if districts is None else scoped_actor(*districts)
    wanted_districts = {world.codes["district"].get(filters.district)} if filters.district else set()
    for name in ("segment", "camera"):  # city X's segment and camera lie in district DX
        if getattr(filters, name):
            wanted_districts.add(world.codes["district"]["D" + getattr(filters, name)[-1]])
    if districts is not None and not wanted_districts <= districts:
        with pytest.raises(NotFound):  # a place outside the caller's districts reads as one that does not exist
            resolve(session, filters, actor)
        return
    scope = resolve(session, filters, actor)

    plain = list(naive(world, period, filters, districts, with_slot=False))
    summary = figures.summary(session, period, scope, dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert summary["sightings"] == len(plain)
    assert summary["records"] == sum(is_record(row, filters) for row, _, _ in plain)
    for status in STATUSES:
        assert summary["by_status"][status] == sum(is_record(r, filters) and r.status == status for r, _, _ in plain)

    interval = query["interval"]
    expected: dict[str, list[int]] = {}
    for row, _, day in plain:
        counts = expected.setdefault(bucket_start(interval, row, day), [0, 0])
        counts[0] += 1
        counts[1] += is_record(row, filters)
    series = figures.timeseries(session, period, scope, interval)["items"]
    got = {item["start"]: [item["sightings"], item["records"]] for item in series}
    assert {k: v for k, v in got.items() if v != [0, 0]} == expected
    assert len(got) == len(series)  # one item per bucket

    by = tuple(query["by"])
    record_only = "status" in by or "unit" in by
    table: dict = {}
    for row, slot_id, _ in naive(world, period, filters, districts, with_slot="time_slot" in by):
        key = tuple(key_of(world, name, row, slot_id) for name in by)
        if record_only and row.status is None:
            continue
        counts = table.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += is_record(row, filters)
    if record_only:
        table = {k: [None, v[1]] for k, v in table.items() if v[1]}
    answer = figures.breakdown(session, period, scope, by)["items"]
    got_table = {tuple(i["key"]) if len(by) > 1 else (i["key"],): [i["sightings"], i["records"]] for i in answer}
    assert got_table == table

    exposure_by = tuple(name for name in by if name not in NOT_FOR_EXPOSURE)
    minutes: dict = {}
    for row, slot_id, _ in naive(world, period, filters, districts, with_slot="time_slot" in exposure_by,
                                 rows=world.minutes):
        key = tuple(key_of(world, name, row, slot_id) for name in exposure_by)
        minutes[key] = minutes.get(key, 0) + 1
    places = ("district", "segment", "camera", "time_slot")
    got_minutes = {}
    for key, n in count(session, "exposure", period, scope, exposure_by).items():
        named = tuple(_code(world, name, value) if name in places else value for name, value in zip(exposure_by, key))
        if n:  # a count without groups answers one row, 0 when nothing matched
            got_minutes[named] = n
    assert got_minutes == minutes


def _code(world: World, dimension: str, row_id: int) -> str:
    return next(code for code, id_ in world.codes[dimension].items() if id_ == row_id)
