"""The database queue and the per-camera worker, with a fake pipeline: order, leases, failures, quiet cameras."""
from __future__ import annotations

import datetime as dt
import json
import struct
import zlib

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from models import CameraState, IngestFrame
from tests.support.footage import street_snapshots
from tests.support.ingest import apply_ingest_city
from tests.traffic.workers.fakes import Clock, FakeRecorder, FakePipelineFactory
from traffic.services.frame_store import frame_store
from traffic.services.ingest import FrameSubmission, accept_frame, frame_report
from traffic.workers.leases import LeaseLost
from traffic.workers.processor import CameraProcessor
from traffic.workers.queues import DatabaseQueue
from traffic.workers.worker import WorkerResources, Worker

T0 = dt.datetime(2023, 6, 5, 0, 0, tzinfo=dt.timezone.utc)


@pytest.fixture()
def camera_key(session) -> str:
    key = apply_ingest_city(session)["CAM-A"]
    session.commit()
    return key


@pytest.fixture()
def store(settings):
    return frame_store(settings)


@pytest.fixture()
def fast_settings(settings):
    return settings.model_copy(update={"worker_batch": 2, "camera_quiet_s": 20.0, "camera_lease_s": 30.0})


def _push(session, key: str, frame_id: str, seconds: float, image: bytes | None = None, *, store) -> None:
    jpeg = street_snapshots(1)[0].jpeg if image is None else image
    at = (T0 + dt.timedelta(seconds=seconds)).isoformat()
    accept_frame(session, FrameSubmission("CAM-A", key, at, jpeg, frame_id), store=store,
                 max_bytes=10**7, max_ahead_s=300,
                 now=dt.datetime.now(dt.timezone.utc))
    session.commit()


def _report(session, frame_id: str):
    camera_id = session.scalar(select(IngestFrame.camera_id).where(IngestFrame.frame_id == frame_id))
    return frame_report(session, frame_id, camera_id)


def _worker(session_factory, settings, pipelines=None, recorder=None, clock=None, worker_id="w1") -> Worker:
    stack = WorkerResources(pipelines or FakePipelineFactory(), recorder or FakeRecorder())
    queue = DatabaseQueue(session_factory, clock) if clock is not None else DatabaseQueue(session_factory)
    worker = Worker.build(settings, session_factory, stack, source=queue, worker_id=worker_id)
    if clock is not None:
        worker.processor.clock = clock
    return worker


def _seen(session) -> list[str]:
    state = session.scalar(select(CameraState.state))
    return json.loads(state) if state else []


def _statuses(session) -> dict[str, str]:
    return dict(session.execute(select(IngestFrame.frame_id, IngestFrame.status)).all())


def test_frames_are_tracked_in_capture_order_whatever_the_arrival_order(session, session_factory, camera_key, store,
                                                                        fast_settings) -> None:
    for name, second in [("f3", 3), ("f0", 0), ("f5", 5), ("f1", 1), ("f4", 4), ("f2", 2)]:
        _push(session, camera_key, name, second, store=store)
    _worker(session_factory, fast_settings).run(until_idle=True)
    session.expire_all()
    assert _seen(session) == ["f0", "f1", "f2", "f3", "f4", "f5"]
    assert set(_statuses(session).values()) == {"done"}
    assert _report(session, "f3").status == "done"


def test_a_frame_arriving_after_later_ones_were_processed_fails_as_late(session, session_factory, camera_key, store,
                                                                        fast_settings) -> None:
    _push(session, camera_key, "f5", 5, store=store)
    worker = _worker(session_factory, fast_settings)
    worker.run(until_idle=True)
    _push(session, camera_key, "f4", 4, store=store)
    worker.run(until_idle=True)
    session.expire_all()
    report = _report(session, "f4")
    assert report.status == "failed" and report.error.startswith("late: captured at 2023-06-05T00:00:04+00:00")
    assert _seen(session) == ["f5"]


def _png_with_broken_pixels() -> bytes:
    """Whole by structure (signature, IHDR, IDAT, IEND) but its compressed pixels are garbage."""
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", 64, 48, 8, 2, 0, 0, 0)
    junk = b"IDAT" + bytes(range(200))
    chunk = lambda body: struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))  # noqa: E731
    return b"\x89PNG\r\n\x1a\n" + chunk(ihdr) + chunk(junk) + chunk(b"IEND")


def test_an_undecodable_frame_fails_with_its_reason_and_the_rest_go_on(session, session_factory, camera_key, store,
                                                                       fast_settings) -> None:
    broken = _png_with_broken_pixels()
    assert cv2.imdecode(np.frombuffer(broken, np.uint8), cv2.IMREAD_COLOR) is None
    _push(session, camera_key, "f0", 0, store=store)
    _push(session, camera_key, "bad", 1, image=broken, store=store)
    _push(session, camera_key, "f2", 2, store=store)
    _worker(session_factory, fast_settings).run(until_idle=True)
    session.expire_all()
    assert _statuses(session) == {"f0": "done", "bad": "failed", "f2": "done"}
    assert _report(session, "bad").error == "the image cannot be decoded"
    assert _seen(session) == ["f0", "f2"]


