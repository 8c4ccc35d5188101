"""`traffic config apply|export`: the city file in and out of the database."""
from __future__ import annotations

from pathlib import Path

import typer

from traffic.cli.context import cli_actor, domain_errors, echo, load_settings, open_engine
from traffic.db import make_session_factory, transaction
from traffic.services.city import apply_config_audited, export_config
from traffic.services.city_file import check_references, dump_city, load_city_file

app = typer.Typer(help="Apply or export the city configuration (districts, segments, cameras, slots, rules).")


def apply_city_file(engine, path: Path, *, prune: bool, dry_run: bool = False):
    """Validate the whole file first, then apply it in one transaction (all or nothing)."""
    config, lines = load_city_file(path)
    with transaction(make_session_factory(engine)) as session:
        check_references(session, config, lines, path, prune=prune)
        report = apply_config_audited(session, cli_actor(), config, prune=prune)
        if dry_run:
            session.rollback()  # what is left for the helper to commit is nothing
        return report


@app.command("apply")
def apply_command(
    file: Path = typer.Argument(..., help="city YAML file"),
    prune: bool = typer.Option(False, "--prune", help="also delete what the file no longer lists"),
    dry_run: bool = typer.Option(False, "--dry-run", help="validate and report, change nothing"),
) -> None:
    """Create and update what FILE lists; idempotent."""
    settings = load_settings()
    engine = open_engine(settings)
    with domain_errors():
        report = apply_city_file(engine, file, prune=prune, dry_run=dry_run)
    for label, bucket in (("created", report.created), ("updated", report.updated), ("deleted", report.deleted)):
        for section, keys in bucket.items():
            echo(f"{label:8} {section}: {', '.join(keys)}")
    echo(("(dry run) " if dry_run else "") + report.summary())


@app.command("export")
def export_command(
    output: Path | None = typer.Option(None, "--output", "-o", help="write here instead of standard output"),
) -> None:
    """Write the stored city configuration as a city file."""
    settings = load_settings()
    engine = open_engine(settings)
    with domain_errors(), transaction(make_session_factory(engine)) as session:
        text = dump_city(export_config(session))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        echo(f"wrote {output}")
