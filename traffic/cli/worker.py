"""`traffic worker`: process pushed frames, on this or any machine that reaches the database (and Redis)."""
from __future__ import annotations

import logging
import signal
import threading

import typer

from traffic.cli.context import domain_errors, echo, load_settings, open_engine
from traffic.db import make_session_factory


def worker_command(
    until_idle: bool = typer.Option(False, "--until-idle", help="exit once no frame waits instead of running on"),
) -> None:
    """Run one ingest worker until SIGTERM or Ctrl-C (finishing the frame in hand).

    With TRAFFIC_QUEUE_URL=redis://... it consumes the Redis stream; otherwise it polls the database queue.
    """
    from traffic.workers.queues import uses_redis
    from traffic.workers.worker import WorkerResources, Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    factory = make_session_factory(open_engine(settings))
    with domain_errors():
        stack = WorkerResources.from_settings(settings, factory)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    worker = Worker.build(settings, factory, stack, stop=stop)
    echo(f"worker {worker.processor.leases.worker_id} on {'Redis' if uses_redis(settings) else 'the database'} queue")
    worker.run(until_idle=until_idle)
    echo(f"processed {worker.frames_handled} frames")
