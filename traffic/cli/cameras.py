"""`traffic cameras issue-key CAMERA`: give a camera a new ingest key (the old one stops working).

`traffic cameras status [CAMERA]`: whether the workers can process each camera, or why it is quarantined.
"""
from __future__ import annotations

import typer

from traffic.cli.context import cli_actor, domain_errors, echo, load_settings, open_engine
from traffic.db import make_session_factory, transaction
from traffic.services.camera_health import CameraHealth, all_camera_health, camera_health
from traffic.services.camera_keys import issue_key
from traffic.services.utc import utc_now

app = typer.Typer(help="Camera ingest keys and health.")
STATUS_NAMES = {"ok": "正常 ok", "quarantined": "隔离 quarantined", "retry_due": "待重试 retry due"}


@app.command("issue-key")
def issue_key_command(camera: str = typer.Argument(..., help="camera code")) -> None:
    """Print a new random key for CAMERA and revoke its previous one. Only a hash of the key is stored."""
    engine = open_engine(load_settings())
    with domain_errors(), transaction(make_session_factory(engine)) as session:
        key = issue_key(session, camera, actor=cli_actor())
    echo(key)
    typer.secho(
        f"camera {camera}: new key issued; the previous key no longer works. Send it as the X-Camera-Key header. "
        "It is shown only now.",
        err=True,
    )


@app.command("status")
def status_command(camera: str | None = typer.Argument(None, help="camera code; all cameras when omitted")) -> None:
    """Whether the workers can process each camera; a quarantined one shows why and when it is retried.

    Exits 1 when any shown camera is quarantined, so a monitoring check can call it.
    """
    engine = open_engine(load_settings())
    now = utc_now()
    with domain_errors(), make_session_factory(engine)() as session:
        rows = [camera_health(session, camera, now)] if camera else all_camera_health(session, now)
    for row in rows:
        echo(_status_line(row))
    if any(row.status == "quarantined" for row in rows):
        raise typer.Exit(1)


def _status_line(row: CameraHealth) -> str:
    line = f"{row.camera}\t{STATUS_NAMES[row.status]}\t待处理 waiting {row.waiting_frames}"
    if row.failures:
        retry = row.retry_at.isoformat(timespec="seconds") if row.retry_at else "-"
        line += f"\t连续失败 failures {row.failures}\t重试 retry at {retry}\t原因 reason: {row.reason}"
    return line
