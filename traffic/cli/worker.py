"""`traffic worker`: process pushed frames, on this or any machine that reaches the database (and Redis)."""
from __future__ import annotations

import signal
import threading

import typer

from traffic.cli.context import domain_errors, echo, load_settings, open_engine
from traffic.db import make_session_factory
from traffic.logs import configure_logging


def worker_command(
    until_idle: bool = typer.Option(False, "--until-idle", help="exit once no frame waits instead of running on"),
    metrics_port: int | None = typer.Option(None, help="serve this worker's Prometheus metrics on this port"),
    metrics_host: str = typer.Option("127.0.0.1", help="address for --metrics-port (no token: choose a private one)"),
) -> None:
    """Run one ingest worker until SIGTERM or Ctrl-C (finishing the frame in hand).

    With TRAFFIC_QUEUE_URL=redis://... it consumes the Redis stream; otherwise it polls the database queue.
    """
    from traffic.workers.queues import uses_redis
    from traffic.workers.worker import WorkerResources, Worker

    settings = load_settings()
    configure_logging(settings)
    if metrics_port is not None:
        from prometheus_client import start_http_server

        from traffic.metrics import REGISTRY

        # Its own listener: this process's counters are not in `traffic serve`'s /metrics (docs/operations.md).
        start_http_server(metrics_port, addr=metrics_host, registry=REGISTRY)
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
