"""Frames from files: one image, a directory of images, or a video file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from detection.sources.timestamps import ensure_aware, timestamp_from_exif, timestamp_from_name
from detection.types import Frame

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
TimestampMode = Literal["auto", "exif", "filename", "interval"]
# The largest picture decoded (an 8K frame is 33 M): a small file declaring more is a decompression bomb, refused
# from its header before any pixel is allocated. The push API refuses the same (traffic/services/image_check.py).
MAX_PIXELS = 40_000_000


class SourceError(ValueError):
    """A source that cannot be opened or read."""


def read_image(path: str | Path) -> np.ndarray:
    """A BGR image from disk (EXIF orientation applied, 16-bit and CMYK made 8-bit BGR); works with non-ASCII paths.

    Raises SourceError for what is not a decodable image, and for a picture over MAX_PIXELS before decoding it.
    """
    _refuse_bombs(path)
    data = np.fromfile(str(path), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise SourceError(f"cannot read image {path}")
    return image


def _refuse_bombs(path: str | Path) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:  # reads the header only
            width, height = image.size
    except Image.DecompressionBombError as exc:  # PIL's own limit, far above ours
        raise SourceError(f"image {path}: more than {MAX_PIXELS:,} pixels (decompression bomb?)") from exc
    except (OSError, UnidentifiedImageError, ValueError, ImportError):
        # Not for PIL to judge: the decoder below refuses what it cannot read. ImportError: once ultralytics is
        # imported, its patched Image.open answers an unidentified file by importing pi-heif, which we do not ship.
        return
    if width * height > MAX_PIXELS:
        raise SourceError(f"image {path}: {width}x{height} is more than {MAX_PIXELS:,} pixels (decompression bomb?)")


def image_timestamp(
    path: Path,
    mode: TimestampMode,
    assume_tz: tzinfo,
    start: datetime | None = None,
    interval_s: float = 1.0,
    position: int = 0,
) -> datetime:
    """One image's capture time by `mode`; `auto` tries EXIF, then the file name, then `start` + interval."""
    if mode not in ("auto", "exif", "filename", "interval"):
        raise SourceError(f"unknown timestamp mode {mode!r}; use auto, exif, filename or interval")
    if mode == "interval":
        if start is None:
            raise SourceError("interval timestamps need a start time")
        return ensure_aware(start, assume_tz) + timedelta(seconds=interval_s * position)
    if mode in ("auto", "exif"):
        value = timestamp_from_exif(path, assume_tz)
        if value is not None:
            return value
        if mode == "exif":
            raise SourceError(f"{path.name}: no EXIF capture time (DateTimeOriginal)")
    if mode in ("auto", "filename"):
        value = timestamp_from_name(path.name, assume_tz)
        if value is not None:
            return value
        if mode == "filename":
            raise SourceError(f"{path.name}: no date and time in the file name (e.g. 20230601_071530.jpg)")
    if mode == "auto" and start is not None:
        return ensure_aware(start, assume_tz) + timedelta(seconds=interval_s * position)
    raise SourceError(
        f"{path.name}: no capture time in EXIF or the file name; give a start time and an interval instead"
    )


class ImageFileSource:
    """A single image as one frame."""

    def __init__(
        self,
        path: str | Path,
        captured_at: datetime | None = None,
        mode: TimestampMode = "auto",
        assume_tz: tzinfo = timezone.utc,
    ):
        """`captured_at` wins; else the time comes from EXIF or the file name (see `mode`)."""
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"image not found: {self.path}")
        if captured_at is not None:
            self.captured_at = ensure_aware(captured_at, assume_tz)
        else:
            self.captured_at = image_timestamp(self.path, mode, assume_tz)

    def __iter__(self) -> Iterator[Frame]:
        yield Frame(read_image(self.path), self.captured_at, 0, self.path.name)

    def __len__(self) -> int:
        return 1


