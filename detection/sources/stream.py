"""Frames from an RTSP/HTTP stream (or any URL OpenCV's FFmpeg backend opens), sampled at a target rate.

On a live stream a reader thread pulls frames as fast as the camera sends them and keeps only the newest, so a slow
consumer always gets a fresh frame instead of a backlog (stale frames are dropped and counted). When the stream
breaks, the reader reopens it with exponential back-off. A local file given as a "stream" is read in order instead,
with times taken from its own clock, which is handy for replaying recordings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from detection.sources.files import SourceError
from detection.types import Frame

Capture = Any  # cv2.VideoCapture or anything with isOpened/read/release/get


@dataclass(frozen=True)
class StreamSettings:
    """How a stream is read.

    target_fps: frames per second handed on (0: every frame). live: drop stale frames and reconnect (None: live
    unless the URL is a local file). backoff_initial_s / backoff_max_s: first and longest wait before reopening.
    max_failures: consecutive failed opens or broken reads before giving up (None: retry forever).
    timeout_s: FFmpeg open and read timeout.
    """

    target_fps: float = 5.0
    live: bool | None = None
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 30.0
    max_failures: int | None = None
    timeout_s: float = 10.0


def open_ffmpeg_capture(url: str, timeout_s: float) -> Capture:
    """An OpenCV FFmpeg capture with open and read timeouts (RTSP over TCP: set OPENCV_FFMPEG_CAPTURE_OPTIONS)."""
    ms = int(timeout_s * 1000)
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms]
    return cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)


class RateSampler:
    """Lets frames through at most `fps` times per second of capture time, without drifting below the rate."""

    def __init__(self, fps: float):
        self.period = 1.0 / fps if fps and fps > 0 else 0.0
        self._due: datetime | None = None

    def accept(self, t: datetime) -> bool:
        """Whether a frame captured at `t` is due."""
        if not self.period:
            return True
        slack = timedelta(microseconds=500)  # frame times like n/25 s are not exact in floating point
        if self._due is not None and t + slack < self._due:
            return False
        period = timedelta(seconds=self.period)
        if self._due is None or t - self._due >= period:
            self._due = t + period  # first frame, or fell behind: restart the schedule here
        else:
            self._due += period
        return True


class StreamSource:
    """Frames from a stream URL; iterate it (once) to receive frames, `close` it to stop."""

    def __init__(
        self,
        url: str,
        settings: StreamSettings | None = None,
        *,
        name: str | None = None,
        open_capture: Callable[[str, float], Capture] = open_ffmpeg_capture,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        wait: Callable[[float], None] | None = None,
    ):
        """open_capture, clock and wait are seams for tests; `wait(seconds)` defaults to an interruptible sleep."""
        self.url = url
        self.settings = settings or StreamSettings()
        self.name = name or url.rsplit("/", 1)[-1] or url
        self.live = self.settings.live if self.settings.live is not None else not Path(url).is_file()
        self._open = open_capture
        self._clock = clock
        self._stop = threading.Event()
        self._wait = wait or (lambda seconds: self._stop.wait(seconds))
        self._cond = threading.Condition()
        self._latest: tuple[np.ndarray, datetime, int] | None = None
        self._ended = False
        self._error: str | None = None
        self._thread: threading.Thread | None = None
        self.dropped = 0  # live frames replaced by a newer one before anyone took them
        self.reconnects = 0  # times the stream was reopened after it broke or failed to open
        self.backoffs: list[float] = []  # waits before each reopen, in order

    def __iter__(self) -> Iterator[Frame]:
        frames = self._live_frames() if self.live else self._recorded_frames()
        sampler = RateSampler(self.settings.target_fps)
        index = 0
        try:
            for image, captured_at, ref in frames:
                if not sampler.accept(captured_at):
                    continue
                yield Frame(image, captured_at, index, ref)
                index += 1
        finally:
            self.close()

    def close(self) -> None:
        """Stop reading and release the stream."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.settings.timeout_s + 1.0)

    def _recorded_frames(self) -> Iterator[tuple[np.ndarray, datetime, str]]:
        capture = self._open(self.url, self.settings.timeout_s)
        if not capture.isOpened():
            raise SourceError(f"cannot open {self.url}")
        start = self._clock()
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        position = 0
        try:
            while not self._stop.is_set():
                ok, image = capture.read()
                if not ok:
                    return
                yield image, start + timedelta(seconds=position / fps), f"{self.name}#{position}"
                position += 1
        finally:
            capture.release()

    def _live_frames(self) -> Iterator[tuple[np.ndarray, datetime, str]]:
        self._thread = threading.Thread(target=self._read_live, name=f"stream:{self.name}", daemon=True)
        self._thread.start()
        taken = 0
        while True:
            with self._cond:
                while not self._stop.is_set() and not self._ended and not self._has_new(taken):
                    self._cond.wait()
                if self._stop.is_set() or not self._has_new(taken):
                    break
                image, captured_at, seq = self._latest
            self.dropped += seq - taken - 1
            taken = seq
            yield image, captured_at, f"{self.name}@{captured_at.isoformat()}"
        if self._error and not self._stop.is_set():
            raise SourceError(self._error)

    def _has_new(self, taken: int) -> bool:
        return self._latest is not None and self._latest[2] != taken

    def _read_live(self) -> None:
        s = self.settings
        delay, failures, seq = s.backoff_initial_s, 0, 0
        try:
            while not self._stop.is_set():
                capture = self._open(self.url, s.timeout_s)
                got_frames = False
                try:
                    while capture.isOpened() and not self._stop.is_set():
                        ok, image = capture.read()
                        if not ok:
                            break
                        got_frames, failures, delay = True, 0, s.backoff_initial_s
                        seq += 1
                        with self._cond:
                            self._latest = (image, self._clock(), seq)
                            self._cond.notify_all()
                finally:
                    capture.release()
                if self._stop.is_set():
                    return
                failures += 0 if got_frames else 1
                if s.max_failures is not None and failures >= s.max_failures:
                    self._error = f"stream {self.url}: gave up after {failures} failed attempts to read it"
                    return
                self.backoffs.append(delay)
                self._wait(delay)
                delay = min(delay * 2.0, s.backoff_max_s)
                self.reconnects += 1
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()
