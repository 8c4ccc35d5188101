"""A tiny stand-in for the vision pipeline and the recorder, to test the queue mechanics in milliseconds.

The fake pipeline's checkpoint is the list of frame ids it has processed, in order, so a test can read from the
database exactly which frames the camera's tracking has seen and in which order.
"""
from __future__ import annotations

import datetime as dt
import json
import threading


class FakePipeline:
    def __init__(self, seen: list[str], failing: set[str]) -> None:
        self.seen = seen
        self.failing = failing
        self.finished = False

    def process(self, frame) -> list:
        if frame.ref in self.failing:
            raise RuntimeError(f"cannot process {frame.ref}")
        assert frame.image.shape[2] == 3 and frame.captured_at.tzinfo is not None
        self.seen.append(frame.ref)
        return []

    def finish(self) -> list:
        self.finished = True
        return []

    def checkpoint(self) -> bytes:
        return json.dumps(self.seen).encode()


class FakePipelineFactory:
    def __init__(self, failing: set[str] | None = None) -> None:
        self.failing = failing or set()
        self.lock = threading.Lock()

    def generation(self, session) -> int:
        return 0

    def choose(self, session, camera_id: int) -> None:
        return None  # no detector versions: the fake recorder does not write sightings

    def pipeline_for(self, camera, state: bytes | None = None, *, inertia: int = 3, detector=None) -> FakePipeline:
        return FakePipeline(json.loads(state) if state else [], self.failing)


class FakeRecorder:
    """Remembers what it was asked to record: (track prefix, frame pk or None for an end of tracks)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int | None]] = []

    def apply(self, session, camera, events, *, source, track_prefix, frame_pk, images,
              detector_version_id=None) -> list:
        assert source == "push"
        self.calls.append((track_prefix, frame_pk))
        return []


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)
