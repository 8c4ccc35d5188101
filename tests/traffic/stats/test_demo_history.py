"""`traffic demo seed`: history the rule engine agrees with, records in every state, a campaign that works and
rebounds, and camera outages that are gaps in both frames and sightings."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import EnforcementRecord, IngestFrame, RoadSegment, Sighting, Unit
from tests.support.stats_data import ADMIN
from traffic.errors import Conflict
from traffic.services.city import apply_config
from traffic.services.city_file import load_city_file
from traffic.services.demo_history import seed_history
from traffic.services.rulebook import load_rulebook
from traffic.services.stats import figures
from traffic.services.stats.facts import StatsFilters, resolve
from traffic.services.stats.local_time import Period

DEMO_CITY = Path(__file__).resolve().parents[3] / "traffic" / "demo" / "city.yaml"
TZ = ZoneInfo("Asia/Shanghai")
START, END = dt.date(2023, 5, 25), dt.date(2023, 7, 5)  # a week before the 06-01 start, five after


@pytest.fixture()
def seeded(session):
    apply_config(session, load_city_file(DEMO_CITY)[0])
    report = seed_history(session, records=120, sightings=900, start=START, end=END, seed=5,
                          default_timezone="Asia/Shanghai")
    session.flush()
    return report


def test_seeded_history(session, seeded) -> None:
    """One seeding (it takes seconds), every property checked on it."""
    _counts_and_every_record_as_the_rule_engine_decides(session, seeded)
    _records_reach_every_state_with_units_and_reviewers(session)
    _outages_are_gaps_in_frames_and_sightings(session, seeded)
    _the_campaign_lowers_rates(session)


def _counts_and_every_record_as_the_rule_engine_decides(session, seeded) -> None:
    assert (seeded.sightings, seeded.records) == (900, 120)
    rulebook = load_rulebook(session, "Asia/Shanghai")
    recorded = set(session.scalars(select(EnforcementRecord.sighting_id)))
    rows = session.execute(select(Sighting.id, Sighting.first_seen, Sighting.vehicle_type, Sighting.plate_state,
                                  Sighting.segment_id)).all()
    codes = dict(session.execute(select(RoadSegment.id, RoadSegment.code)).all())
    for sighting_id, first_seen, vehicle, plate, segment in rows:
        decision = rulebook.evaluate(segment=codes[segment], vehicle_type=vehicle, plated=plate == "plated",
                                     at=first_seen)
        assert decision.restricted is (sighting_id in recorded)


def _records_reach_every_state_with_units_and_reviewers(session) -> None:
    statuses = set(session.scalars(select(EnforcementRecord.status).distinct()))
    assert statuses == {"pending_review", "confirmed", "dismissed", "assigned", "actioned", "closed"}
    assert session.scalar(select(func.count()).select_from(Unit)) == 4  # three districts and the city
    reviewed = session.execute(select(EnforcementRecord.reviewed_by, EnforcementRecord.reviewed_at,
                                      EnforcementRecord.status)).all()
    assert all(by and at for by, at, status in reviewed if status != "pending_review")
    assert all(r.unit_id for r in session.scalars(select(EnforcementRecord).where(
        EnforcementRecord.status.in_(("assigned", "actioned", "closed")))))


def _outages_are_gaps_in_frames_and_sightings(session, seeded) -> None:
    for outage in seeded.outages:
        camera_id = int(outage.split()[1])
        first = dt.date.fromisoformat(outage.split()[3])
        lo = dt.datetime.combine(first, dt.time(), TZ)
        hi = lo + dt.timedelta(days=1)
        if first > END:
            continue
        for model, column in ((IngestFrame, IngestFrame.captured_at), (Sighting, Sighting.first_seen)):
            assert session.scalar(select(func.count()).select_from(model).where(
                model.camera_id == camera_id, column >= lo, column < hi)) == 0


def _the_campaign_lowers_rates(session) -> None:
    scope = resolve(session, StatsFilters(), ADMIN)
    now = dt.datetime(2023, 8, 1, tzinfo=dt.UTC)
    before = figures.summary(session, Period(START, dt.date(2023, 5, 31), TZ), scope, now, rate=True)
    late = figures.summary(session, Period(dt.date(2023, 6, 15), END, TZ), scope, now, rate=True)
    assert late["sightings_rate"] < 0.8 * before["sightings_rate"]


def test_a_period_that_already_has_records_is_refused(session) -> None:
    apply_config(session, load_city_file(DEMO_CITY)[0])
    day = dt.date(2023, 6, 5)
    seed_history(session, records=3, sightings=5, start=day, end=day, seed=1, default_timezone="Asia/Shanghai")
    with pytest.raises(Conflict):
        seed_history(session, records=1, sightings=1, start=day, end=day, seed=2, default_timezone="Asia/Shanghai")
