"""`traffic evidence verify RECORD_NO` (or `--all`): check evidence packages from the command line."""
from __future__ import annotations

import json

import typer

from traffic.cli.context import cli_actor, domain_errors, echo, fail, load_settings, open_engine
from traffic.db import make_session_factory
from traffic.services.evidence import EvidenceWriter
from traffic.services.evidence_verify import VerifyReport
from traffic.services.listing import find_record

app = typer.Typer(help="Evidence packages: verify hashes and seals.", no_args_is_help=True)


@app.command("verify")
def verify_command(
    record: str | None = typer.Argument(None, help="record number (or id)"),
    every: bool = typer.Option(False, "--all", help="verify every record (after a restore: docs/operations.md)"),
    as_json: bool = typer.Option(False, "--json", help="print the full report as JSON"),
) -> None:
    """Recompute every hash and HMAC of RECORD's package (or of every record's with --all). Exit 0 when intact,
    1 when anything was altered or is missing."""
    if (record is None) == (not every):
        fail("name one RECORD or give --all")
    settings = load_settings()
    factory = make_session_factory(open_engine(settings))
    writer = EvidenceWriter.from_settings(settings)
    with domain_errors(), factory() as session:
        if every:
            reports = list(writer.verify_all(session))
        else:
            reports = [writer.verify(session, find_record(session, record, actor=cli_actor()))]
    if as_json:
        documents = [r.as_dict() for r in reports]
        echo(json.dumps(documents if every else documents[0], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            _print(report, quiet=every)
    broken = sum(not r.intact for r in reports)
    if every and not as_json:  # --json prints one JSON document and nothing else
        echo(f"{len(reports)} records verified, {len(reports) - broken} intact, {broken} NOT INTACT")
    raise typer.Exit(1 if broken else 0)


def _print(report: VerifyReport, *, quiet: bool) -> None:
    if report.intact:
        if not quiet:  # with --all, only the damaged ones and the total
            echo(f"{report.record_no}: intact ({len(report.files)} files, seal and anti-forgery code valid)")
        return
    echo(f"{report.record_no}: NOT INTACT")
    for problem in report.problems:
        echo(f"  - {problem}")
