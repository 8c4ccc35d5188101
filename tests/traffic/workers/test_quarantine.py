"""A camera that cannot be opened is quarantined while the other cameras go on, on both queues (issue 7).

The broken camera is the one from the issue: its tracker checkpoint no longer unpickles after an upgrade.
"""
from __future__ import annotations

import datetime as dt
import logging
import pickle
import time

import pytest
from sqlalchemy import select

from models import Camera, CameraState, IngestFrame
from tests.support.footage import street_snapshots
from tests.support.ingest import apply_ingest_city, post_snapshot
from tests.support.redis_server import REDIS_URL, redis_prefix
from tests.traffic.workers.fakes import Clock, FakePipeline, FakeRecorder, FakePipelineFactory
from traffic.services.camera_health import camera_health
from traffic.workers.queues import DatabaseQueue
from traffic.workers.redis_queue import RedisStreamQueue
from traffic.workers.worker import WorkerResources, Worker

DEADLINE_S = 20.0


class UpgradedPipelines(FakePipelineFactory):
    """After an upgrade, the checkpoints of the cameras in ``unreadable`` no longer unpickle."""

    def __init__(self, unreadable: set[str]) -> None:
        super().__init__()
        self.unreadable = unreadable

    def pipeline_for(self, camera, state: bytes | None = None, *, inertia: int = 3, detector=None) -> FakePipeline:
        if camera.code in self.unreadable:
            raise pickle.UnpicklingError("invalid load key, '\\x00'")
        return super().pipeline_for(camera, state, inertia=inertia)


@pytest.fixture()
def keys(session) -> dict[str, str]:
    keys = apply_ingest_city(session)
    session.commit()
    return keys


def _push_both(client, keys, count: int = 2) -> dict[str, set[str]]:
    """``count`` frames to each camera, the broken one (CAM-A) first, so it is the longest-waiting camera."""
    snapshots = street_snapshots(count)
    frames: dict[str, set[str]] = {}
    for camera in ("CAM-A", "CAM-B"):
        for number, snapshot in enumerate(snapshots):
            answer = post_snapshot(client, snapshot, keys[camera], camera=camera, frame_id=f"{camera}-{number}")
            assert answer.status_code == 202, answer.text
            frames.setdefault(camera, set()).add(answer.json()["frame_id"])
    return frames


def _statuses(session, frame_ids: set[str]) -> set[str]:
    session.expire_all()
    return set(session.scalars(select(IngestFrame.status).where(IngestFrame.frame_id.in_(frame_ids))))


def _state(session, code: str) -> CameraState:
    session.expire_all()
    return session.scalar(select(CameraState).join(Camera, Camera.id == CameraState.camera_id)
                          .where(Camera.code == code))


def test_a_camera_that_cannot_be_opened_is_quarantined_and_the_others_go_on(app, client, session, session_factory,
                                                                            keys, settings, caplog) -> None:
    frames = _push_both(client, keys)
    clock = Clock()
    vision = UpgradedPipelines({"CAM-A"})
    worker = Worker.build(settings, session_factory, WorkerResources(vision, FakeRecorder()),
                          source=DatabaseQueue(session_factory, clock), worker_id="w1")
    worker.processor.clock = clock

    with caplog.at_level(logging.ERROR, logger="traffic.workers.quarantine"):
        worker.run(until_idle=True)  # returns: the quarantined camera's frames wait for its retry, not for us

    assert _statuses(session, frames["CAM-B"]) == {"done"}
    assert _statuses(session, frames["CAM-A"]) == {"queued"}  # kept, not failed: they are processed once it works
    state = _state(session, "CAM-A")
    assert state.failures == 1 and state.quarantine_reason == "UnpicklingError: invalid load key, '\\x00'"
    assert state.quarantined_until == clock.now + dt.timedelta(seconds=settings.camera_retry_s)
    assert "camera CAM-A quarantined until" in caplog.text
    assert worker.source.take(0) == []  # the queue skips it instead of putting it first again

    health = client.get("/api/v1/cameras/CAM-A/health").json()
    assert health["status"] == "quarantined" and health["waiting_frames"] == 2
    assert health["reason"].startswith("UnpicklingError") and health["failures"] == 1
    assert client.get("/api/v1/cameras/CAM-B/health").json()["status"] == "ok"
    missing = client.get("/api/v1/cameras/NOPE/health")
    assert missing.status_code == 404 and missing.json()["error"] == "NotFound"

    clock.advance(settings.camera_retry_s + 1)  # retried, still broken: the wait doubles
    worker.run(until_idle=True)
    state = _state(session, "CAM-A")
    assert state.failures == 2
    assert state.quarantined_until == clock.now + dt.timedelta(seconds=2 * settings.camera_retry_s)

    vision.unreadable.clear()  # e.g. the checkpoint was reset; the next retry processes the frames
    clock.advance(2 * settings.camera_retry_s + 1)
    assert camera_health(session, "CAM-A", clock.now).status == "retry_due"  # the API asks at the real time
    worker.run(until_idle=True)
    assert _statuses(session, frames["CAM-A"]) == {"done"}
    state = _state(session, "CAM-A")
    assert (state.failures, state.quarantine_reason, state.quarantined_until) == (0, None, None)
    assert client.get("/api/v1/cameras/CAM-A/health").json()["status"] == "ok"


def test_on_the_redis_queue_a_quarantined_camera_does_not_hold_up_the_others(app, client, session, keys,
                                                                            settings) -> None:
    with redis_prefix() as prefix:
        redis_settings = settings.model_copy(update={
            "queue_url": REDIS_URL, "queue_prefix": prefix, "worker_poll_s": 0.05, "camera_retry_s": 3600.0,
            "camera_retry_max_s": 3600.0})
        app.state.frame_announcer = RedisStreamQueue(redis_settings, app.state.session_factory, consumer=None)
        frames = _push_both(client, keys)
        queue = RedisStreamQueue(redis_settings, app.state.session_factory, consumer="w1")
        stack = WorkerResources(UpgradedPipelines({"CAM-A"}), FakeRecorder())
        worker = Worker.build(redis_settings, app.state.session_factory, stack, source=queue, worker_id="w1")
        deadline = time.monotonic() + DEADLINE_S
        while _statuses(session, frames["CAM-B"]) != {"done"}:
            assert time.monotonic() < deadline, "CAM-B was not processed while CAM-A is quarantined"
            worker.run_once(block_s=0.05)
        for _ in range(5):  # further rounds skip CAM-A: its messages wait, deferred, for the retry
            worker.run_once(block_s=0.05)
        camera_a = _state(session, "CAM-A").camera_id
        assert camera_a not in queue.pending
        waits = [when - time.monotonic() for when, message in queue.deferred if message.camera_id == camera_a]
        assert len(waits) == 2 and min(waits) > 3500  # until the retry time, not every poll
        queue.close()
    assert _statuses(session, frames["CAM-A"]) == {"queued"}
    state = _state(session, "CAM-A")
    assert state.failures == 1 and state.quarantine_reason.startswith("UnpicklingError")
    assert client.get("/api/v1/cameras/CAM-A/health").json()["status"] == "quarantined"
