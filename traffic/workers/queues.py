"""Where workers learn which cameras have frames: the database itself (default) or Redis Streams (scale-out).

Either way the database stays the truth (frames, statuses, checkpoints); a queue only tells workers where to look.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from traffic.settings import Settings
from traffic.workers.frames import cameras_with_waiting_frames


class FrameAnnouncer(Protocol):
    """The API's side: called after a new frame is committed."""

    def announce(self, frame_id: str, camera_id: int) -> None: ...


class WorkSource(Protocol):
    """The worker's side."""

    def take(self, block_s: float) -> list[int]:
        """Cameras that may have waiting frames; waits up to ``block_s`` when there are none."""

    def settle(self, camera_id: int, drained: bool) -> None:
        """Called after the worker tried ``camera_id``; ``drained`` is False when another worker held it."""

    def maintain(self) -> None:
        """Periodic housekeeping (Redis: claim messages of dead workers, re-announce forgotten frames)."""

    def close(self) -> None: ...


class DatabaseQueue:
    """The embedded queue: waiting frames are found by querying the database; announcements wake local workers."""

    def __init__(
        self,
        session_factory: sessionmaker[Session] | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock  # leases and quarantines are compared with it
        self._wake = threading.Event()

    def announce(self, frame_id: str, camera_id: int) -> None:
        self._wake.set()

    def take(self, block_s: float) -> list[int]:
        cameras = self._query()
        if cameras or block_s <= 0:
            return cameras
        self._wake.wait(block_s)
        self._wake.clear()
        return self._query()

    def _query(self) -> list[int]:
        # Cameras another worker holds, and quarantined ones, are left out: trying them again would only spin.
        assert self.session_factory is not None, "a worker's queue needs a session factory"
        with self.session_factory() as session:
            return cameras_with_waiting_frames(session, free_at=self.clock())

    def settle(self, camera_id: int, drained: bool) -> None:
        return None

    def maintain(self) -> None:
        return None

    def close(self) -> None:
        self._wake.set()


def uses_redis(settings: Settings) -> bool:
    return bool(settings.queue_url)


def make_announcer(settings: Settings, session_factory: sessionmaker[Session]) -> FrameAnnouncer:
    """The API's announcer for the configured queue (nothing connects until the first announcement).

    With the database queue, the same object is the embedded workers' work source, so an announcement wakes them.
    """
    if uses_redis(settings):
        from traffic.workers.redis_queue import RedisStreamQueue

        return RedisStreamQueue(settings, session_factory, consumer=None)
    return DatabaseQueue(session_factory)
