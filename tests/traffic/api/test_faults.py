"""Faults the API meets: the database unreachable (503 with Retry-After, then recovery without a restart) and a full
disk (507, nothing stored). No accepted frame is lost in either."""
from __future__ import annotations

import errno

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from models import IngestFrame, Role
from tests.support.auth import TEST_PASSWORD_COST, headers_for
from tests.support.databases import fresh_database
from tests.support.footage import street_snapshots
from tests.support.ingest import apply_ingest_city, post_snapshot
from tests.support.tcp_proxy import tcp_proxy
from traffic import migrate
from traffic.app import create_app
from traffic.db import make_engine, make_session_factory, transaction
from traffic.settings import Settings


@pytest.fixture(scope="module")
def snapshots():
    return street_snapshots(3)


def _frame_ids(factory) -> set[str]:
    with factory() as session:
        return set(session.scalars(select(IngestFrame.frame_id)))


def test_postgresql_unreachable_answers_503_and_recovers_by_itself(tmp_path, snapshots) -> None:
    with fresh_database("postgresql", tmp_path) as url:
        direct = make_engine(url)
        migrate.upgrade(direct)
        with transaction(make_session_factory(direct)) as session:
            keys = apply_ingest_city(session)
            admin = headers_for(session, Role.ADMIN)
        parsed = make_url(url)
        with tcp_proxy(parsed.host, parsed.port or 5432) as proxy:
            proxied = make_engine(parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
                                  connect_args={"connect_timeout": 5})
            settings = Settings(env="test", database_url=url, data_dir=tmp_path / "data", db_retry_after_s=7,
                                **TEST_PASSWORD_COST)
            with TestClient(create_app(settings, engine=proxied)) as client:
                assert post_snapshot(client, snapshots[0], keys["CAM-A"], frame_id="f-0").status_code == 202
                assert client.get("/api/v1/records", headers=admin).status_code == 200

                proxy.cut()  # the pooled connections die and no new one gets through
                for _ in range(2):  # the pool's dead connection, then a fresh attempt: both refused cleanly
                    down = post_snapshot(client, snapshots[1], keys["CAM-A"], frame_id="f-1")
                    assert down.status_code == 503, down.text
                    assert down.headers["Retry-After"] == "7"
                    assert down.json()["error"] == "ServiceUnavailable"
                listing = client.get("/api/v1/records", headers=admin)
                assert (listing.status_code, listing.headers.get("Retry-After")) == (503, "7")
                assert client.get("/readyz").status_code == 503

                proxy.restore()  # no restart of the app: pool_pre_ping replaces the dead connections
                assert post_snapshot(client, snapshots[1], keys["CAM-A"], frame_id="f-1").status_code == 202
                assert post_snapshot(client, snapshots[2], keys["CAM-A"], frame_id="f-2").status_code == 202
                assert client.get("/api/v1/records", headers=admin).status_code == 200
                assert client.get("/readyz").status_code == 200
            proxied.dispose()
        assert _frame_ids(make_session_factory(direct)) == {"f-0", "f-1", "f-2"}  # nothing lost, nothing doubled
        direct.dispose()


@pytest.fixture()
def keys(session) -> dict[str, str]:
    keys = apply_ingest_city(session)
    session.commit()
    return keys


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT], ids=["ENOSPC", "EDQUOT"])
def test_a_full_disk_refuses_the_frame_with_507_and_stores_nothing(client, connection, session, keys, snapshots,
                                                                   code) -> None:
    assert post_snapshot(client, snapshots[0], keys["CAM-A"], frame_id="before").status_code == 202

    def full(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INGEST_FRAMES"):
            raise OSError(code, "No space left on device")  # where the frame's bytes are written

    event.listen(connection, "before_cursor_execute", full)
    try:
        refused = post_snapshot(client, snapshots[1], keys["CAM-A"], frame_id="during")
    finally:
        event.remove(connection, "before_cursor_execute", full)
    assert refused.status_code == 507, refused.text
    assert refused.json()["error"] == "InsufficientStorage"
    assert session.scalar(select(func.count()).select_from(IngestFrame)) == 1  # nothing written halfway
    assert post_snapshot(client, snapshots[1], keys["CAM-A"], frame_id="during").status_code == 202  # sent again


def test_any_write_that_meets_a_full_disk_answers_507(settings, migrated_engine) -> None:
    def extend(app: FastAPI) -> None:
        @app.post("/api/v1/test-full-disk")
        def write() -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        @app.post("/api/v1/test-other-os-error")
        def other() -> None:
            raise OSError(errno.EACCES, "Permission denied")

    from traffic.api.app import create_api

    with TestClient(create_api(settings, engine=migrated_engine, extend=extend), raise_server_exceptions=False) as c:
        assert c.post("/api/v1/test-full-disk").status_code == 507
        other = c.post("/api/v1/test-other-os-error")
        assert other.status_code == 500 and other.json()["error"] == "InternalError"  # only a full disk is a 507
