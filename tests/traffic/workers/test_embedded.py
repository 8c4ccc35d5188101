"""The embedded default: `traffic serve`'s app runs its workers with its lifespan, on the database queue."""
from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from models import IngestFrame, Sighting
from tests.support.databases import fresh_database
from tests.support.footage import street_snapshots
from tests.support.ingest import apply_ingest_city, frame_status, post_snapshot
from tests.support.vision_stack import vision_settings
from traffic import migrate
from traffic.app import create_app
from traffic.db import make_engine, make_session_factory, transaction
from traffic.settings import Settings

pytestmark = pytest.mark.slow
FRAMES = 12
DEADLINE_S = 120.0


def test_serve_processes_pushed_frames_and_stops_its_workers(backend, tmp_path) -> None:
    snapshots = street_snapshots(FRAMES)
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            factory = make_session_factory(engine)
            with transaction(factory) as session:
                key = apply_ingest_city(session)["CAM-A"]
            settings = vision_settings(Settings(env="test", database_url=url, data_dir=tmp_path / "data"), tmp_path)
            app = create_app(settings, engine=engine, run_workers=True)
            with TestClient(app) as client:
                ids = [post_snapshot(client, s, key).json()["frame_id"] for s in snapshots]
                deadline = time.monotonic() + DEADLINE_S
                while frame_status(client, ids[-1], key).json()["status"] != "done":
                    assert time.monotonic() < deadline, "the embedded worker did not process the frames"
                    time.sleep(0.05)  # polling the API for progress
                threads = [t for t in threading.enumerate() if t.name.startswith("traffic-worker")]
                assert len(threads) == settings.embedded_workers
            assert not any(t.is_alive() for t in threads), "the workers stop with the app"
            with factory() as session:
                assert set(session.scalars(select(IngestFrame.status))) == {"done"}
                assert session.scalars(select(Sighting.track_key)).all(), "cars were sighted"
        finally:
            engine.dispose()
