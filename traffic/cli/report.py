"""`traffic report`: the work ledger (xlsx, csv) or the rectification report (html, pdf) of a period to a file."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from tqdm import tqdm

from models.enums import Role
from traffic.cli.context import domain_errors, echo, fail, load_settings, open_engine
from traffic.db import make_session_factory
from traffic.services.actors import Actor
from traffic.services.city import city_timezone
from traffic.services.stats.exports import FORMATS, ProgressSink, export
from traffic.services.stats.facts import StatsFilters, resolve
from traffic.services.stats.local_time import Period

# Whoever runs the command on the server reads the whole city, as the database owner could anyway.
OPERATOR = Actor(user_id=None, username="cli", role=Role.ADMIN, district_ids=None, client="cli")


def report_command(
    start: str = typer.Option(..., "--from", help="first local day, e.g. 2023-06-01"),
    end: str = typer.Option(..., "--to", help="last local day, inclusive"),
    district: str | None = typer.Option(None, "--district", help="district code"),
    fmt: str = typer.Option("xlsx", "--format", help="xlsx | csv (the work ledger), html | pdf (the report)"),
    output: Path = typer.Option(..., "-o", "--output", help="file to write"),
) -> None:
    """Write the work ledger (工作台账) or the rectification report (整治情况报告) of a period."""
    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}")
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        fail("--from and --to are dates like 2023-06-01")
        raise
    if last < first:
        fail("--to must not be earlier than --from")
    settings = load_settings()
    factory = make_session_factory(open_engine(settings))
    bar = tqdm(total=0, unit="步" if fmt in ("html", "pdf") else "条", desc=output.name, disable=None)

    def start_bar(total: int) -> None:
        bar.reset(total=total)

    with domain_errors(), factory() as session:
        period = Period(first, last, ZoneInfo(city_timezone(session, settings.timezone)))
        scope = resolve(session, StatsFilters(district=district), OPERATOR)
        made = export(session, period, scope, fmt, dt.datetime.now(dt.UTC), ProgressSink(start_bar, bar.update),
                      font=settings.cjk_font)
    bar.close()
    output.write_bytes(made.content)
    echo(f"{output}: {len(made.content):,} bytes ({fmt})")
