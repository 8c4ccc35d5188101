"""`traffic webhooks dispatch`: send queued webhook deliveries (``traffic serve`` also does this in a thread)."""
from __future__ import annotations

import signal
import threading

import httpx
import typer

from traffic.cli.context import echo, load_settings, open_engine
from traffic.db import make_session_factory
from traffic.services.utc import utc_now
from traffic.workers.webhook_dispatch import WebhookDispatcher

app = typer.Typer(help="Webhook deliveries.", no_args_is_help=True)


@app.command("dispatch")
def dispatch_command(once: bool = typer.Option(False, "--once", help="one pass over due deliveries, then exit")
                     ) -> None:
    """Send due deliveries, retrying failures with back-off; runs until interrupted unless --once."""
    settings = load_settings()
    factory = make_session_factory(open_engine(settings))
    dispatcher = WebhookDispatcher.from_settings(settings)
    with httpx.Client(follow_redirects=False) as client:
        if once:
            report = dispatcher.run_once(factory, client, utc_now())
            echo(f"delivered {report.delivered}, to retry {report.retried}, given up {report.failed}")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            dispatcher.run_forever(factory, client, stop, settings.webhook_poll_interval)
        except KeyboardInterrupt:
            stop.set()
