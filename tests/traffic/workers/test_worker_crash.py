"""SIGKILL a `traffic worker` (Redis + PostgreSQL) in the middle of a batch, start another, and compare the outcome
with an undisturbed run over the same pushed frames: every frame processed, no sighting or record lost or doubled."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from models import CameraState, EnforcementRecord, EvidenceFile, IngestFrame, Sighting, frame_sightings
from tests.support.databases import fresh_database
from tests.support.footage import street_snapshots
from tests.support.ingest import apply_ingest_city, post_snapshot
from tests.support.redis_server import REDIS_URL, redis_prefix
from tests.support.vision_stack import vision_env
from traffic import migrate
from traffic.app import create_app
from traffic.db import make_engine, make_session_factory, transaction
from traffic.settings import Settings

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]
FRAMES = 24
KILL_AFTER_DONE = 6
DEADLINE_S = 240.0


class WorkerProcess:
    """One `traffic worker` subprocess with its log."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.handle = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "traffic.cli.main", "worker"], cwd=REPO, env=env, stdout=self.handle,
            stderr=subprocess.STDOUT,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(60)
        self.handle.close()
        return code


def _counts(engine: Engine) -> dict[str, int]:
    """Frames per status, and ``ended``: how many times the camera's open tracks were ended (it went quiet)."""
    with engine.connect() as connection:
        counts = dict(connection.execute(select(IngestFrame.status, func.count()).group_by(IngestFrame.status)).all())
        counts["ended"] = connection.scalar(select(func.coalesce(func.max(CameraState.epoch), 0)))
    return counts


def _wait_for(condition: Callable[[dict[str, int]], bool], engine: Engine, worker: WorkerProcess, what: str) -> dict:
    """Poll the database until ``condition`` holds for the frame counts; fail at the deadline or if the worker dies."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        counts = _counts(engine)
        if condition(counts):
            return counts
        if not worker.alive():
            pytest.fail(f"the worker exited while waiting for {what}:\n{worker.tail()}")
        time.sleep(0.02)  # a polling interval, not a wait for a result
    pytest.fail(f"no {what} within {DEADLINE_S} s ({counts}):\n{worker.tail()}")


def _outcome(engine: Engine) -> dict[str, list]:
    """Everything the run produced, keyed by stable names (frame ids, track keys, record numbers)."""
    with engine.connect() as c:
        return {
            "frames": sorted(c.execute(select(IngestFrame.frame_id, IngestFrame.status)).all()),
            "sightings": sorted(
                (key, status, first, last, kind, round(conf, 6))
                for key, status, first, last, kind, conf in c.execute(select(
                    Sighting.track_key, Sighting.status, Sighting.first_seen, Sighting.last_seen,
                    Sighting.vehicle_type, Sighting.confidence))
            ),
            "links": sorted(c.execute(
                select(IngestFrame.frame_id, Sighting.track_key)
                .join(frame_sightings, frame_sightings.c.frame_id == IngestFrame.id)
                .join(Sighting, Sighting.id == frame_sightings.c.sighting_id)
            ).all()),
            "records": sorted(c.execute(
                select(EnforcementRecord.record_no, Sighting.track_key, EnforcementRecord.status)
                .join(Sighting, Sighting.id == EnforcementRecord.sighting_id)
            ).all()),
            "evidence": sorted(c.execute(
                select(EnforcementRecord.record_no, EvidenceFile.name)
                .join(EnforcementRecord, EnforcementRecord.id == EvidenceFile.record_id)
            ).all()),
        }


def _run(tmp_path: Path, *, kill: bool) -> tuple[dict[str, list], dict]:
    snapshots = street_snapshots(FRAMES)
    tmp_path.mkdir(parents=True, exist_ok=True)
    with fresh_database("postgresql", tmp_path) as url, redis_prefix() as prefix:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            with transaction(make_session_factory(engine)) as session:
                key = apply_ingest_city(session)["CAM-A"]
            settings = Settings(env="test", database_url=url, data_dir=tmp_path / "data", queue_url=REDIS_URL,
                                queue_prefix=prefix)
            with TestClient(create_app(settings, engine=engine)) as client:
                for snapshot in snapshots:
                    assert post_snapshot(client, snapshot, key).status_code == 202
            env = {
                **os.environ, **vision_env(tmp_path), "PYTHONPATH": str(REPO), "TRAFFIC_ENV": "test",
                "TRAFFIC_DATABASE_URL": url, "TRAFFIC_DATA_DIR": str(tmp_path / "data"),
                "TRAFFIC_QUEUE_URL": REDIS_URL, "TRAFFIC_QUEUE_PREFIX": prefix, "TRAFFIC_CAMERA_LEASE_S": "2",
                "TRAFFIC_WORKER_POLL_S": "0.1", "TRAFFIC_CAMERA_QUIET_S": "1.5",
            }
            at_kill: dict = {}
            first = WorkerProcess(env, tmp_path / "worker-1.log")
            if kill:
                _wait_for(lambda c: c.get("done", 0) >= KILL_AFTER_DONE and c.get("processing", 0) == 1, engine,
                          first, "progress to kill in")
                first.kill()
                at_kill = _counts(engine)
                with engine.connect() as connection:
                    at_kill["interrupted"] = list(connection.scalars(
                        select(IngestFrame.frame_id).where(IngestFrame.status == "processing")))
                second = WorkerProcess(env, tmp_path / "worker-2.log")
            else:
                second = first
            # Done when every frame is, and the camera, quiet since, had its open tracks ended (into records).
            _wait_for(lambda c: c.get("done", 0) == FRAMES and c["ended"] == 1, engine, second, "the end")
            assert second.stop() == 0, second.tail()
            with engine.connect() as connection:
                at_kill["retried"] = list(connection.scalars(
                    select(IngestFrame.frame_id).where(IngestFrame.attempts > 1)))
            return _outcome(engine), at_kill
        finally:
            engine.dispose()


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    reference, _ = _run(tmp_path / "reference", kill=False)
    crashed, at_kill = _run(tmp_path / "crashed", kill=True)
    assert 0 < at_kill.get("done", 0) < FRAMES, f"the kill did not land mid-batch: {at_kill}"
    # The frame the worker was processing when killed (if the kill did not fall between two frames) was retried.
    assert at_kill["retried"] == at_kill["interrupted"]
    assert reference["records"], "the reference run made enforcement records"
    assert len(reference["sightings"]) >= 3
    for part in ("frames", "sightings", "links", "records", "evidence"):
        assert crashed[part] == reference[part], part
