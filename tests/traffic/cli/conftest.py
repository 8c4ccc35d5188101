"""What the CLI tests share: a fresh, empty database per test and the environment the `traffic` command reads."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from tests.support.databases import fresh_database
from traffic import migrate
from traffic.cli.main import app
from traffic.db import make_engine, make_session_factory


@pytest.fixture()
def database(backend: str, tmp_path: Path, monkeypatch) -> Iterator[str]:
    """A fresh database (not migrated) that the CLI uses through TRAFFIC_DATABASE_URL; its URL."""
    with fresh_database(backend, tmp_path) as url:
        monkeypatch.setenv("TRAFFIC_DATABASE_URL", url)
        monkeypatch.setenv("TRAFFIC_DATA_DIR", str(tmp_path / "data"))
        yield url


@pytest.fixture()
def migrated(database: str):
    """The `database`, migrated to the head: a session factory on it."""
    engine = make_engine(database)
    migrate.upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture()
def cli():
    """Run `traffic ARGS...` in this process; exceptions propagate, so a traceback fails the test."""

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), catch_exceptions=False)

    return run
