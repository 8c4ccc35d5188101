"""`traffic cameras issue-key CAMERA`: give a camera a new ingest key (the old one stops working)."""
from __future__ import annotations

import typer

from traffic.cli.common import cli_actor, domain_errors, echo, load_settings, open_engine
from traffic.db import make_session_factory, transaction
from traffic.services.camera_keys import issue_key

app = typer.Typer(help="Camera ingest keys.")


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
