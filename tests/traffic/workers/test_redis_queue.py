"""The Redis Streams queue with a fake pipeline: announce after commit, ack when done, claim a dead worker's
messages, and re-announce frames Redis never heard of (it keeps nothing on disk)."""
from __future__ import annotations

import time

import pytest
import redis
from sqlalchemy import select

from models import IngestFrame
from tests.support.footage import street_snapshots
from tests.support.ingest import apply_ingest_city, post_snapshot
from tests.support.redis_server import REDIS_URL, redis_prefix
from tests.traffic.workers.fakes import FakeRecorder, FakePipelineFactory
from traffic.workers.queues import DatabaseQueue
from traffic.workers.redis_queue import RedisStreamQueue
from traffic.workers.worker import WorkerResources, Worker

DEADLINE_S = 20.0


@pytest.fixture()
def redis_settings(settings):
    with redis_prefix() as prefix:
        yield settings.model_copy(update={
            "queue_url": REDIS_URL, "queue_prefix": prefix, "camera_lease_s": 0.3, "queue_reconcile_s": 0.3,
            "worker_poll_s": 0.05,
        })


@pytest.fixture()
def redis_app(app, redis_settings):
    app.state.settings = redis_settings
    app.state.frame_announcer = RedisStreamQueue(redis_settings, app.state.session_factory, consumer=None)
    return app


@pytest.fixture()
def key(session) -> str:
    key = apply_ingest_city(session)["CAM-A"]
    session.commit()
    return key


@pytest.fixture()
def broker():
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    yield client
    client.close()


def _worker(settings, session_factory, name: str) -> Worker:
    queue = RedisStreamQueue(settings, session_factory, consumer=name)
    return Worker.build(settings, session_factory, WorkerResources(FakePipelineFactory(), FakeRecorder()), source=queue,
                        worker_id=name)


def _run_until_done(worker: Worker, session, frame_ids: set[str]) -> None:
    """Run worker rounds until every frame is done, or fail at the deadline."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        worker.run_once(block_s=0.05)
        session.expire_all()
        statuses = dict(session.execute(select(IngestFrame.frame_id, IngestFrame.status)).all())
        if all(statuses.get(f) == "done" for f in frame_ids):
            return
    pytest.fail(f"frames not done within {DEADLINE_S} s: {statuses}")


def test_posted_frames_are_announced_processed_and_acknowledged(redis_app, client, session, key, broker,
                                                                redis_settings) -> None:
    snapshots = street_snapshots(3)
    ids = {post_snapshot(client, s, key).json()["frame_id"] for s in snapshots}
    post_snapshot(client, snapshots[0], key)  # a repeat announces nothing
    stream = f"{redis_settings.queue_prefix}:frames"
    assert broker.xlen(stream) == 3
    worker = _worker(redis_settings, redis_app.state.session_factory, "live")
    _run_until_done(worker, session, ids)
    worker.run_once()  # settle the last messages
    assert broker.xlen(stream) == 0
    group = broker.xinfo_groups(stream)[0]
    assert group["pending"] == 0


def test_messages_of_a_dead_worker_are_claimed_by_a_live_one(redis_app, client, session, key, broker,
                                                             redis_settings) -> None:
    redis_settings = redis_settings.model_copy(update={"queue_reconcile_s": 3600.0})  # claiming alone must do it
    snapshot = street_snapshots(1)[0]
    frame_id = post_snapshot(client, snapshot, key).json()["frame_id"]
    dead = RedisStreamQueue(redis_settings, redis_app.state.session_factory, consumer="dead")
    assert dead.take(block_s=0) != []  # it received the message, then died without acknowledging it
    stream, group = f"{redis_settings.queue_prefix}:frames", f"{redis_settings.queue_prefix}:workers"
    assert broker.xpending(stream, group)["consumers"] == [{"name": "dead", "pending": 1}]
    live = _worker(redis_settings, redis_app.state.session_factory, "live")
    _run_until_done(live, session, {frame_id})
    live.run_once()
    assert broker.xpending(stream, group)["pending"] == 0
    assert broker.xlen(stream) == 0  # no re-announcement was needed


def test_frames_redis_never_heard_of_are_reannounced(app, client, session, key, broker, redis_settings) -> None:
    # The API runs on the database queue here: nothing reaches Redis, as after a Redis restart.
    assert isinstance(app.state.frame_announcer, DatabaseQueue)
    frame_id = post_snapshot(client, street_snapshots(1)[0], key).json()["frame_id"]
    live = _worker(redis_settings, app.state.session_factory, "live")
    _run_until_done(live, session, {frame_id})
    assert session.scalar(select(IngestFrame.attempts).where(IngestFrame.frame_id == frame_id)) == 1
