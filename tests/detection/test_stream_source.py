"""Stream source: recorded files at a target rate, a live MJPEG server on 127.0.0.1, stale frames, back-off."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice

import cv2
import numpy as np
import pytest

from detection.sources import SourceError, StreamSettings, StreamSource
from detection.sources.stream import RateSampler

T0 = datetime(2023, 6, 1, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("fps", "source_fps", "seconds", "expected"),
    [
        (5.0, 25.0, 2.0, 10),
        (10.0, 25.0, 2.0, 20),  # 25 -> 10 fps must not fall to 8.3 fps by rounding up to whole frames
        (0.0, 25.0, 1.0, 25),
        (30.0, 25.0, 1.0, 25),
        (1.0, 3.0, 3.0, 3),
    ],
)
def test_rate_sampler(fps, source_fps, seconds, expected):
    sampler = RateSampler(fps)
    times = [T0 + timedelta(seconds=n / source_fps) for n in range(int(seconds * source_fps))]
    assert sum(sampler.accept(t) for t in times) == expected


def test_a_recorded_file_through_the_stream_source(jakarta_video):
    source = StreamSource(str(jakarta_video), StreamSettings(target_fps=5.0), clock=lambda: T0)
    assert not source.live
    frames_iter = iter(source)
    frames = list(islice(frames_iter, 4))
    frames_iter.close()
    assert [f.ref for f in frames] == [f"jakarta_street_traffic_20s.mp4#{n}" for n in (0, 5, 10, 15)]
    assert [f.captured_at - T0 for f in frames] == [timedelta(seconds=s) for s in (0, 0.2, 0.4, 0.6)]
    assert [f.index for f in frames] == [0, 1, 2, 3]


def _numbered(n: int) -> np.ndarray:
    """A small frame whose number survives JPEG: 8 big black/white blocks, one bit each."""
    image = np.zeros((32, 256, 3), np.uint8)
    for bit in range(8):
        if n >> bit & 1:
            image[:, bit * 32 : (bit + 1) * 32] = 255
    return image


def _number_of(image: np.ndarray) -> int:
    return sum(1 << bit for bit in range(8) if image[16, bit * 32 + 16].mean() > 127)


class MjpegServer:
    """A tiny multipart/x-mixed-replace server that drops every connection after `per_connection` frames."""

    def __init__(self, per_connection: int):
        self.connections = 0
        self.sent = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.connections += 1
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.end_headers()
                for _ in range(per_connection):
                    server.sent += 1
                    jpeg = cv2.imencode(".jpg", _numbered(server.sent % 256))[1].tobytes()
                    head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
                    try:
                        self.wfile.write(head + jpeg + b"\r\n")
                        self.wfile.flush()
                    except (BrokenPipeError, ConnectionResetError):
                        return

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/stream.mjpg"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_live_mjpeg_stream_reconnects_when_the_server_drops_it():
    with MjpegServer(per_connection=4) as server:
        waits: list[float] = []
        source = StreamSource(
            server.url, StreamSettings(target_fps=0, live=True, timeout_s=5), name="cam1", wait=waits.append
        )
        assert source.live
        frames_iter = iter(source)
        frames = list(islice(frames_iter, 10))
        frames_iter.close()
    numbers = [_number_of(f.image) for f in frames]
    assert numbers == sorted(numbers) and len(set(numbers)) == 10  # newest first never goes backwards
    assert server.connections >= 3 and source.reconnects >= 2
    assert waits[:2] == [1.0, 1.0]  # each reconnect follows frames, so the back-off starts over
    assert all(f.captured_at.tzinfo is not None for f in frames)
    assert [f.index for f in frames] == list(range(10))
    assert frames[0].ref.startswith("cam1@")


class FakeCapture:
    """A capture the test feeds frame by frame; `read` blocks until a frame or the end is queued."""

    def __init__(self, frames=None, opened=True):
        self._frames = list(frames or [])
        self.opened = opened
        self.released = False

    def isOpened(self):
        return self.opened and not self.released

    def read(self):
        if self._frames:
            return True, self._frames.pop(0)
        return False, None

    def get(self, prop):
        return 25.0

    def release(self):
        self.released = True


class GatedCapture(FakeCapture):
    """Blocks each `read` until the test releases the next frame; tells the test when it waits again."""

    def __init__(self, count: int):
        super().__init__()
        self.count = count
        self.served = 0
        self.go = threading.Semaphore(0)
        self.waiting = threading.Condition()
        self.reads = 0

    def read(self):
        with self.waiting:
            self.reads += 1
            self.waiting.notify_all()
        self.go.acquire()
        if self.served >= self.count:
            return False, None
        self.served += 1
        return True, np.full((8, 8, 3), self.served, np.uint8)

    def wait_for_read(self, n: int):
        with self.waiting:
            assert self.waiting.wait_for(lambda: self.reads >= n, timeout=10)


def test_live_stream_hands_on_the_newest_frame_and_counts_stale_ones():
    capture = GatedCapture(count=6)
    source = StreamSource("rtsp://camera/1", StreamSettings(target_fps=0, live=True, max_failures=1),
                          open_capture=lambda url, timeout: capture, wait=lambda s: None)
    frames = iter(source)
    capture.go.release()  # frame 1
    assert next(frames).image[0, 0, 0] == 1
    for _ in range(4):  # frames 2..5 arrive while the consumer is busy elsewhere
        capture.go.release()
    capture.wait_for_read(6)  # the reader published frame 5 and waits for the next one
    assert next(frames).image[0, 0, 0] == 5
    assert source.dropped == 3  # 2, 3 and 4 were stale by the time anyone asked
    capture.go.release()  # frame 6
    assert next(frames).image[0, 0, 0] == 6
    capture.go.release()  # end of stream; max_failures=1 gives up at once
    with pytest.raises(SourceError, match="gave up after 1 failed attempts"):
        next(frames)


@pytest.mark.parametrize(
    ("script", "backoff_max", "expected_waits", "expected_last"),
    [
        # two failed opens, a capture with 2 frames, then failures until max_failures=3 gives up
        (["fail", "fail", 2, "fail", "fail", "fail"], 30.0, [1.0, 2.0, 1.0, 2.0, 4.0], 2),
        (["fail", "fail", 2, "fail", "fail", "fail"], 1.5, [1.0, 1.5, 1.0, 1.5, 1.5], 2),
        (["fail", "fail", "fail"], 30.0, [1.0, 2.0], None),
        ([3, 1, "fail", "fail", "fail"], 30.0, [1.0, 1.0, 2.0, 4.0], 1),
    ],
)
def test_reconnect_back_off(script, backoff_max, expected_waits, expected_last):
    script = list(script)

    def open_capture(url, timeout):
        step = script.pop(0)
        if step == "fail":
            return FakeCapture(opened=False)
        return FakeCapture([np.full((8, 8, 3), n + 1, np.uint8) for n in range(step)])

    waits: list[float] = []
    settings = StreamSettings(target_fps=0, live=True, max_failures=3, backoff_max_s=backoff_max)
    source = StreamSource("rtsp://camera/1", settings, open_capture=open_capture, wait=waits.append)
    received = []
    with pytest.raises(SourceError, match="gave up after 3 failed attempts"):
        for frame in source:
            received.append(int(frame.image[0, 0, 0]))
    assert waits == expected_waits
    assert (received[-1] if received else None) == expected_last
    assert not script
