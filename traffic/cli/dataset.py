"""`traffic dataset export`: a YOLO training set from reviewed records (docs/demo-model.md, the training loop)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from traffic.cli.context import domain_errors, echo, load_settings, open_engine
from traffic.db import make_session_factory
from traffic.services.dataset_export import export_dataset
from traffic.services.frame_store import frame_store

app = typer.Typer(help="Training data from the reviewers' decisions.", no_args_is_help=True)
DAY = ["%Y-%m-%d"]


@app.command("export")
def export_command(
    start: Annotated[dt.datetime, typer.Option("--from", help="First local day of capture (YYYY-MM-DD).",
                                               formats=DAY)],
    end: Annotated[dt.datetime, typer.Option("--to", help="Last local day of capture (YYYY-MM-DD).", formats=DAY)],
    out: Annotated[Path, typer.Option("-o", "--out", help="New folder for the dataset.")],
    district: Annotated[str | None, typer.Option(help="Only this district's records (its code).")] = None,
    val_fraction: Annotated[float, typer.Option(help="Share of camera/day groups held out.", min=0.0, max=0.9)]
    = 0.2,
) -> None:
    """Write images/ and labels/ (train|val), data.yaml, class_map.yaml and a dataset card README.md."""
    settings = load_settings()
    engine = open_engine(settings)
    with domain_errors(), make_session_factory(engine)() as session:
        report = export_dataset(session, settings.data_dir / "evidence", out, start=start.date(), end=end.date(),
                                district=district, default_timezone=settings.timezone, val_fraction=val_fraction,
                                store=frame_store(settings))
    echo(f"{out / 'data.yaml'}: {report.summary()}")
