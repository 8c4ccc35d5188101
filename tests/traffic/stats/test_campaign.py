"""Rectification (this period against the previous one and the pre-campaign baseline, rebounds) and the
interrupted-time-series estimate of the campaign effect."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from models import CitySetting
from tests.support.factories import make_city, make_sighting_row
from tests.support.stats_data import add_frame, local
from traffic.services.stats.campaign import interrupted_time_series, is_rebound

BASE = "/api/v1/stats"
WEEK = {"from": "2023-06-05", "to": "2023-06-11"}  # previous: 05-29..06-04; baseline before 06-01: 05-25..05-31


def _sightings(session, city, day: str, clock: str, n: int) -> None:
    for i in range(n):
        make_sighting_row(session, city, local(day, clock) + dt.timedelta(minutes=i))


@pytest.fixture()
def fallen_then_rising(session):
    """Segment A at 07:00–09:00: five before the campaign, one the week after, four now (a rebound).
    Segment B: six before, two the week after, two now (holding)."""
    a, b = make_city(session, "A"), make_city(session, "B")
    _sightings(session, a, "2023-05-26", "07:10", 5)
    _sightings(session, a, "2023-06-02", "07:10", 1)
    _sightings(session, a, "2023-06-08", "07:10", 4)
    _sightings(session, b, "2023-05-27", "08:00", 6)
    _sightings(session, b, "2023-06-03", "08:00", 2)
    _sightings(session, b, "2023-06-09", "08:00", 2)
    return a, b


def test_rectification_compares_periods_and_flags_the_rebound(client, act_as, fallen_then_rising) -> None:
    body = client.get(f"{BASE}/rectification", params=WEEK).json()
    assert body["campaign_start"] == "2023-06-01"  # no campaign_start in the city file: the earliest rule
    assert body["periods"] == {"current": {"from": "2023-06-05", "to": "2023-06-11"},
                               "previous": {"from": "2023-05-29", "to": "2023-06-04"},
                               "baseline": {"from": "2023-05-25", "to": "2023-05-31"}}
    items = {(i["segment"], i["time_slot"]): i for i in body["items"]}
    rebound = items[("S-RM-A", "T-PEAK-A")]
    assert (rebound["baseline"], rebound["previous"], rebound["current"]) == (5, 1, 4)
    assert (rebound["change_vs_previous_pct"], rebound["change_vs_baseline_pct"], rebound["rebound"]) == (
        300.0, -20.0, True)
    holding = items[("S-RM-B", "T-PEAK-B")]
    assert (holding["baseline"], holding["previous"], holding["current"], holding["rebound"]) == (6, 2, 2, False)
    assert body["items"][0]["rebound"] is True  # rebounds first


def test_the_city_files_campaign_start_wins(client, act_as, session, fallen_then_rising) -> None:
    session.add(CitySetting(key="campaign_start", value="2023-05-29"))
    session.flush()
    body = client.get(f"{BASE}/rectification", params=WEEK).json()
    assert body["periods"]["baseline"] == {"from": "2023-05-22", "to": "2023-05-28"}
    a = next(i for i in body["items"] if (i["segment"], i["time_slot"]) == ("S-RM-A", "T-PEAK-A"))
    assert a["baseline"] == 5


@pytest.mark.parametrize(("baseline", "previous", "current", "expected"), [
    (10, 4, 8, True),     # had fallen, rose by 100 % and 4
    (10, 4, 4.5, False),  # rose too little
    (10, 4, 6, False),    # 50 % but only 2 more: noise
    (4, 4, 9, False),     # had not fallen
    (None, 4, 9, False),  # no baseline
])
def test_rebound_rule(baseline, previous, current, expected) -> None:
    assert is_rebound(baseline, previous, current) is expected


def test_interrupted_time_series_recovers_level_and_slope_change() -> None:
    rng = np.random.default_rng(7)
    start = dt.date(2023, 6, 1)
    days = [start + dt.timedelta(days=d) for d in range(-60, 60)]
    values = [20 + 0.05 * t - (6 + 0.1 * t if t >= 0 else 0) + rng.normal(0, 0.5)
              for t in ((day - start).days for day in days)]
    estimate = interrupted_time_series(days, values, start)
    level, slope = estimate["level_change"], estimate["slope_change_per_day"]
    assert level["ci95"][0] < -6 < level["ci95"][1]
    assert slope["ci95"][0] < -0.1 < slope["ci95"][1]
    assert level["ci95"][1] < 0 and slope["ci95"][1] < 0  # a real drop is told apart from no change
    assert estimate["n_days"] == 120


def test_campaign_effect_uses_rates_and_skips_days_without_coverage(client, act_as, session) -> None:
    city = make_city(session, "A")
    start = dt.date(2023, 6, 1)
    for offset in range(-10, 10):
        day = (start + dt.timedelta(days=offset)).isoformat()
        if offset == -3:
            continue  # camera offline: no frames and no sightings, which must not read as zero vehicles
        for minute in range(0, 60, 6):
            add_frame(session, city.camera, local(day, "08:00") + dt.timedelta(minutes=minute))
        _sightings(session, city, day, "08:00", 8 if offset < 0 else 3)
    session.flush()
    body = client.get(f"{BASE}/campaign-effect", params={"from": "2023-05-22", "to": "2023-06-10",
                                                          "segment": "S-RM-A"}).json()
    assert (body["days_before"], body["days_after"]) == (9, 10)
    # Ten processed minutes a day: 8 sightings → 4800 per 100 camera-hours before, 3 → 1800 after.
    assert body["pre_level"]["estimate"] == pytest.approx(4800, abs=1e-6)
    assert body["level_change"]["estimate"] == pytest.approx(-3000, abs=1e-6)
    assert body["slope_change_per_day"]["estimate"] == pytest.approx(0, abs=1e-6)


def test_campaign_effect_needs_days_on_both_sides(client, act_as, session) -> None:
    make_city(session, "A")
    response = client.get(f"{BASE}/campaign-effect", params={"from": "2023-06-02", "to": "2023-06-30"})
    assert response.status_code == 409  # the request is well formed; the city's data cannot answer it
    assert response.json()["error"] == "Conflict"
    assert "campaign start 2023-06-01" in response.json()["detail"]
