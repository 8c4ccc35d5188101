"""`traffic evidence verify RECORD_NO` exits 0 on an intact package and 1 naming the altered file."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.support.factories import SHANGHAI, detection_sighting, frame_loader, make_city, make_record
from traffic import migrate
from traffic.db import make_engine, make_session_factory, transaction
from traffic.services.evidence import EvidenceWriter
from traffic.settings import Settings

CAPTURED = dt.datetime(2023, 6, 5, 8, 15, 2, tzinfo=SHANGHAI)


@pytest.fixture()
def sealed(database: str, monkeypatch):
    """A committed record with its package in a fresh database, and the environment the CLI reads."""
    monkeypatch.setenv("TRAFFIC_SECRET_KEY", "cli-test-key-0123456789abcdef")
    engine = make_engine(database)
    migrate.upgrade(engine)
    writer = EvidenceWriter.from_settings(Settings())
    with transaction(make_session_factory(engine)) as session:
        city = make_city(session)
        record = make_record(session, city, CAPTURED)
        rows = writer.write_package(session, record, detection_sighting(city.camera.code, CAPTURED),
                                    city.camera_info, city.rule.name, frame_loader)
    yield record.record_no, {r.name: writer.path_of(r) for r in rows}
    engine.dispose()


def test_intact_exits_0_and_an_altered_byte_exits_1_naming_the_file(sealed, cli) -> None:
    record_no, paths = sealed
    ok = cli("evidence", "verify", record_no)
    assert ok.exit_code == 0, ok.output
    assert "intact" in ok.output

    target = paths["vehicle.jpg"]
    data = bytearray(target.read_bytes())
    data[200] ^= 0x01
    target.chmod(0o644)
    target.write_bytes(bytes(data))
    bad = cli("evidence", "verify", record_no)
    assert bad.exit_code == 1
    assert "vehicle.jpg is altered" in bad.output and "panorama-1.jpg" not in bad.output


def test_a_missing_file_exits_1(sealed, cli) -> None:
    record_no, paths = sealed
    paths["manifest.json"].unlink()
    result = cli("evidence", "verify", record_no, "--json")
    assert result.exit_code == 1 and '"missing_files": [\n    "manifest.json"\n  ]' in result.output


def test_an_unknown_record_is_a_clean_error(sealed, cli) -> None:
    result = cli("evidence", "verify", "NO-SUCH-RECORD")
    assert result.exit_code == 2 and "NO-SUCH-RECORD" in result.output


def test_all_verifies_every_record_and_names_only_the_broken_ones(sealed, cli) -> None:
    record_no, paths = sealed
    ok = cli("evidence", "verify", "--all")
    assert ok.exit_code == 0 and "1 records verified, 1 intact, 0 NOT INTACT" in ok.output
    assert f"{record_no}: intact" not in ok.output  # --all lists only what is broken, then the total
    paths["plate.jpg" if "plate.jpg" in paths else "vehicle.jpg"].unlink()
    bad = cli("evidence", "verify", "--all", "--json")
    assert bad.exit_code == 1
    [report] = json.loads(bad.output)  # one JSON document, nothing after it
    assert report["record_no"] == record_no and not report["intact"]


@pytest.mark.parametrize("arguments", [(), ("SOME-RECORD", "--all")])
def test_a_record_or_all_but_not_both_nor_neither(sealed, cli, arguments) -> None:
    result = cli("evidence", "verify", *arguments)
    assert result.exit_code == 2 and "--all" in result.output
