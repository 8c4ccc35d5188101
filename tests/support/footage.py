"""Real camera footage as a camera would push it: JPEG snapshots with capture times, and a model to process them."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2

from tests.support.data import JAKARTA_VIDEO, require
# The road in the Jakarta clip (normalised polygon, as in tests/detection/test_jakarta_pipeline.py).
JAKARTA_ROAD = [[0.34, 0.62], [0.68, 0.62], [0.80, 1.0], [0.27, 1.0]]
VIDEO_FPS = 25.0
# A Monday morning in the campaign period, local time of the demo city.
FOOTAGE_START = dt.datetime(2023, 6, 5, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@dataclass(frozen=True)
class Snapshot:
    """One JPEG a camera would push, with its capture time."""

    jpeg: bytes
    captured_at: dt.datetime
    index: int

    @property
    def captured_at_text(self) -> str:
        return self.captured_at.isoformat()


@lru_cache(maxsize=4)
def _read_snapshots(count: int, stride: int, video: Path = JAKARTA_VIDEO, fps: float = VIDEO_FPS,
                    start: dt.datetime = FOOTAGE_START) -> tuple[Snapshot, ...]:
    capture = cv2.VideoCapture(str(video))
    snapshots: list[Snapshot] = []
    index = 0
    try:
        while len(snapshots) < count:
            ok, image = capture.read()
            if not ok:
                break
            if index % stride == 0:
                encoded, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
                assert encoded
                at = start + dt.timedelta(seconds=index / fps)
                snapshots.append(Snapshot(jpeg.tobytes(), at, index))
            index += 1
    finally:
        capture.release()
    return tuple(snapshots)


def street_snapshots(count: int, stride: int = 2) -> list[Snapshot]:
    """The first ``count`` snapshots of the Jakarta street clip, every ``stride``-th video frame."""
    require(JAKARTA_VIDEO)
    return list(_read_snapshots(count, stride))


DEMO_DIR = Path(__file__).resolve().parents[2] / "traffic" / "demo"
DEMO_VIDEO = DEMO_DIR / "demo.mp4"
DEMO_FPS = 10.0
# The demo's own start: a Monday in the morning peak after the grace period (see traffic/cli/main.py).
DEMO_START = dt.datetime(2023, 7, 3, 7, 58, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def demo_snapshots(count: int = 10_000) -> list[Snapshot]:
    """The demo footage as JPEG snapshots with their capture times (every frame, 10 per second)."""
    require(DEMO_VIDEO)
    return list(_read_snapshots(count, 1, DEMO_VIDEO, DEMO_FPS, DEMO_START))
