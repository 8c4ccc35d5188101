"""Run Alembic migrations from code (the CLI and the tests use this; no alembic.ini needed)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "alembic"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """A connection inside one transaction. On SQLite, foreign keys are off until it ends and checked before the
    commit (SQLite's own recipe for altering tables): batch mode rebuilds a table by copying it and dropping the old
    one, which enforced keys refuse while other tables' rows point to it. The pragma only takes effect outside a
    transaction, hence on the raw connection before BEGIN."""
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        raw = connection.connection.dbapi_connection
        if sqlite:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration left rows pointing nowhere (table, rowid, parent): "
                                           f"{broken[:5]}")
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine, revision: str = "head", *, data_dir: Path | None = None) -> None:
    """Upgrade; ``data_dir`` is where migrations that move files find the frame store (default: TRAFFIC_DATA_DIR)."""
    with _migrating(engine) as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        config.attributes["data_dir"] = data_dir
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base", *, data_dir: Path | None = None) -> None:
    with _migrating(engine) as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        config.attributes["data_dir"] = data_dir
        command.downgrade(config, revision)
