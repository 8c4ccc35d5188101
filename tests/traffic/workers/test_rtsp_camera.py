"""A real RTSP camera (GStreamer's RTSP server sending the demo clip as H.264) read by the product's stream source,
OpenCV's FFmpeg: pulled into records with the demo model, surviving the camera restarting mid-stream, and handing a
slow consumer the newest frame instead of a backlog."""
from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from detection.sources import StreamSettings, StreamSource
from detection.sources.stream import open_ffmpeg_capture
from models import EnforcementRecord
from models.enums import SightingSource
from tests.support.footage import DEMO_DIR, require
from tests.support.rtsp_camera import RtspCamera, require_gstreamer
from traffic.services.city import apply_config
from traffic.services.city_file import load_city_file
from traffic.services.recorder_factory import build_recorder
from traffic.vision import PipelineFactory
from traffic.workers.pull import ingest_frames

# A Monday 07:58 after the grace period, so the demo city's rules apply to what passes (see test_push_demo).
CAMERA_EPOCH = dt.datetime(2023, 7, 3, 7, 58, tzinfo=ZoneInfo("Asia/Shanghai"))
BEFORE_RESTART = 5  # frames pulled before the camera restarts (1 s of stream at 5 frames/s)
# Frames pulled after it came back, well within the 18 s clip even when the model keeps up with only 2 frames/s:
# the first tricycle passes in them.
AFTER_RESTART = 25
READ_DEADLINE_S = 30.0
RUN_DEADLINE_S = 120.0  # a source that never came back would otherwise wait forever: stop it, and fail below


@pytest.fixture()
def camera():
    require_gstreamer()
    require(DEMO_DIR / "demo.mp4", DEMO_DIR / "demo_model.pt")
    with RtspCamera(DEMO_DIR / "demo.mp4") as camera:
        yield camera


def _camera_clock():
    """The camera's clock: real time elapsing from CAMERA_EPOCH, so records fall in the rules' hours on any day."""
    started = dt.datetime.now(dt.timezone.utc)
    return lambda: CAMERA_EPOCH + (dt.datetime.now(dt.timezone.utc) - started)


@pytest.mark.slow
def test_rtsp_camera_restarting_mid_stream_is_pulled_into_records(camera, settings, session, session_factory):
    apply_config(session, load_city_file(DEMO_DIR / "city.yaml")[0])
    session.commit()
    clock = _camera_clock()
    settings_ = StreamSettings(target_fps=5.0, live=True, backoff_initial_s=0.2, backoff_max_s=1.0, timeout_s=5.0)
    source = StreamSource(camera.url, settings_, name="CAM-001", clock=clock)
    seen = {"before": 0, "after": 0}
    restarted_at: list[dt.datetime] = []

    def on_frame() -> None:
        if not restarted_at:
            seen["before"] += 1
            if seen["before"] == BEFORE_RESTART:
                camera.restart()  # the stream breaks under the reader; nobody tells the source
                restarted_at.append(clock())
        elif source.reconnects:
            seen["after"] += 1
            if seen["after"] == AFTER_RESTART:
                source.close()

    watchdog = threading.Timer(RUN_DEADLINE_S, source.close)
    watchdog.start()
    try:
        report = ingest_frames(
            session_factory, PipelineFactory.from_settings(settings, keep_images=True),
            build_recorder(settings, session_factory), "CAM-001", source, source=SightingSource.STREAM,
            track_prefix="stream:CAM-001:test", inertia=settings.zone_inertia, on_frame=on_frame,
        )
    finally:
        watchdog.cancel()

    assert camera.starts == 2 and source.reconnects >= 1
    assert seen["after"] >= AFTER_RESTART  # it read on by itself after the restart, until the test stopped it
    assert report.frames >= BEFORE_RESTART + AFTER_RESTART
    session.expire_all()
    records = session.scalars(select(EnforcementRecord)).all()
    assert report.records == len(records) >= 1
    assert any(r.captured_at > restarted_at[0] for r in records)  # footage after the restart became records


class CountedCapture:
    """The real FFmpeg capture, counting the frames the reader takes off the stream."""

    def __init__(self, capture, counter: threading.Condition, reads: list[int]) -> None:
        self.capture, self.counter, self.reads = capture, counter, reads

    def read(self):
        result = self.capture.read()
        with self.counter:
            self.reads[0] += 1
            self.counter.notify_all()
        return result

    def __getattr__(self, name):
        return getattr(self.capture, name)


def test_a_slow_consumer_gets_the_newest_rtsp_frame_and_stale_ones_are_dropped(camera):
    counter, reads = threading.Condition(), [0]
    source = StreamSource(
        camera.url, StreamSettings(target_fps=0, live=True, timeout_s=5.0),
        open_capture=lambda url, timeout: CountedCapture(open_ffmpeg_capture(url, timeout), counter, reads),
    )
    frames = iter(source)
    try:
        first = next(frames)
        with counter:  # the consumer is busy while the camera sends six more frames
            waited_for = reads[0] + 6
            assert counter.wait_for(lambda: reads[0] >= waited_for, timeout=READ_DEADLINE_S)
        dropped_before = source.dropped
        second = next(frames)
    finally:
        frames.close()
    assert (first.index, second.index) == (0, 1)
    # At least the frames read before the last one or two were replaced unseen: the consumer got no backlog.
    assert source.dropped - dropped_before >= 4
    assert second.captured_at > first.captured_at
