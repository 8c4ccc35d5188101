"""Local days and hours in SQL follow zoneinfo, also across a daylight-saving change (a city file may name any zone)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tests.support.factories import make_city, make_sighting_row
from tests.support.stats_data import ADMIN
from traffic.services.stats.facts import StatsFilters, count, resolve
from traffic.services.stats.local_time import Period, day_from_number, offset_changes

BERLIN = ZoneInfo("Europe/Berlin")  # 2023-03-26 02:00 CET → 03:00 CEST; 2023-10-29 03:00 CEST → 02:00 CET


def test_offset_changes_are_found_to_the_second() -> None:
    lo = dt.datetime(2023, 3, 20, tzinfo=dt.UTC)
    hi = dt.datetime(2023, 11, 5, tzinfo=dt.UTC)
    changes = offset_changes(BERLIN, lo, hi)
    assert [(dt.datetime.fromtimestamp(at, dt.UTC), offset) for at, offset in changes] == [
        (lo, 3600),
        (dt.datetime(2023, 3, 26, 1, 0, tzinfo=dt.UTC), 7200),
        (dt.datetime(2023, 10, 29, 1, 0, tzinfo=dt.UTC), 3600),
    ]


def test_days_and_hours_across_daylight_saving_changes(session) -> None:
    city = make_city(session, "A")
    instants = [dt.datetime(2023, 3, 25, 22, 30, tzinfo=dt.UTC), dt.datetime(2023, 3, 26, 0, 30, tzinfo=dt.UTC),
                dt.datetime(2023, 3, 26, 1, 30, tzinfo=dt.UTC), dt.datetime(2023, 3, 26, 22, 30, tzinfo=dt.UTC),
                dt.datetime(2023, 10, 28, 23, 30, tzinfo=dt.UTC), dt.datetime(2023, 10, 29, 0, 30, tzinfo=dt.UTC),
                dt.datetime(2023, 10, 29, 1, 30, tzinfo=dt.UTC), dt.datetime(2023, 10, 29, 22, 59, tzinfo=dt.UTC)]
    for at in instants:
        make_sighting_row(session, city, at)
    scope = resolve(session, StatsFilters(), ADMIN)
    period = Period(dt.date(2023, 3, 25), dt.date(2023, 10, 30), BERLIN)
    by_day_and_hour = count(session, "sightings", period, scope, ("day", "hour_of_day"))
    got = sorted((day_from_number(day), hour, n) for (day, hour), n in by_day_and_hour.items())
    expected: dict = {}
    for at in instants:
        local = at.astimezone(BERLIN)
        expected[(local.date(), local.hour)] = expected.get((local.date(), local.hour), 0) + 1
    assert got == sorted((day, hour, n) for (day, hour), n in expected.items())
    assert (dt.date(2023, 3, 26), 3) in expected and (dt.date(2023, 10, 29), 2) in expected  # both sides covered
