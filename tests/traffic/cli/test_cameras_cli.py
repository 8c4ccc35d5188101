"""`traffic cameras issue-key`: a new key works at once, the old one stops working, only a hash is stored.
`traffic cameras status`: a quarantined camera is named with its reason, and the command exits 1."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, update

from models import Camera, CameraState
from tests.support.ingest import INGEST_CITY
from traffic.db import make_engine, make_session_factory
from traffic.errors import Unauthorized
from traffic.services.camera_keys import authenticate_camera
from traffic.workers.leases import ensure_state_row


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


def test_cameras_status_names_a_quarantined_camera_and_why(database, cli) -> None:
    cli("db", "upgrade")
    cli("config", "apply", str(INGEST_CITY))
    assert cli("cameras", "status").exit_code == 0  # nothing quarantined: a monitoring check passes
    engine = make_engine(database)
    try:
        with make_session_factory(engine)() as session:
            camera_id = session.scalar(select(Camera.id).where(Camera.code == "CAM-A"))
            ensure_state_row(session, camera_id)
            session.execute(update(CameraState).where(CameraState.camera_id == camera_id).values(
                failures=2, quarantine_reason="UnpicklingError: invalid load key",
                quarantined_until=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)))
            session.commit()
    finally:
        engine.dispose()
    result = cli("cameras", "status")
    assert result.exit_code == 1
    lines = {line.split("\t")[0]: line for line in result.stdout.splitlines()}
    assert "隔离 quarantined" in lines["CAM-A"] and "原因 reason: UnpicklingError: invalid load key" in lines["CAM-A"]
    assert "连续失败 failures 2" in lines["CAM-A"]
    assert "正常 ok" in lines["CAM-B"]
    one = cli("cameras", "status", "CAM-B")
    assert one.exit_code == 0 and one.stdout.startswith("CAM-B\t正常 ok")
    unknown = cli("cameras", "status", "NOPE")
    assert unknown.exit_code == 2 and "camera 'NOPE' does not exist" in unknown.output
