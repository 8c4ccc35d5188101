"""`traffic db upgrade|downgrade`: schema migrations."""
from __future__ import annotations

import typer

from traffic import migrate
from traffic.cli.context import echo, load_settings, open_engine

app = typer.Typer(help="Database schema migrations.")


@app.command("upgrade")
def upgrade_command(revision: str = typer.Argument("head")) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    engine = open_engine(load_settings())
    migrate.upgrade(engine, revision)
    echo(f"database at {revision} ({engine.url.render_as_string(hide_password=True)})")


@app.command("downgrade")
def downgrade_command(revision: str = typer.Argument(..., help="target revision, or 'base' to drop everything")) -> None:
    """Migrate the database back to REVISION."""
    engine = open_engine(load_settings())
    migrate.downgrade(engine, revision)
    echo(f"database at {revision}")
