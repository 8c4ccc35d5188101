"""Helpers shared by CLI commands: settings, engine, and turning domain errors into clean exits."""
from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from sqlalchemy import Engine

from traffic.db import make_engine
from models.enums import Role
from traffic.errors import TrafficError
from traffic.services.actors import Actor
from traffic.settings import Settings


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        fail(f"invalid settings: {exc.errors()[0]['msg']}")
        raise  # unreachable, keeps type checkers calm


def fail(message: str, code: int = 2) -> None:
    typer.secho(f"错误 error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@contextmanager
def domain_errors() -> Iterator[None]:
    """Print a domain error as one readable line and exit non-zero instead of a traceback."""
    try:
        yield
    except TrafficError as exc:
        fail(exc.detail)


def open_engine(settings: Settings) -> Engine:
    return make_engine(settings.database_url)


def echo(message: str) -> None:
    typer.echo(message, file=sys.stdout)


def cli_actor() -> Actor:
    """Who a CLI command acts as in the audit trail: whoever runs it on the server's shell, with an admin's powers."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        user = "unknown"
    return Actor(user_id=None, username=f"cli:{user}"[:64], role=Role.ADMIN, district_ids=None, client="cli")
