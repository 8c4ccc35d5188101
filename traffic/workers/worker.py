"""A worker: takes cameras with waiting frames from its work source and drains them, until told to stop."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from traffic.settings import Settings
from traffic.workers.frames import cameras_with_waiting_frames
from traffic.workers.processor import CameraProcessor, PipelineFactoryLike, RecorderLike
from traffic.workers.queues import DatabaseQueue, WorkSource, uses_redis

log = logging.getLogger(__name__)


def new_worker_id() -> str:
    """host:pid:random, unique per worker even when several run in one process."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class WorkerResources:
    """What every worker of a process shares: the loaded model (behind its lock) and the recorder."""

    pipelines: PipelineFactoryLike
    recorder: RecorderLike

    @classmethod
    def from_settings(cls, settings: Settings, session_factory: sessionmaker[Session] | None = None) -> WorkerResources:
        """Load the model and build the recorder (evidence dates in the city file's timezone when it is known)."""
        from traffic.services.recorder_factory import build_recorder
        from traffic.vision import PipelineFactory

        pipelines = PipelineFactory.from_settings(settings)
        return cls(pipelines, build_recorder(settings, session_factory))


class Worker:
    """Drains cameras announced by ``source`` through ``processor``; also ends the tracks of quiet cameras."""

    def __init__(
        self,
        processor: CameraProcessor,
        source: WorkSource,
        settings: Settings,
        stop: threading.Event | None = None,
    ) -> None:
        self.processor = processor
        self.source = source
        self.settings = settings
        self.stop = stop or threading.Event()
        self.frames_handled = 0
        self._next_quiet_check = 0.0

    @classmethod
    def build(
        cls,
        settings: Settings,
        session_factory: sessionmaker[Session],
        stack: WorkerResources,
        *,
        source: WorkSource | None = None,
        stop: threading.Event | None = None,
        worker_id: str | None = None,
    ) -> Worker:
        """A worker on the configured queue (Redis when TRAFFIC_QUEUE_URL is set, else the database)."""
        worker_id = worker_id or new_worker_id()
        if source is None:
            if uses_redis(settings):
                from traffic.workers.redis_queue import RedisStreamQueue

                source = RedisStreamQueue(settings, session_factory, consumer=worker_id)
            else:
                source = DatabaseQueue(session_factory)
        processor = CameraProcessor(session_factory, stack.pipelines, stack.recorder, settings, worker_id)
        return cls(processor, source, settings, stop)

    def run(self, *, until_idle: bool = False) -> None:
        """Work until ``stop`` is set (or, with ``until_idle``, until no frame waits anywhere)."""
        log.info("worker %s started", self.processor.leases.worker_id)
        while not self.stop.is_set():
            try:
                busy = self.run_once(block_s=0 if until_idle else self.settings.worker_poll_s)
                if until_idle and not busy:
                    if not self._frames_wait():
                        break
                    self.stop.wait(self.settings.worker_poll_s)  # frames wait, but another worker holds them
            except Exception:  # noqa: BLE001 - a database or broker hiccup must not end the worker
                log.exception("worker round failed; retrying")
                self.stop.wait(self.settings.worker_poll_s)
        self.source.close()
        log.info("worker %s stopped after %d frames", self.processor.leases.worker_id, self.frames_handled)

    def run_once(self, block_s: float = 0.0) -> bool:
        """One round: drain every camera the source names; True when any frame was handled."""
        handled = 0
        for camera_id in self.source.take(block_s):
            if self.stop.is_set():
                break
            count = self.processor.drain(camera_id)
            self.source.settle(camera_id, drained=count is not None)
            handled += count or 0
        self.frames_handled += handled
        now = time.monotonic()
        if now >= self._next_quiet_check:
            self._next_quiet_check = now + max(0.5, self.settings.camera_quiet_s / 4)
            handled += self.processor.finish_quiet_cameras()
        self.source.maintain()
        return handled > 0

    def _frames_wait(self) -> bool:
        """Frames wait that some worker will do; a quarantined camera's frames wait for its retry, not for us."""
        with self.processor.session_factory() as session:
            return bool(cameras_with_waiting_frames(session, limit=1, workable_at=self.processor.clock()))
