"""`traffic cameras issue-key`: a new key works at once, the old one stops working, only a hash is stored."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from models import Camera
from tests.support.ingest import INGEST_CITY
from traffic.db import make_engine, make_session_factory
from traffic.errors import Unauthorized
from traffic.services.camera_keys import authenticate_camera


def test_issue_key_prints_a_new_key_and_revokes_the_old(database, cli) -> None:
    assert cli("db", "upgrade").exit_code == 0
    assert cli("config", "apply", str(INGEST_CITY)).exit_code == 0
    first = cli("cameras", "issue-key", "CAM-A")
    assert first.exit_code == 0, first.output
    old_key = first.stdout.strip()
    new_key = cli("cameras", "issue-key", "CAM-A").stdout.strip()
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


def test_issue_key_for_an_unknown_camera_fails_cleanly(database, cli) -> None:
    cli("db", "upgrade")
    result = cli("cameras", "issue-key", "NOPE")
    assert result.exit_code == 2
    assert "camera 'NOPE' does not exist" in result.output
