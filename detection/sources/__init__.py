"""Frame sources: every source yields `Frame`s with an aware capture time and a stable `ref`.

`open_source` picks one from a path or URL for the CLI; the classes can also be built directly.
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from pathlib import Path

from detection.sources.files import (
    IMAGE_SUFFIXES,
    DirectorySource,
    ImageFileSource,
    SourceError,
    TimestampMode,
    VideoFileSource,
    read_image,
)
from detection.sources.memory import FrameQueue, decode_image, frames_from_memory
from detection.sources.stream import StreamSettings, StreamSource
from detection.sources.timestamps import timestamp_from_exif, timestamp_from_name

__all__ = [
    "DirectorySource",
    "FrameQueue",
    "ImageFileSource",
    "SourceError",
    "StreamSettings",
    "StreamSource",
    "TimestampMode",
    "VideoFileSource",
    "decode_image",
    "frames_from_memory",
    "open_source",
    "read_image",
    "timestamp_from_exif",
    "timestamp_from_name",
]

STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")


def open_source(
    spec: str,
    *,
    start: datetime | None = None,
    interval_s: float = 1.0,
    timestamps: TimestampMode = "auto",
    stride: int = 1,
    target_fps: float = 5.0,
    assume_tz: tzinfo = timezone.utc,
):
    """A source for a URL, a directory, an image or a video file."""
    if spec.lower().startswith(STREAM_SCHEMES):
        return StreamSource(spec, StreamSettings(target_fps=target_fps, live=True))
    path = Path(spec)
    if path.is_dir():
        return DirectorySource(path, timestamps, start, interval_s, assume_tz)
    if not path.exists():
        raise SourceError(f"source not found: {spec}")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageFileSource(path, start, timestamps if timestamps != "interval" else "auto", assume_tz)
    return VideoFileSource(path, start=start, stride=stride, assume_tz=assume_tz)
