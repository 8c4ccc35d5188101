"""Units (责任单位), review_days and campaign_start in the city file: applied, exported, pruned, checked."""
from __future__ import annotations

from pathlib import Path

import pytest

from models.enums import RecordStatus
from tests.support.lifecycle import make_world, record_at
from traffic.errors import ConfigError, Conflict
from traffic.services.city import apply_config, export_config
from traffic.services.city_file import check_references, dump_city, parse_city_text

CITY = """\
timezone: Asia/Shanghai
review_days: 7
campaign_start: 2023-06-01
districts:
  - {code: NORTH, name: 北城区}
units:
  - {code: U-N1, name: 北城交警一中队, district: NORTH}
  - {code: U-CITY, name: 市交警支队秩序科}
"""


def _parse(text: str):
    return parse_city_text(text, Path("city.yaml"))


def test_units_and_settings_apply_export_and_round_trip(session) -> None:
    config, lines = _parse(CITY)
    check_references(session, config, lines, Path("city.yaml"), prune=True)
    report = apply_config(session, config)
    assert report.created["units"] == ["U-N1", "U-CITY"]
    assert sorted(report.created["settings"]) == ["campaign_start", "review_days", "timezone"]
    exported = dump_city(export_config(session))
    assert "review_days: 7" in exported and "campaign_start: 2023-06-01" in exported
    assert "{code: U-CITY, name: 市交警支队秩序科, district: null}" in exported
    again, _ = _parse(exported)
    assert not apply_config(session, again).changed
    assert dump_city(export_config(session)) == exported


def test_changing_and_pruning_units_and_settings(session) -> None:
    apply_config(session, _parse(CITY)[0])
    changed = CITY.replace("review_days: 7", "review_days: 5").replace("district: NORTH}", "}")
    report = apply_config(session, _parse(changed)[0])
    assert report.updated == {"settings": ["review_days"], "units": ["U-N1"]}
    smaller = "districts:\n  - {code: NORTH, name: 北城区}\nunits:\n  - {code: U-CITY, name: 市交警支队秩序科}\n"
    pruned = apply_config(session, _parse(smaller)[0], prune=True)
    assert pruned.deleted == {"units": ["U-N1"]}
    exported = export_config(session)
    assert (exported.timezone, exported.review_days, exported.campaign_start) == (None, None, None)
    assert [u.code for u in exported.units] == ["U-CITY"]


def test_a_unit_of_an_undefined_district_is_refused_with_its_line(session) -> None:
    config, lines = _parse(CITY.replace("district: NORTH}", "district: SOUTH}"))
    with pytest.raises(ConfigError, match=r"city.yaml:7: units.0.district: district 'SOUTH' is not defined"):
        check_references(session, config, lines, Path("city.yaml"), prune=True)


@pytest.mark.parametrize(("text", "message"), [
    ("review_days: 0\n", "review_days"),
    ("campaign_start: soon\n", "campaign_start"),
    ("units:\n  - {code: U-1, name: x, district: NORTH, phone: 110}\n", "unknown key"),
])
def test_bad_settings_and_units_are_refused(text, message) -> None:
    with pytest.raises(ConfigError, match=message):
        _parse(text)


def test_a_unit_with_records_cannot_be_pruned(session) -> None:
    world = make_world(session)
    record_at(session, world, RecordStatus.ASSIGNED)
    with pytest.raises(Conflict, match="unit U-N1 is still used by: record"):
        apply_config(session, _parse("units: []\n")[0], prune=True)
