"""`traffic retention run [--dry-run]`: says what it frees (or would), on stdout and in the log."""
from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from sqlalchemy import func, select

from models import Camera, IngestFrame
from tests.support.ingest import INGEST_CITY
from traffic.db import make_engine, make_session_factory, transaction
from traffic.services.frame_store import LocalFrameStore, store_frame_bytes

DATA = b"\xff\xd8 a frame processed two days ago"


def test_retention_run_reports_what_it_frees_and_dry_run_frees_nothing(database, cli, tmp_path: Path,
                                                                       caplog) -> None:
    assert cli("db", "upgrade").exit_code == 0
    assert cli("config", "apply", str(INGEST_CITY)).exit_code == 0
    store = LocalFrameStore(tmp_path / "data" / "frames")
    sha256, key = store_frame_bytes(store, DATA, "image/jpeg")
    hour_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).timestamp()
    os.utime(store.path_of(key), (hour_ago, hour_ago))  # past the grace a just-written file gets
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    engine = make_engine(database)
    try:
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            camera_id = session.scalar(select(Camera.id).where(Camera.code == "CAM-A"))
            session.add(IngestFrame(frame_id="old", camera_id=camera_id, captured_at=at, received_at=at,
                                    content_type="image/jpeg", sha256=sha256, size=len(DATA), width=1, height=1,
                                    image_path=key, status="done", processed_at=at))
        expected = f"1 frame rows, 1 files (0 unnamed), {len(DATA)} bytes"

        dry = cli("retention", "run", "--dry-run")
        assert dry.exit_code == 0 and f"retention would free {expected}" in dry.stdout
        assert store.exists(key)
        with caplog.at_level(logging.INFO, logger="traffic.services.retention"):
            done = cli("retention", "run")
        assert done.exit_code == 0 and f"retention freed {expected}" in done.stdout
        assert any(f"retention freed {expected}" in r.getMessage() for r in caplog.records)
        assert not store.exists(key)
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(IngestFrame)) == 0
    finally:
        engine.dispose()
