"""`traffic demo seed`: fill the configured city with months of realistic history (see services/demo_history.py)."""
from __future__ import annotations

import datetime as dt

import typer

from traffic.cli.context import domain_errors, echo, fail, load_settings, open_engine
from traffic.db import make_session_factory, transaction
from traffic.services.demo_history import default_period, seed_history


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{option} is a date like 2023-06-01")
        raise


def seed_command(
    records: int = typer.Option(..., "--records", min=0, help="enforcement records to make"),
    sightings: int | None = typer.Option(None, "--sightings", min=0, help="sightings in all (default 10 × records)"),
    start: str | None = typer.Option(None, "--from", help="first local day (default: 4 weeks before the campaign)"),
    end: str | None = typer.Option(None, "--to", help="last local day (default: 12 weeks after the campaign start)"),
    seed: int = typer.Option(1, "--seed", help="random seed: the same seed gives the same history"),
) -> None:
    """Fill the configured city with history: a campaign that improves and rebounds, records in every state."""
    settings = load_settings()
    factory = make_session_factory(open_engine(settings))
    with domain_errors(), transaction(factory) as session:
        first, last = default_period(session)
        report = seed_history(session, records=records, sightings=sightings,
                              start=_date(start, "--from") or first, end=_date(end, "--to") or last, seed=seed,
                              default_timezone=settings.timezone)
    echo(f"demo history: {report.summary()}")


def seed_demo(settings, records: int) -> str:
    """The history `traffic demo` adds to the demo city (skipped when that period already has records)."""
    factory = make_session_factory(open_engine(settings))
    with transaction(factory) as session:
        first, last = default_period(session)
        return seed_history(session, records=records, sightings=None, start=first, end=last, seed=1,
                            default_timezone=settings.timezone).summary()


def history_dashboard_path(settings, days: int = 28) -> str:
    """The dashboard over the last ``days`` of the demo history (it lies around the city's campaign start, in the
    past, so the dashboard's default of the last 28 days up to today would show nothing)."""
    factory = make_session_factory(open_engine(settings))
    with transaction(factory) as session:
        _, last = default_period(session)
    return f"/dashboard?from={last - dt.timedelta(days=days - 1)}&to={last}"
