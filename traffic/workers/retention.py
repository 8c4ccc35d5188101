"""Retention on a schedule inside `traffic serve`: a thread that runs it every TRAFFIC_RETENTION_INTERVAL_MINUTES."""
from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from traffic.services.frame_store import frame_store
from traffic.services.retention import RetentionPolicy, run_retention
from traffic.services.utc import utc_now
from traffic.settings import Settings

log = logging.getLogger(__name__)


class RetentionSchedule:
    """Runs retention every interval (the first one interval after start, so a restart loop does not hammer the
    store), until stopped; a failed run waits for the next."""

    def __init__(self, settings: Settings, session_factory: sessionmaker[Session]) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.settings.retention_interval_minutes <= 0:
            return
        self.thread = threading.Thread(target=self._run, name="traffic-retention", daemon=True)
        self.thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self) -> None:
        store = frame_store(self.settings)
        policy = RetentionPolicy.from_settings(self.settings)
        while not self.stop_event.wait(self.settings.retention_interval_minutes * 60):
            try:
                run_retention(self.session_factory, store, policy, utc_now())
            except Exception:  # noqa: BLE001 - the server goes on; the next run tries again
                log.exception("retention run failed")
