"""Workers inside `traffic serve`: threads started and stopped with the app, so nothing else has to run."""
from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from traffic.settings import Settings
from traffic.workers.queues import DatabaseQueue, FrameAnnouncer
from traffic.workers.worker import WorkerResources, Worker

log = logging.getLogger(__name__)


class EmbeddedWorkers:
    """``settings.embedded_workers`` worker threads sharing one loaded model.

    With the database queue they share the API's announcer, so a new frame wakes them at once; with Redis each
    thread is a consumer of its own. The model loads in the background: the API answers while it does.
    """

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        announcer: FrameAnnouncer,
        stack: WorkerResources | None = None,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.announcer = announcer
        self.stack = stack
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.workers: list[Worker] = []
        self._ready = threading.Lock()
        self.load_failed = False

    @property
    def model_state(self) -> str:
        """``loaded`` once the shared model is in memory, ``failed`` if loading raised, else ``loading``."""
        if self.stack is not None:
            return "loaded"
        return "failed" if self.load_failed else "loading"

    def start(self) -> None:
        for index in range(self.settings.embedded_workers):
            thread = threading.Thread(target=self._run, name=f"traffic-worker-{index}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask every worker to stop after its current frame, and wait for them."""
        self.stop_event.set()
        for worker in list(self.workers):
            worker.source.close()
        for thread in self.threads:
            thread.join(timeout)

    def _shared_stack(self) -> WorkerResources:
        with self._ready:
            if self.stack is None:
                self.stack = WorkerResources.from_settings(self.settings, self.session_factory)
            return self.stack

    def _run(self) -> None:
        try:
            stack = self._shared_stack()
        except Exception:  # noqa: BLE001 - the API keeps serving; frames wait until the workers can run
            self.load_failed = True
            log.exception("embedded workers cannot start; frames stay queued (run `traffic worker` to see why)")
            return
        source = self.announcer if isinstance(self.announcer, DatabaseQueue) else None
        worker = Worker.build(self.settings, self.session_factory, stack, source=source, stop=self.stop_event)
        self.workers.append(worker)
        if not self.stop_event.is_set():
            worker.run()
