"""`traffic retention run`: remove processed frames past their retention, and report what was freed."""
from __future__ import annotations

import logging

import typer

from traffic.cli.context import echo, load_settings, open_engine
from traffic.db import make_session_factory

app = typer.Typer(help="Frame retention (docs/operations.md).", no_args_is_help=True)


@app.command("run")
def run_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="count what would be removed; remove nothing"),
) -> None:
    """Remove processed frames past TRAFFIC_FRAME_RETENTION_HOURS (sightings' frames past
    TRAFFIC_SIGHTING_FRAME_RETENTION_DAYS), never those of open or held records, and unnamed files."""
    from traffic.services.frame_store import frame_store
    from traffic.services.retention import RetentionPolicy, run_retention
    from traffic.services.utc import utc_now

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    engine = open_engine(settings)
    try:
        report = run_retention(make_session_factory(engine), frame_store(settings),
                               RetentionPolicy.from_settings(settings), utc_now(), dry_run=dry_run)
    finally:
        engine.dispose()
    echo(report.summary())
