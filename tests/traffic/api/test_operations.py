"""/readyz names what is not ready; /metrics is closed until a network or token opens it, and counts what happened."""
from __future__ import annotations

import ipaddress

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from tests.support.footage import street_snapshots
from tests.support.ingest import apply_ingest_city, post_snapshot
from tests.support.redis_server import REDIS_URL, require_redis
from traffic.app import create_app
from traffic.workers.embedded import EmbeddedWorkers
from traffic.workers.queues import DatabaseQueue

METRICS_TOKEN = "scrape-me-please-0123"


@pytest.fixture()
def keys(session) -> dict[str, str]:
    keys = apply_ingest_city(session)
    session.commit()
    return keys


def _app(settings, engine, session_factory, **changes):
    app = create_app(settings.model_copy(update=changes), engine=engine)
    app.state.session_factory = session_factory
    return app


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_ready_when_every_check_passes(anonymous_client, backend) -> None:
    response = anonymous_client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "checks": {
        "database": {"ok": True, "detail": backend},
        "queue": {"ok": True, "detail": "database"},
        "model": {"ok": True, "detail": "not applicable"},  # this app runs no embedded worker
        "evidence": {"ok": True, "detail": "writable"},
    }}


def test_not_ready_names_the_failing_checks_and_reveals_no_address(settings, tmp_path) -> None:
    (tmp_path / "blocked").write_text("a file where the data folder should be")
    unreachable = create_engine("postgresql+psycopg://spy:hunter2-secret@127.0.0.1:1/nowhere",
                                connect_args={"connect_timeout": 2})
    app = _app(settings, unreachable, sessionmaker(unreachable), data_dir=tmp_path / "blocked",
               queue_url="redis://:redis-secret@127.0.0.1:1/0")
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    body = response.json()
    assert (body["error"], body["status"]) == ("NotReady", "not ready")
    assert body["detail"] == "not ready: database, evidence, queue"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": False, "queue": False, "model": True, "evidence": False}
    for secret in ("hunter2", "redis-secret", "127.0.0.1", "spy", str(tmp_path)):
        assert secret not in response.text


def test_model_check_follows_the_embedded_workers(app, anonymous_client) -> None:
    class Workers:
        model_state = "loading"

    app.state.embedded_workers = Workers()
    assert anonymous_client.get("/readyz").json()["checks"]["model"] == {"ok": False, "detail": "loading"}
    Workers.model_state = "loaded"
    assert anonymous_client.get("/readyz").status_code == 200


def test_metrics_are_closed_by_default(anonymous_client, admin_headers) -> None:
    assert anonymous_client.get("/metrics").status_code == 404
    assert anonymous_client.get("/metrics", headers=admin_headers).status_code == 404  # no account opens them


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401),
    ({"Authorization": "Bearer wrong-token"}, 403),
    ({"Authorization": f"Basic {METRICS_TOKEN}"}, 403),
    ({"Authorization": f"Bearer {METRICS_TOKEN}"}, 200),
])
def test_the_metrics_token(settings, migrated_engine, session_factory, headers, status) -> None:
    app = _app(settings, migrated_engine, session_factory, metrics_token=SecretStr(METRICS_TOKEN))
    with TestClient(app) as client:
        assert client.get("/metrics", headers=headers).status_code == status


@pytest.mark.parametrize(("address", "status"), [("10.20.30.40", 200), ("192.0.2.7", 401), ("::1", 200)])
def test_the_metrics_networks(settings, migrated_engine, session_factory, address, status) -> None:
    networks = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")]
    app = _app(settings, migrated_engine, session_factory, metrics_networks=networks)
    with TestClient(app, client=(address, 40000)) as client:
        assert client.get("/metrics").status_code == status


def test_metrics_count_pushed_frames_and_the_queue(settings, migrated_engine, session_factory, keys) -> None:
    app = _app(settings, migrated_engine, session_factory, metrics_token=SecretStr(METRICS_TOKEN))
    scrape = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    snapshots = street_snapshots(2)
    with TestClient(app) as client:
        before = _samples(client.get("/metrics", headers=scrape).text)
        for snapshot in snapshots:
            assert post_snapshot(client, snapshot, keys["CAM-A"]).status_code == 202
        assert post_snapshot(client, snapshots[0], keys["CAM-A"]).json()["duplicate"] is True
        response = client.get("/metrics", headers=scrape)
    assert response.headers["content-type"].startswith("text/plain")
    after = _samples(response.text)
    received = ("traffic_frames_received_total", (("camera", "CAM-A"),))
    assert after[received] - before.get(received, 0) == 2  # the repeat is not counted
    assert after[("traffic_queue_depth", (("camera", "CAM-A"),))] == 2
    families = {family.name for family in text_string_to_metric_families(response.text)}
    assert families >= {"traffic_frames_received", "traffic_frames_processed", "traffic_frames_failed",
                        "traffic_inference_seconds", "traffic_queue_depth", "traffic_sightings_created",
                        "traffic_records_created", "traffic_review_actions", "traffic_retention_freed_bytes",
                        "traffic_database_unavailable", "traffic_storage_full"}


def test_the_queue_check_pings_redis_in_scale_out_mode(settings, migrated_engine, session_factory) -> None:
    require_redis()
    with TestClient(_app(settings, migrated_engine, session_factory, queue_url=REDIS_URL)) as client:
        assert client.get("/readyz").json()["checks"]["queue"] == {"ok": True, "detail": "redis"}


def test_embedded_workers_report_a_model_that_cannot_load(settings, session_factory, tmp_path) -> None:
    broken = settings.model_copy(update={"model_path": tmp_path / "missing.pt"})
    workers = EmbeddedWorkers(broken, session_factory, DatabaseQueue(session_factory))
    assert workers.model_state == "loading"
    workers._run()  # the thread's body: loading fails, the API goes on serving
    assert workers.model_state == "failed"
