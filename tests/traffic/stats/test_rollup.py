"""The rollup counts what the rows hold: after inserts, lifecycle steps, undos and processed frames (pushed and
pulled) it equals a rebuild from scratch; the figures read from it equal those from the raw rows, deadlines that
fall today included; a change of the slots rebuilds it in the same flush. On SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select

import models
from models.enums import RecordStatus, Role
from tests.support.actors import actor
from tests.support.factories import make_city, make_sighting_row
from tests.support.lifecycle import CAPTURED, make_world, record_at
from tests.support.stats_data import ADMIN, add_frame, add_slot, local
from traffic.services.lifecycle import TransitionRequest, transition, undo_last
from traffic.services.stats.facts import StatsFilters, count, resolve, tally
from traffic.services.stats.local_time import Period
from traffic.services.stats.rollup import stored_layout
from traffic.services.stats.rollup_build import rebuild
from traffic.services.stats.rollup_query import rollup_rows
from traffic.services.transitions import STEPS
from traffic.workers import frames as frame_queue
from traffic.workers.pull import ingest_frames

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2023, 6, 6, 2, 0, tzinfo=dt.UTC)
REQUEST = {"reason": "duplicate", "note": "现场处理", "due_date": dt.date(2023, 6, 14), "action_taken": "warning"}


def stored(session) -> dict[tuple, int]:
    """Every non-zero rollup row, by its whole key."""
    table = models.StatsRollup.__table__
    return {tuple(row[:-1]): row[-1] for row in session.execute(select(*table.c)) if row[-1]}


def _scenario(session, seed: int):
    """Sightings and records around one week, then random lifecycle steps (some undone) and processed frames."""
    world = make_world(session)
    add_slot(session, "T-NIGHT", "22:30", "06:15")  # crosses midnight, off the hour
    rng = random.Random(seed)
    supervisor = actor(Role.SUPERVISOR, username="zhao")
    records = []
    for _ in range(40):
        city = rng.choice([world.north, world.south])
        at = CAPTURED + dt.timedelta(hours=rng.randint(-90, 90), minutes=rng.randint(0, 59))
        if rng.random() < 0.5:
            make_sighting_row(session, city, at, vehicle_type=rng.choice(["e_tricycle", "fuel_tricycle"]))
        else:
            status = rng.choice([RecordStatus.PENDING_REVIEW, RecordStatus.CONFIRMED, RecordStatus.ASSIGNED])
            records.append(record_at(session, world, status, city=city, captured_at=at,
                                     due_date=CAPTURED.date() + dt.timedelta(days=rng.randint(0, 3))))
    now = NOW
    for _ in range(50):
        record = rng.choice(records)
        moves = [step for step in STEPS if step.source == record.status]
        step = rng.choice(moves)
        unit = "U-N1" if record.district_id == world.north.district.id else "U-S1"
        given = {name: REQUEST[name] for name in step.needs if name in REQUEST}
        if "unit" in step.needs:
            given["unit"] = rng.choice([code for code in (unit, "U-CITY") if world.units[code].id != record.unit_id])
        now += dt.timedelta(minutes=1)
        transition(session, supervisor, record.id, TransitionRequest(to=step.target, version=record.version,
                                                                     **given), now=now)
        if rng.random() < 0.3:
            undo_last(session, supervisor, record.id, now=now + dt.timedelta(seconds=5))
    for _ in range(30):  # pushed frames: the ORM path and the frame worker's SQL path
        at = CAPTURED + dt.timedelta(hours=rng.randint(-48, 48), minutes=rng.randint(0, 59))
        add_frame(session, rng.choice([world.north, world.south]).camera, at, status=rng.choice(["done", "queued"]))
    session.flush()
    queued = session.scalars(select(models.IngestFrame.id).where(models.IngestFrame.status == "queued")).all()
    for pk in queued[: len(queued) // 2]:
        frame_queue.mark_done(session, pk, NOW)
    return world


def test_the_rollup_equals_a_rebuild_after_inserts_steps_undos_and_frames(session) -> None:
    _scenario(session, seed=11)
    kept = stored(session)
    assert kept, "the scenario counted something"
    rebuild(session)
    assert stored(session) == kept


def test_figures_from_the_rollup_equal_those_from_raw_rows(session) -> None:
    world = _scenario(session, seed=12)
    scope = resolve(session, StatsFilters(), ADMIN)
    period = Period(dt.date(2023, 6, 1), dt.date(2023, 6, 9), TZ)
    groups = [(), ("status",), ("district",), ("unit",), ("segment", "time_slot"), ("time_slot", "weekday"),
              ("hour_of_week",), ("day",), ("vehicle_type", "camera")]
    for group in groups:
        assert rollup_rows(session, "sightings", period, scope, group, None, None)[0] is not None
        for kind in ("sightings", "records", "exposure"):
            if kind == "exposure" and ({"status", "unit", "vehicle_type"} & set(group)):
                continue
            if kind == "sightings" and ({"status", "unit"} & set(group)):
                continue
            assert count(session, kind, period, scope, group) == count(session, kind, period, scope, group,
                                                                       raw_rows=True), (kind, group)
    # Review deadlines fall ten days after capture: "now" on those days splits them between the rollup (before
    # today) and the raw rows (due today, before or after now).
    slot_scope = resolve(session, StatsFilters(time_slot="T-NIGHT", district=world.north.district.code), ADMIN)
    for hours in range(0, 24 * 6, 7):
        now = CAPTURED + dt.timedelta(days=8, hours=hours)
        for group, where in (((), scope), (("status",), scope), (("unit",), scope), (("district",), slot_scope)):
            assert tally(session, "records", period, where, group, now) == tally(
                session, "records", period, where, group, now, raw_rows=True), (now, group)


def test_a_slot_change_rebuilds_the_rollup_in_the_same_flush(session) -> None:
    city = make_city(session, "A")
    for clock in ("07:20", "07:40", "08:10", "08:20"):
        make_sighting_row(session, city, local("2023-06-05", clock))
    assert 450 not in stored_layout(session).boundaries
    add_slot(session, "T-HALF", "07:30", "08:15")
    layout = stored_layout(session)
    assert {450, 495} <= set(layout.boundaries)
    period = Period(dt.date(2023, 6, 5), dt.date(2023, 6, 5), TZ)
    scope = resolve(session, StatsFilters(time_slot="T-HALF"), ADMIN)
    assert rollup_rows(session, "sightings", period, scope, (), None, None)[0] is not None
    assert count(session, "sightings", period, scope) == {(): 2}
    kept = stored(session)
    rebuild(session)
    assert stored(session) == kept


def test_the_rollup_is_not_read_for_a_timezone_it_was_not_cut_for(session) -> None:
    make_city(session, "A")
    period = Period(dt.date(2023, 6, 5), dt.date(2023, 6, 5), ZoneInfo("Europe/Berlin"))
    scope = resolve(session, StatsFilters(), ADMIN)
    assert rollup_rows(session, "sightings", period, scope, (), None, None) == (None, False)


class _Pipeline:
    """Frames in, nothing seen: enough for exposure, which counts processed minutes whatever they show."""

    def run(self, frames):
        for frame in frames:
            yield SimpleNamespace(frame=frame, events=[])


class _Pipelines:
    def choose(self, session, camera_id: int) -> None:
        return None

    def pipeline_for(self, camera, *, inertia: int = 3, detector=None) -> _Pipeline:
        return _Pipeline()


def test_pulled_frames_give_exposure(session, session_factory) -> None:
    city = make_city(session, "A")
    session.commit()
    start = local("2023-06-05", "07:58")
    pulled = [SimpleNamespace(image=np.zeros((2, 2, 3), np.uint8), captured_at=start + dt.timedelta(seconds=10 * i),
                              index=i, ref=f"clip.mp4#{i}") for i in range(40)]  # 07:58:00 … 08:04:30
    ingest_frames(session_factory, _Pipelines(), None, city.camera.code, pulled, source="video", track_prefix="clip")
    period = Period(dt.date(2023, 6, 5), dt.date(2023, 6, 5), TZ)
    scope = resolve(session, StatsFilters(camera=city.camera.code), ADMIN)
    assert count(session, "exposure", period, scope) == {(): 7}
    assert count(session, "exposure", period, scope, ("hour_of_day",)) == {(7,): 2, (8,): 5}
    assert count(session, "exposure", period, scope, raw_rows=True) == {(): 7}

