"""Shared fixtures: a migrated database per backend, a rolled-back session per test, and an API client."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models import Role
from tests.support.auth import TEST_PASSWORD_COST, headers_for
from tests.support.data import unavailable
from tests.support.databases import fresh_database, selected_backends
from traffic import migrate
from traffic.app import create_app
from traffic.db import make_engine
from traffic.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
# The product runs the starter model unless a city sets its own; the tests run the small synthetic demo model, whose
# sightings on the demo footage are exact and which is several times faster on a CPU. Set here, before any Settings
# is built, so subprocesses (`traffic worker`, `traffic serve`) inherit it. The starter's own tests name it.
os.environ.setdefault("TRAFFIC_MODEL_PATH", str(REPO_ROOT / "traffic" / "demo" / "demo_model.pt"))


@pytest.fixture(scope="session", params=selected_backends())
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def migrated_engine(backend: str, tmp_path_factory) -> Iterator[Engine]:
    with fresh_database(backend, tmp_path_factory.mktemp(backend)) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        yield engine
        engine.dispose()


@pytest.fixture()
def connection(migrated_engine: Engine):
    """One connection per test inside an outer transaction that is rolled back, so tests never see each other."""
    with migrated_engine.connect() as connection:
        outer = connection.begin()
        yield connection
        if outer.is_active:
            outer.rollback()


@pytest.fixture()
def session_factory(connection) -> sessionmaker[Session]:
    return sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")


@pytest.fixture()
def session(session_factory) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture()
def settings(tmp_path: Path, migrated_engine: Engine) -> Settings:
    return Settings(
        env="test",
        database_url=migrated_engine.url.render_as_string(hide_password=False),
        data_dir=tmp_path / "data",
        **TEST_PASSWORD_COST,
    )


@pytest.fixture()
def app(settings: Settings, migrated_engine: Engine, session_factory):
    app = create_app(settings, engine=migrated_engine)
    app.state.session_factory = session_factory
    return app


@pytest.fixture()
def admin_headers(session) -> dict[str, str]:
    """Signs a request in as an admin of the whole city (every route is closed by default)."""
    return headers_for(session, Role.ADMIN)


@pytest.fixture()
def client(app, admin_headers) -> Iterator[TestClient]:
    """A client signed in as an admin, so tests of features other than access control need no auth code."""
    with TestClient(app, headers=admin_headers) as client:
        yield client


@pytest.fixture()
def anonymous_client(app) -> Iterator[TestClient]:
    """A client that sends no credentials."""
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="session")
def cjk_font():
    """The CJK font installed with the package (manimgx-fonts-cjk) for synthetic plates."""
    from tools.synth import plates

    try:
        return plates.find_cjk_font()
    except plates.FontNotFoundError as error:
        unavailable(str(error))
