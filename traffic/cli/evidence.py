"""`traffic evidence verify RECORD_NO`: check a record's evidence package from the command line."""
from __future__ import annotations

import json

import typer

from traffic.cli.context import cli_actor, domain_errors, echo, load_settings, open_engine
from traffic.db import make_session_factory
from traffic.services.evidence import EvidenceWriter
from traffic.services.listing import find_record

app = typer.Typer(help="Evidence packages: verify hashes and seals.", no_args_is_help=True)


@app.command("verify")
def verify_command(
    record: str = typer.Argument(..., help="record number (or id)"),
    as_json: bool = typer.Option(False, "--json", help="print the full report as JSON"),
) -> None:
    """Recompute every hash and HMAC of RECORD's package. Exit 0 when intact, 1 when anything was altered."""
    settings = load_settings()
    factory = make_session_factory(open_engine(settings))
    with domain_errors(), factory() as session:
        found = find_record(session, record, actor=cli_actor())
        report = EvidenceWriter.from_settings(settings).verify(session, found)
    if as_json:
        echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    elif report.intact:
        echo(f"{report.record_no}: intact ({len(report.files)} files, seal and anti-forgery code valid)")
    else:
        echo(f"{report.record_no}: NOT INTACT")
        for problem in report.problems:
            echo(f"  - {problem}")
    raise typer.Exit(0 if report.intact else 1)
