"""Scale-out ingest with Redis restarted in the middle: a private redis-server (nothing on disk, as deployed) is
killed while frames are queued and in work, frames keep arriving while it is down, and it comes back empty.

Every accepted frame must be processed exactly once, the API never answers 500 (ingest does not need Redis to
accept: the frame is committed to the database first, and the announcement is only a hint), and the workers,
never restarted, pick up again by themselves.
"""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from models import CameraState, IngestFrame
from tests.support.databases import fresh_database
from tests.support.footage import street_snapshots
from tests.support.ingest import apply_ingest_city, post_snapshot
from tests.support.redis_server import PrivateRedis
from tests.traffic.workers.fakes import FakePipeline, FakePipelineFactory, FakeRecorder
from traffic import migrate
from traffic.app import create_app
from traffic.db import make_engine, make_session_factory, transaction
from traffic.settings import Settings
from traffic.workers.worker import Worker, WorkerResources

PER_PHASE = 6  # frames posted before the restart, while Redis is down, and after it is back
WORKERS = 2
DEADLINE_S = 60.0


class Gate:
    """Holds the worker inside one frame's processing until the test lets it go."""

    def __init__(self) -> None:
        self.frame_id: str | None = None
        self.reached, self.release = threading.Event(), threading.Event()


class GatedPipelineFactory(FakePipelineFactory):
    def __init__(self, gate: Gate) -> None:
        super().__init__()
        self.gate = gate

    def pipeline_for(self, camera, state: bytes | None = None, *, inertia: int = 3, detector=None) -> FakePipeline:
        pipeline = super().pipeline_for(camera, state, inertia=inertia, detector=detector)
        process = pipeline.process

        def gated(frame):
            if frame.ref == self.gate.frame_id and not self.gate.release.is_set():
                self.gate.reached.set()
                assert self.gate.release.wait(DEADLINE_S), "the test never let the frame go"
            return process(frame)

        pipeline.process = gated
        return pipeline


def _statuses(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(select(IngestFrame.frame_id, IngestFrame.status)).all())


def _wait_for(condition, engine: Engine, threads: list[threading.Thread], what: str) -> dict[str, str]:
    """Poll the database until ``condition`` holds for the frame statuses; fail at the deadline or if a worker died."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        statuses = _statuses(engine)
        if condition(statuses):
            return statuses
        assert all(t.is_alive() for t in threads), "a worker thread ended"
        time.sleep(0.02)  # a polling interval, not a wait for a result
    pytest.fail(f"no {what} within {DEADLINE_S} s: {Counter(_statuses(engine).values())}")


def test_redis_restarted_during_ingest_loses_and_doubles_no_frame(backend: str, tmp_path: Path) -> None:
    snapshots = iter(street_snapshots(3 * PER_PHASE))
    with fresh_database(backend, tmp_path) as url, PrivateRedis(tmp_path) as broker:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            factory = make_session_factory(engine)
            with transaction(factory) as session:
                key = apply_ingest_city(session)["CAM-A"]
            settings = Settings(
                env="test", database_url=url, data_dir=tmp_path / "data", queue_url=broker.url,
                queue_prefix="restart", embedded_workers=0, worker_poll_s=0.05,
                camera_lease_s=10.0,  # outlasts the held frame: no other worker may take the camera meanwhile
                queue_reconcile_s=0.5, camera_quiet_s=3600.0,  # quiet never comes: the checkpoint keeps every frame
            )
            answers: list[int] = []
            accepted: list[str] = []

            def post(count: int) -> None:
                for _ in range(count):
                    response = post_snapshot(client, next(snapshots), key)
                    answers.append(response.status_code)
                    if response.status_code == 202:
                        accepted.append(response.json()["frame_id"])

            stop, gate = threading.Event(), Gate()
            stack = WorkerResources(GatedPipelineFactory(gate), FakeRecorder())
            workers = [Worker.build(settings, factory, stack, stop=stop, worker_id=f"w{n}") for n in range(WORKERS)]
            threads = [threading.Thread(target=w.run, name=f"worker-{n}", daemon=True) for n, w in enumerate(workers)]
            with TestClient(create_app(settings, engine=engine)) as client:
                post(PER_PHASE)  # announced on Redis
                gate.frame_id = accepted[2]
                for thread in threads:
                    thread.start()
                assert gate.reached.wait(DEADLINE_S)
                at_kill = _statuses(engine)
                broker.kill()  # a frame in work, three queued: their messages die with Redis
                post(PER_PHASE)  # accepted into the database; the announcements fail
                broker.start()  # back, empty: no stream, no consumer group
                gate.release.set()  # the held worker drains its camera: the frames from before and during
                _wait_for(lambda s: set(s.values()) == {"done"}, engine, threads, "the frames from before done")
                post(PER_PHASE)  # only the new Redis (its group made again) or the reconciler brings these to a worker
                statuses = _wait_for(lambda s: len(s) == len(accepted) and set(s.values()) == {"done"}, engine,
                                     threads, "every frame done")
            stop.set()
            for thread in threads:
                thread.join(30)
            assert not any(t.is_alive() for t in threads)

            assert [at_kill[f] for f in accepted[:PER_PHASE]] == ["done"] * 2 + ["processing"] + ["queued"] * 3
            assert answers == [202] * (3 * PER_PHASE)  # never a 500, and nothing refused
            assert sorted(statuses) == sorted(accepted)
            with engine.connect() as connection:
                attempts = dict(connection.execute(select(IngestFrame.frame_id, IngestFrame.attempts)).all())
                state = connection.scalar(select(CameraState.state))
            assert set(attempts.values()) == {1}
            # The fake pipeline's checkpoint: every frame the camera's tracking saw, in order, each once.
            assert json.loads(state) == accepted
        finally:
            engine.dispose()