def test_a_frame_whose_file_is_gone_fails_saying_so_and_the_rest_go_on(session, session_factory, camera_key, store,
                                                                        fast_settings) -> None:
    _push(session, camera_key, "f0", 0, store=store)
    _push(session, camera_key, "lost", 1, image=street_snapshots(2)[1].jpeg, store=store)
    _push(session, camera_key, "f2", 2, store=store)
    store.delete(session.scalar(select(IngestFrame.image_path).where(IngestFrame.frame_id == "lost")))
    _worker(session_factory, fast_settings).run(until_idle=True)
    session.expire_all()
    assert _statuses(session) == {"f0": "done", "lost": "failed", "f2": "done"}
    assert "missing from the frame store" in _report(session, "lost").error
    assert _seen(session) == ["f0", "f2"]


def test_a_frame_that_keeps_failing_is_given_up_after_the_attempt_limit(session, session_factory, camera_key, store,
                                                                       fast_settings) -> None:
    for name, second in [("f0", 0), ("poison", 1), ("f2", 2)]:
        _push(session, camera_key, name, second, store=store)
    clock = Clock()
    worker = _worker(session_factory, fast_settings, pipelines=FakePipelineFactory(failing={"poison"}), clock=clock)
    worker.run(until_idle=True)
    session.expire_all()
    state = session.scalar(select(CameraState))  # retried after a back-off, not at once
    assert state.quarantine_reason == "RuntimeError: cannot process poison" and state.quarantined_until > clock.now
    for _ in range(fast_settings.frame_max_attempts - 1):
        clock.advance(fast_settings.camera_retry_max_s)
        worker.run(until_idle=True)
    session.expire_all()
    report = _report(session, "poison")
    assert report.status == "failed" and report.attempts == fast_settings.frame_max_attempts
    assert report.error == "gave up after 3 attempts; last: RuntimeError: cannot process poison"
    # The failed tries never reached the checkpoint: tracking saw every other frame exactly once, in order.
    assert _seen(session) == ["f0", "f2"]


def test_one_worker_at_a_time_holds_a_camera_and_a_stale_one_cannot_commit(session, session_factory, camera_key, store,
                                                                          fast_settings) -> None:
    _push(session, camera_key, "f0", 0, store=store)
    clock = Clock()
    first = CameraProcessor(session_factory, FakePipelineFactory(), FakeRecorder(), fast_settings, "first", clock)
    second = CameraProcessor(session_factory, FakePipelineFactory(), FakeRecorder(), fast_settings, "second", clock)
    camera_id = session.scalar(select(IngestFrame.camera_id))
    assert DatabaseQueue(session_factory).take(block_s=0) == [camera_id]
    stale_token = first.leases.acquire(camera_id, clock())
    assert stale_token is not None
    assert second.drain(camera_id) is None  # held by the first
    assert DatabaseQueue(session_factory).take(block_s=0) == []  # so other workers do not spin on it
    clock.advance(fast_settings.camera_lease_s + 1)  # the first stalls past its lease
    assert second.drain(camera_id) == 1
    with pytest.raises(LeaseLost), session_factory() as stale, stale.begin():
        first.leases.fence(stale, camera_id, stale_token, clock(), state=b"[]")
    session.expire_all()
    assert _seen(session) == ["f0"]


def test_quiet_cameras_end_their_tracks_and_start_a_new_epoch(session, session_factory, camera_key, store,
                                                              fast_settings) -> None:
    clock, recorder = Clock(), FakeRecorder()
    worker = _worker(session_factory, fast_settings, recorder=recorder, clock=clock)
    _push(session, camera_key, "f0", 0, store=store)
    _push(session, camera_key, "f1", 1, store=store)
    # A capture gap longer than camera_quiet_s also ends the tracks, before the frame after the gap.
    _push(session, camera_key, "f-after-gap", 1 + fast_settings.camera_quiet_s + 5, store=store)
    worker.run(until_idle=True)
    pks = dict(session.execute(select(IngestFrame.frame_id, IngestFrame.id)).all())
    assert recorder.calls == [("push:0", pks["f0"]), ("push:0", pks["f1"]), ("push:0", None),
                              ("push:1", pks["f-after-gap"])]
    processor = worker.processor
    assert processor.finish_quiet_cameras() == 0  # not quiet yet
    clock.advance(fast_settings.camera_quiet_s + 1)
    assert processor.finish_quiet_cameras() == 1
    assert recorder.calls[-1] == ("push:1", None)
    session.expire_all()
    state = session.scalar(select(CameraState))
    assert (state.state, state.epoch, state.lease_owner) == (None, 2, None)
    assert processor.finish_quiet_cameras() == 0  # nothing left open
