"""`traffic cameras issue-key`: a new key works at once, the old one stops working, only a hash is stored."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from models import Camera
from tests.support.databases import fresh_database
from tests.support.ingest import INGEST_CITY
from traffic.cli.main import app
from traffic.db import make_engine, make_session_factory
from traffic.errors import Unauthorized
from traffic.services.camera_keys import authenticate_camera


@pytest.fixture()
def database(backend: str, tmp_path: Path, monkeypatch):
    with fresh_database(backend, tmp_path) as url:
        monkeypatch.setenv("TRAFFIC_DATABASE_URL", url)
        monkeypatch.setenv("TRAFFIC_DATA_DIR", str(tmp_path / "data"))
        yield url


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_issue_key_prints_a_new_key_and_revokes_the_old(database) -> None:
    assert run("db", "upgrade").exit_code == 0
    assert run("config", "apply", str(INGEST_CITY)).exit_code == 0
    first = run("cameras", "issue-key", "CAM-A")
    assert first.exit_code == 0, first.output
    old_key = first.stdout.strip()
    new_key = run("cameras", "issue-key", "CAM-A").stdout.strip()
    assert len(old_key) >= 43 and len(new_key) >= 43 and old_key != new_key
    engine = make_engine(database)
    try:
        with make_session_factory(engine)() as session:
            assert authenticate_camera(session, "CAM-A", new_key).code == "CAM-A"
            with pytest.raises(Unauthorized):
                authenticate_camera(session, "CAM-A", old_key)
            stored = session.scalar(select(Camera.key_hash).where(Camera.code == "CAM-A"))
            assert stored == hashlib.sha256(new_key.encode()).hexdigest()
            assert new_key not in stored
    finally:
        engine.dispose()


def test_issue_key_for_an_unknown_camera_fails_cleanly(database) -> None:
    run("db", "upgrade")
    result = run("cameras", "issue-key", "NOPE")
    assert result.exit_code == 2
    assert "camera 'NOPE' does not exist" in result.output
