"""City files: the documented format is accepted as is, applied idempotently, exported and refused with locations."""
from __future__ import annotations

from pathlib import Path

import pytest

from traffic.errors import ConfigError
from traffic.services.city import apply_config, export_config
from traffic.services.city_file import check_references, dump_city, load_city_file, parse_city_text

REPO = Path(__file__).resolve().parents[3]
DEMO_CITY = REPO / "traffic" / "demo" / "city.yaml"

ISSUE_EXAMPLE = """\
timezone: Asia/Shanghai
districts:
  - {code: D1, name: 城东区}
segments:
  - {code: S-RM-01, name: 人民路（解放路—中山路）, district: D1, road_class: arterial}
time_slots:
  - {code: AM_PEAK, name: 早高峰, start: "07:00", end: "09:00"}
  - {code: NIGHT, name: 夜间, start: "22:00", end: "06:00"}
holidays:
  - {date: 2023-06-22, kind: holiday}
  - {date: 2023-06-25, kind: workday}
cameras:
  - code: CAM-001
    name: 人民路东向
    segment: S-RM-01
    direction: eastbound
    location: {lat: 30.12, lon: 120.34}
    zone: [[0.0, 0.4], [1.0, 0.4], [1.0, 1.0], [0.0, 1.0]]
rules:
  - code: R-TRI-PEAK
    name: 主干道高峰时段禁行三轮车
    vehicle_types: [e_tricycle, fuel_tricycle]
    unplated_only: false
    segments: [S-RM-01]
    districts: []
    time_slots: [AM_PEAK]
    days: workdays
    effective_from: 2023-06-01
    effective_to: null
    grace_until: 2023-06-30
    action: penalty
"""


def test_issue_example_applies_and_round_trips(session) -> None:
    config, _ = parse_city_text(ISSUE_EXAMPLE, Path("city.yaml"))
    first = apply_config(session, config)
    assert sum(len(v) for v in first.created.values()) == 9  # timezone + 8 entities
    exported = dump_city(export_config(session))
    again, _ = parse_city_text(exported, Path("exported.yaml"))
    second = apply_config(session, again)
    assert not second.changed
    assert dump_city(export_config(session)) == exported


def test_demo_city_round_trips_through_export(session) -> None:
    config, _ = load_city_file(DEMO_CITY)
    apply_config(session, config)
    exported = dump_city(export_config(session))
    assert not apply_config(session, parse_city_text(exported, Path("x.yaml"))[0]).changed
    assert "人民路" in exported and "R-TRI-PEAK" in exported


def test_apply_updates_changed_entities_only(session) -> None:
    apply_config(session, parse_city_text(ISSUE_EXAMPLE, Path("a.yaml"))[0])
    changed = ISSUE_EXAMPLE.replace('end: "09:00"', 'end: "09:30"').replace("name: 城东区", "name: 东城区")
    report = apply_config(session, parse_city_text(changed, Path("b.yaml"))[0])
    assert report.updated == {"districts": ["D1"], "time_slots": ["AM_PEAK"]}
    assert not report.created and not report.deleted


def test_prune_removes_what_the_file_no_longer_lists(session) -> None:
    apply_config(session, parse_city_text(ISSUE_EXAMPLE, Path("a.yaml"))[0])
    smaller = ISSUE_EXAMPLE.replace('  - {code: NIGHT, name: 夜间, start: "22:00", end: "06:00"}\n', "")
    smaller = smaller.replace("  - {date: 2023-06-25, kind: workday}\n", "")
    without_prune = apply_config(session, parse_city_text(smaller, Path("b.yaml"))[0])
    assert not without_prune.deleted
    pruned = apply_config(session, parse_city_text(smaller, Path("b.yaml"))[0], prune=True)
    assert pruned.deleted == {"holidays": ["2023-06-25"], "time_slots": ["NIGHT"]}
    exported = dump_city(export_config(session))
    assert "NIGHT" not in exported and "2023-06-25" not in exported


@pytest.mark.parametrize(
    ("mutate", "line", "field", "message"),
    [
        (lambda t: t.replace("road_class: arterial", "road_class: motorway"), 5, "segments.0.road_class", "Input"),
        (lambda t: t.replace("    direction: eastbound", "    direction: eastbound\n    colour: red"), 17,
         "cameras.0.colour", "unknown key"),
        (lambda t: t.replace('end: "06:00"', 'end: "6 am"'), 8, "time_slots.1.end", "HH:MM"),
        (lambda t: t.replace("action: penalty", "action: shout"), 31, "rules.0.action", "Input"),
        (lambda t: t.replace("days: workdays", "days: [mon, funday]"), 27, "rules.0.days", "Input"),
        (lambda t: t.replace("effective_from: 2023-06-01", "effective_from: soon"), 28, "rules.0.effective_from",
         "date"),
        (lambda t: t.replace("timezone: Asia/Shanghai", "timezone: Mars/Olympus"), 1, "timezone", "unknown timezone"),
        (lambda t: t.replace("zone: [[0.0, 0.4]", "zone: [[0.0, 1.4]"), 18, "cameras.0.zone", "less than or equal to 1"),
        (lambda t: t + "extra:\n  - {code: D1, name: again}\n", 32,
         "extra", "unknown key"),
    ],
)
def test_invalid_file_is_refused_naming_file_line_and_field(mutate, line, field, message) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_city_text(mutate(ISSUE_EXAMPLE), Path("city.yaml"))
    assert f"city.yaml:{line}: {field}" in raised.value.detail
    assert message in raised.value.detail


def test_duplicate_codes_and_keys_are_refused() -> None:
    duplicated = ISSUE_EXAMPLE.replace("  - {code: D1, name: 城东区}", "  - {code: D1, name: 城东区}\n  - {code: D1, name: x}")
    with pytest.raises(ConfigError, match=r"city.yaml:4: districts.1.code: district D1 is listed twice"):
        parse_city_text(duplicated, Path("city.yaml"))
    with pytest.raises(ConfigError, match=r"city.yaml:2: districts: key given twice"):
        parse_city_text("districts: []\ndistricts: []\n", Path("city.yaml"))


def test_broken_yaml_names_the_line() -> None:
    with pytest.raises(ConfigError, match=r"city.yaml:3: not valid YAML"):
        parse_city_text("districts:\n  - {code: D1, name: x}\n  - {code: D2, name: y}}\n", Path("city.yaml"))


def test_unquoted_clock_times_are_understood() -> None:
    config, _ = parse_city_text("time_slots:\n  - {code: A, name: a, start: 07:30, end: 22:00}\n", Path("c.yaml"))
    assert (config.time_slots[0].start, config.time_slots[0].end) == ("07:30", "22:00")


def test_references_must_resolve_in_file_or_database(session) -> None:
    text = ISSUE_EXAMPLE.replace("segments: [S-RM-01]", "segments: [S-NOPE]")
    config, lines = parse_city_text(text, Path("city.yaml"))
    with pytest.raises(ConfigError, match=r"city.yaml:24: rules.0.segments: segment 'S-NOPE' is not defined"):
        check_references(session, config, lines, Path("city.yaml"), prune=False)


def test_refused_file_changes_nothing(session) -> None:
    apply_config(session, parse_city_text(ISSUE_EXAMPLE, Path("a.yaml"))[0])
    before = dump_city(export_config(session))
    with pytest.raises(ConfigError):
        parse_city_text(ISSUE_EXAMPLE.replace("name: 城东区", "name: 东区\n    oops: 1"), Path("b.yaml"))
    assert dump_city(export_config(session)) == before
