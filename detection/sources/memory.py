"""Frames handed in from memory: pushed snapshots, frames decoded elsewhere, tests."""

from __future__ import annotations

import queue
from collections.abc import Iterable, Iterator
from datetime import datetime

import cv2
import numpy as np

from detection.sources.files import SourceError
from detection.types import Frame

_CLOSED = object()


def decode_image(data: bytes) -> np.ndarray:
    """A BGR image from encoded bytes (JPEG, PNG, ...)."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if image is None:
        raise SourceError("cannot decode image bytes")
    return image


def frames_from_memory(items: Iterable[tuple[np.ndarray | bytes, datetime, str]]) -> Iterator[Frame]:
    """Frames from (image or encoded bytes, aware capture time, ref) tuples, numbered in order."""
    for index, (image, captured_at, ref) in enumerate(items):
        array = decode_image(image) if isinstance(image, (bytes, bytearray, memoryview)) else image
        yield Frame(array, captured_at, index, ref)


class FrameQueue:
    """A source fed from another thread: `push` frames, `close` when done, iterate to consume them in order."""

    def __init__(self, maxsize: int = 64):
        """maxsize bounds memory: `push` blocks when the consumer falls this far behind."""
        self._queue: queue.Queue = queue.Queue(maxsize)
        self._count = 0
        self._closed = False

    def push(self, image: np.ndarray | bytes, captured_at: datetime, ref: str) -> Frame:
        """Queue one frame (decoded if bytes); the capture time must be timezone-aware."""
        if self._closed:
            raise SourceError("frame queue is closed")
        array = decode_image(bytes(image)) if isinstance(image, (bytes, bytearray, memoryview)) else image
        frame = Frame(array, captured_at, self._count, ref)
        self._count += 1
        self._queue.put(frame)
        return frame

    def close(self) -> None:
        """No more frames: iteration ends after the queued ones."""
        if not self._closed:
            self._closed = True
            self._queue.put(_CLOSED)

    def __iter__(self) -> Iterator[Frame]:
        while True:
            item = self._queue.get()
            if item is _CLOSED:
                return
            yield item
