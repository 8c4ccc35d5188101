"""Run Alembic migrations from code (the CLI and the tests use this; no alembic.ini needed)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "alembic"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head", *, data_dir: Path | None = None) -> None:
    """Upgrade; ``data_dir`` is where migrations that move files find the frame store (default: TRAFFIC_DATA_DIR)."""
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        config.attributes["data_dir"] = data_dir
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base", *, data_dir: Path | None = None) -> None:
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        config.attributes["data_dir"] = data_dir
        command.downgrade(config, revision)
