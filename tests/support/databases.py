"""Fresh, empty databases for tests on every backend the suite runs against (SQLite and PostgreSQL)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.support.data import unavailable

PG_URL = os.environ.get("TRAFFIC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def selected_backends() -> list[str]:
    raw = os.environ.get("TRAFFIC_TEST_BACKENDS", "sqlite,postgresql")
    return [b.strip() for b in raw.split(",") if b.strip()]


def require_postgres() -> None:
    """Fail in CI, skip elsewhere, when PostgreSQL cannot be reached."""
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except OperationalError as exc:
        unavailable(f"PostgreSQL at {PG_URL} is not reachable (mandatory in CI): {exc.orig}")


@contextmanager
def fresh_database(backend: str, workdir: Path) -> Iterator[str]:
    """Yield the URL of a new empty database; drop it afterwards."""
    if backend == "sqlite":
        path = workdir / f"test-{uuid.uuid4().hex[:8]}.sqlite3"
        yield f"sqlite:///{path}"
        return
    if backend != "postgresql":
        raise ValueError(f"unknown backend {backend!r}")
    require_postgres()
    name = f"traffic_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
