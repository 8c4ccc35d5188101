"""The log lines `serve`, `worker` and `ingest` write: JSON with the request id, and never a secret."""
from __future__ import annotations

import io
import json
import logging

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from models import Role
from tests.support.auth import TEST_PASSWORD, make_user
from tests.support.footage import street_snapshots
from tests.support.ingest import apply_ingest_city, post_snapshot
from traffic.logs import configure_logging, mask_secrets

SERVER_KEY = "server-seal-key-0123456789abcdef"


@pytest.fixture()
def log_lines(settings):
    """Every line the configured handler writes, at DEBUG, for the duration of a test (pytest's own restored)."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    buffer = io.StringIO()
    configure_logging(settings.model_copy(update={"log_format": "json", "log_level": "DEBUG",
                                                  "secret_key": SecretStr(SERVER_KEY)}), stream=buffer)
    engine_log = logging.getLogger("sqlalchemy.engine")
    engine_level = engine_log.level
    engine_log.setLevel(logging.INFO)  # every statement and its parameters: where a careless secret would show
    yield buffer
    engine_log.setLevel(engine_level)
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_a_session_of_requests_logs_no_secret(log_lines, app, session) -> None:
    keys = apply_ingest_city(session)
    make_user(session, Role.REVIEWER, username="log-reviewer")
    session.commit()
    snapshot = street_snapshots(1)[0]
    with TestClient(app) as client:
        signed_in = client.post("/api/v1/auth/token", data={"username": "log-reviewer", "password": TEST_PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["access_token"]
        refused = client.post("/api/v1/auth/token", data={"username": "log-reviewer", "password": "wrong-pw-4242"})
        assert refused.status_code == 401
        assert post_snapshot(client, snapshot, keys["CAM-A"]).status_code == 202
        assert post_snapshot(client, snapshot, keys["CAM-B"]).status_code == 403  # another camera's key
        cookies = {"traffic_session": "cookie-value-31337"}
        assert client.get("/api/v1/records", headers={"Authorization": f"Bearer {token}"},
                          cookies=cookies).status_code == 200
        assert client.get("/api/v1/auth/me", headers={"Authorization": "Bearer not-a-token-777"}).status_code == 401
    written = log_lines.getvalue()
    assert written, "nothing was logged: the test would prove nothing"
    for secret in (TEST_PASSWORD, "wrong-pw-4242", token, keys["CAM-A"], keys["CAM-B"], "cookie-value-31337",
                   "not-a-token-777", SERVER_KEY):
        assert secret not in written


def test_every_line_of_a_request_carries_its_id(app, settings, log_lines, tmp_path) -> None:
    (tmp_path / "file").write_text("not a folder")
    app.state.settings = settings.model_copy(update={"data_dir": tmp_path / "file"})  # /readyz logs why it fails
    with TestClient(app) as client:
        response = client.get("/readyz", headers={"X-Request-ID": "ops-test-42"})
    assert response.status_code == 503 and response.headers["X-Request-ID"] == "ops-test-42"
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    during = [line for line in lines if line["logger"].startswith("traffic.")]
    assert during and all(line["request_id"] == "ops-test-42" for line in during)
    assert {"ts", "level", "logger", "message"} <= during[0].keys()


@pytest.mark.parametrize(("text", "leaked"), [
    ("headers {'authorization': 'Bearer abc.def.ghi'}", "abc.def.ghi"),
    ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
    ("X-Camera-Key: ck_live_secret", "ck_live_secret"),
    ("form username=alice&password=s3cret!&x=1", "s3cret!"),
    ('{"token": "tok-123", "camera": "CAM-A"}', "tok-123"),
    ("Cookie: traffic_session=sid-999", "sid-999"),
    ("postgresql+psycopg://traffic:pg-pass@db:5432/traffic", "pg-pass"),
])
def test_masking(text: str, leaked: str) -> None:
    masked = mask_secrets(text)
    assert leaked not in masked and "***" in masked


def test_masking_keeps_ordinary_words() -> None:
    line = "camera CAM-A frame 42 failed: the image cannot be decoded"
    assert mask_secrets(line) == line
