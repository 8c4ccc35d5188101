"""The rule engine on plain values, case by case (see cases.py)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from traffic.rules.engine import Calendar, RuleSpec, SlotSpec, evaluate
from traffic.schemas.city import CityConfig
from traffic.services.city_file import load_city_file

from .cases import CASES, Case

CITY_FILE = Path(__file__).with_name("city_for_rules.yaml")


def _specs(config: CityConfig) -> tuple[list[RuleSpec], Calendar, dict[str, str]]:
    slots = {s.code: SlotSpec(s.code, s.start_minute, s.end_minute) for s in config.time_slots}
    rules = [
        RuleSpec(
            code=r.code,
            name=r.name,
            vehicle_types=frozenset(r.vehicle_types),
            slots=tuple(slots[c] for c in r.time_slots),
            days=r.days if isinstance(r.days, str) else tuple(r.days),
            effective_from=r.effective_from,
            effective_to=r.effective_to,
            grace_until=r.grace_until,
            action=r.action,
            segments=frozenset(r.segments),
            districts=frozenset(r.districts),
            unplated_only=r.unplated_only,
        )
        for r in config.rules
    ]
    calendar = Calendar(
        holidays=frozenset(h.date for h in config.holidays if h.kind == "holiday"),
        adjusted_workdays=frozenset(h.date for h in config.holidays if h.kind == "workday"),
    )
    return rules, calendar, {s.code: s.district for s in config.segments}


RULES, CALENDAR, DISTRICT_OF = _specs(load_city_file(CITY_FILE)[0])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule_engine_case(case: Case) -> None:
    decision = evaluate(
        RULES,
        CALENDAR,
        segment=case.segment,
        district=DISTRICT_OF[case.segment],
        vehicle_type=case.vehicle_type,
        plated=case.plated,
        at=dt.datetime.fromisoformat(case.at.replace("Z", "+00:00")),
        tz=ZoneInfo("Asia/Shanghai"),
    )
    assert decision.restricted is (case.rule is not None), decision.reasons
    assert (decision.rule, decision.time_slot, decision.action) == (case.rule, case.time_slot, case.action)
    assert decision.reasons, "every decision explains itself"
    if case.reason:
        assert any(case.reason in r for r in decision.reasons), decision.reasons


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


def test_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        evaluate(RULES, CALENDAR, segment="S1", district="D1", vehicle_type="e_tricycle", plated=False,
                 at=dt.datetime(2023, 6, 5, 7, 30), tz=ZoneInfo("Asia/Shanghai"))


def test_slot_day_is_the_day_the_slot_starts() -> None:
    decision = evaluate(RULES, CALENDAR, segment="S3", district="D2", vehicle_type="e_tricycle", plated=False,
                        at=dt.datetime.fromisoformat("2023-06-10T02:00:00+08:00"), tz=ZoneInfo("Asia/Shanghai"))
    assert decision.slot_day == dt.date(2023, 6, 9)


def test_city_timezone_changes_the_local_time() -> None:
    decision = evaluate(RULES, CALENDAR, segment="S1", district="D1", vehicle_type="e_tricycle", plated=False,
                        at=dt.datetime.fromisoformat("2023-06-05T07:30:00+08:00"), tz=ZoneInfo("Europe/London"))
    assert not decision.restricted  # 00:30 in London
