"""The bad-media corpus on the worker side: pushed frames that pass the upload check but cannot be decoded are marked
failed while the worker goes on; a folder source skips and lists unreadable files; awkward valid images decode."""
from __future__ import annotations

import datetime as dt
import errno

import numpy as np
import pytest
from sqlalchemy import select

from detection.sources import DirectorySource, SourceError, VideoFileSource
from detection.sources.files import read_image
from models import IngestFrame
from tests.support.bad_media import corpus, jpeg
from tests.support.ingest import apply_ingest_city
from tests.traffic.workers.fakes import Clock, FakePipelineFactory, FakeRecorder
from traffic.services.frame_store import frame_store, read_frame_bytes
from traffic.services.ingest import FrameSubmission, accept_frame
from traffic.workers.frames import decode_image
from traffic.workers.queues import DatabaseQueue
from traffic.workers.worker import WorkerResources, Worker

T0 = dt.datetime(2023, 6, 5, 7, 30, tzinfo=dt.timezone.utc)
ACCEPTED = [m for m in corpus() if m.status == 202]


def test_the_worker_fails_undecodable_frames_and_goes_on(session, session_factory, settings) -> None:
    key = apply_ingest_city(session)["CAM-A"]
    items = [("good-0", jpeg()), *((m.name, m.data) for m in ACCEPTED), ("good-1", jpeg())]
    store = frame_store(settings)  # the store the worker reads from
    for second, (frame_id, data) in enumerate(items):
        accept_frame(session, FrameSubmission("CAM-A", key, (T0 + dt.timedelta(seconds=second)).isoformat(), data,
                                              frame_id), store=store, max_bytes=10**7, max_ahead_s=300, now=T0)
    session.commit()
    pipelines = FakePipelineFactory()
    stack = WorkerResources(pipelines, FakeRecorder())
    worker = Worker.build(settings, session_factory, stack, source=DatabaseQueue(session_factory), worker_id="bad")
    worker.run(until_idle=True)
    session.expire_all()
    rows = {f.frame_id: f for f in session.scalars(select(IngestFrame))}
    expected_done = {"good-0", "good-1", *(m.name for m in ACCEPTED if m.decodes)}
    assert {name for name, row in rows.items() if row.status == "done"} == expected_done
    for media in ACCEPTED:
        if not media.decodes:
            assert (rows[media.name].status, rows[media.name].error) == ("failed", "the image cannot be decoded")
    # nothing stored was changed
    assert {name: read_frame_bytes(store, row) for name, row in rows.items()} == dict(items)


@pytest.mark.parametrize("media", [m for m in ACCEPTED if m.decodes], ids=lambda m: m.name)
def test_awkward_valid_images_are_normalised(media, tmp_path) -> None:
    """16-bit and CMYK become 8-bit BGR, and EXIF orientation is applied, on the push and the pull path alike."""
    path = tmp_path / media.name
    path.write_bytes(media.data)
    for image in (decode_image(media.data), read_image(path)):
        assert image.dtype == np.uint8 and image.shape == (*media.shape, 3)


def test_a_folder_source_skips_and_lists_unreadable_files(tmp_path) -> None:
    good = jpeg()
    (tmp_path / "20230605_073000_first.jpg").write_bytes(good)
    bad = [m for m in corpus() if not m.decodes]
    for second, media in enumerate(bad, start=1):
        (tmp_path / f"20230605_0730{second:02d}_{media.name}").write_bytes(media.data)
    (tmp_path / "20230605_073059_last.jpg").write_bytes(good)
    source = DirectorySource(tmp_path, "filename")
    refs = [frame.ref for frame in source]
    assert refs == ["20230605_073000_first.jpg", "20230605_073059_last.jpg"]
    assert sorted(name.split("_", 2)[2] for name, _ in source.skipped) == sorted(m.name for m in bad)
    reasons = dict(source.skipped)
    bombs = [name for name in reasons if "bomb-" in name]
    assert len(bombs) == 2 and all("pixels (decompression bomb?)" in reasons[name] for name in bombs)


def test_a_video_that_is_not_one_is_reported(tmp_path) -> None:
    path = tmp_path / "camera.mp4"
    path.write_bytes("这不是视频 not a video".encode())
    with pytest.raises(SourceError, match="cannot open video"):
        VideoFileSource(path, start=T0)


class FullDiskRecorder(FakeRecorder):
    """Evidence cannot be written while ``full`` is set."""

    full = True

    def apply(self, session, camera, events, **kwargs) -> list:
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().apply(session, camera, events, **kwargs)


def test_a_full_disk_pauses_the_camera_without_spending_its_frames_attempts(session, session_factory,
                                                                           settings) -> None:
    key = apply_ingest_city(session)["CAM-A"]
    accept_frame(session, FrameSubmission("CAM-A", key, T0.isoformat(), jpeg(), "waits"), store=frame_store(settings),
                 max_bytes=10**7, max_ahead_s=300, now=T0)
    session.commit()
    clock, recorder = Clock(), FullDiskRecorder()
    worker = Worker.build(settings.model_copy(update={"frame_max_attempts": 2}), session_factory,
                          WorkerResources(FakePipelineFactory(), recorder), source=DatabaseQueue(session_factory, clock),
                          worker_id="disk")
    worker.processor.clock = clock
    for _ in range(4):  # more rounds than the frame has attempts, each after the camera's back-off
        worker.run_once()
        clock.advance(settings.camera_retry_max_s + 1)
    session.expire_all()
    frame = session.scalar(select(IngestFrame).where(IngestFrame.frame_id == "waits"))
    assert (frame.status, frame.attempts) == ("queued", 0) and "No space left" in frame.error
    recorder.full = False  # room again
    worker.run_once()
    session.expire_all()
    assert session.scalar(select(IngestFrame.status).where(IngestFrame.frame_id == "waits")) == "done"
