"""Migrations build exactly the models' schema on an empty database, and take it down again."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from models import Base
from tests.support.databases import fresh_database, selected_backends
from traffic import migrate
from traffic.db import make_engine


@pytest.mark.parametrize("backend", selected_backends())
def test_upgrade_head_matches_models_and_downgrade_base_empties(backend: str, tmp_path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            with engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                diff = compare_metadata(context, Base.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())

            migrate.downgrade(engine, "base")
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

            migrate.upgrade(engine)  # and back up again, as an operator rolling forward would
            assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        finally:
            engine.dispose()