class DirectorySource:
    """The images of a directory, in capture-time order (ties by name)."""

    def __init__(
        self,
        path: str | Path,
        mode: TimestampMode = "auto",
        start: datetime | None = None,
        interval_s: float = 1.0,
        assume_tz: tzinfo = timezone.utc,
        recursive: bool = False,
    ):
        """Capture times are resolved up front (EXIF headers only), so a missing one fails before any inference.

        mode: "exif", "filename", "interval" (start + n * interval_s in name order), or "auto": EXIF, then the file
        name, then start + interval when a start is given.
        """
        self.path = Path(path)
        if not self.path.is_dir():
            raise SourceError(f"not a directory: {self.path}")
        if interval_s <= 0:
            raise SourceError(f"interval must be positive, got {interval_s}")
        pattern = "**/*" if recursive else "*"
        files = sorted(p for p in self.path.glob(pattern) if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise SourceError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {self.path}")
        timed = [
            (image_timestamp(p, mode, assume_tz, start, interval_s, position), p) for position, p in enumerate(files)
        ]
        timed.sort(key=lambda item: (item[0], str(item[1])))
        self.items: list[tuple[datetime, Path]] = timed
        self.skipped: list[tuple[str, str]] = []  # (file, reason) of each unreadable image, as iteration meets it

    def __iter__(self) -> Iterator[Frame]:
        """The readable images; a file that cannot be read is logged, listed in ``skipped`` and passed over."""
        for index, (captured_at, path) in enumerate(self.items):
            try:
                image = read_image(path)
            except SourceError as exc:
                log.warning("skipped %s", exc)
                self.skipped.append((str(path.relative_to(self.path)), str(exc)))
                continue
            yield Frame(image, captured_at, index, str(path.relative_to(self.path)))

    def __len__(self) -> int:
        return len(self.items)


class VideoFileSource:
    """The frames of a video file; a frame's time is `start` + its position in the video."""

    def __init__(
        self,
        path: str | Path,
        start: datetime | None = None,
        stride: int = 1,
        first_frame: int = 0,
        max_frames: int | None = None,
        assume_tz: tzinfo = timezone.utc,
    ):
        """stride: keep every n-th frame. start: wall-clock time of the first frame (default: the file's
        modification time minus its duration, as recorders close the file when they stop)."""
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"video not found: {self.path}")
        if stride < 1:
            raise SourceError(f"stride must be at least 1, got {stride}")
        capture = cv2.VideoCapture(str(self.path))
        try:
            if not capture.isOpened():
                raise SourceError(f"cannot open video {self.path}")
            fps = capture.get(cv2.CAP_PROP_FPS)
            self.fps = float(fps) if fps and fps > 0 else 25.0
            self.frame_count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        finally:
            capture.release()
        if start is None:
            modified = datetime.fromtimestamp(self.path.stat().st_mtime, tz=timezone.utc)
            start = modified - timedelta(seconds=self.frame_count / self.fps)
        self.start = ensure_aware(start, assume_tz)
        self.stride = stride
        self.first_frame = first_frame
        self.max_frames = max_frames

    def __len__(self) -> int:
        available = max(self.frame_count - self.first_frame, 0)
        count = (available + self.stride - 1) // self.stride
        return count if self.max_frames is None else min(count, self.max_frames)

    def __iter__(self) -> Iterator[Frame]:
        capture = cv2.VideoCapture(str(self.path))
        try:
            if self.first_frame:
                capture.set(cv2.CAP_PROP_POS_FRAMES, self.first_frame)
            position, emitted = self.first_frame, 0
            while self.max_frames is None or emitted < self.max_frames:
                if (position - self.first_frame) % self.stride:
                    if not capture.grab():  # skipped frames are demuxed but never converted
                        return
                    position += 1
                    continue
                ok, image = capture.read()
                if not ok:
                    return
                captured_at = self.start + timedelta(seconds=position / self.fps)
                yield Frame(image, captured_at, emitted, f"{self.path.name}#{position}")
                position += 1
                emitted += 1
        finally:
            capture.release()
