"""Migration 0010 turns the free model_version strings into detector version rows and back, losing no provenance."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from tests.support.databases import fresh_database, selected_backends
from tests.support.factories import SHANGHAI, make_city, make_record, make_sighting_row
from traffic import migrate
from traffic.db import make_engine, make_session_factory, transaction

CAPTURED = dt.datetime(2023, 6, 5, 7, 40, tzinfo=SHANGHAI)


@pytest.mark.parametrize("backend", selected_backends())
def test_strings_become_weightless_version_rows_and_come_back_on_downgrade(backend: str, tmp_path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            with transaction(make_session_factory(engine)) as session:
                city = make_city(session)
                record = make_record(session, city, CAPTURED)
                others = [make_sighting_row(session, city, CAPTURED + dt.timedelta(minutes=m)) for m in (1, 2)]
                ids = [record.sighting_id, *(s.id for s in others)]

            migrate.downgrade(engine, "0008")
            with engine.begin() as connection:
                assert set(connection.execute(text("SELECT model_version FROM sightings")).scalars()) == {"test@1"}
                for sighting_id, label in zip(ids, ["demo_model.pt@abc123def456", "demo-seed",
                                                    "demo_model.pt@abc123def456"], strict=True):
                    connection.execute(text("UPDATE sightings SET model_version = :l WHERE id = :i"),
                                       {"l": label, "i": sighting_id})

            migrate.upgrade(engine)
            with engine.begin() as connection:
                versions = {(r.name, r.version): r for r in connection.execute(text(
                    "SELECT id, name, version, sha256, weights_path, notes FROM detector_versions"))}
                assert set(versions) == {("demo_model.pt", "abc123def456"), ("demo-seed", "legacy")}
                assert all(v.sha256 is None and v.weights_path is None and "0010" in v.notes
                           for v in versions.values())
                pointed = dict(connection.execute(text("SELECT id, detector_version_id FROM sightings")).all())
                demo, seed = versions["demo_model.pt", "abc123def456"].id, versions["demo-seed", "legacy"].id
                assert [pointed[i] for i in ids] == [demo, seed, demo]
                row = connection.execute(text(
                    "SELECT detector_version_id, evidence_format FROM enforcement_records")).one()
                assert tuple(row) == (demo, 1)  # the record points where its sighting does; sealed in format 1
        finally:
            engine.dispose()
