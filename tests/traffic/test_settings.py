"""Settings come from TRAFFIC_* variables, with safe defaults and refusal of placeholder secrets in production."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from traffic.settings import Settings


def test_defaults_use_embedded_sqlite_and_shanghai(monkeypatch) -> None:
    for name in ("TRAFFIC_DATABASE_URL", "TRAFFIC_TIMEZONE", "TRAFFIC_ENV", "TRAFFIC_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///var/")
    assert settings.timezone == "Asia/Shanghai"


def test_the_starter_model_is_the_default_detector(monkeypatch) -> None:
    monkeypatch.delenv("TRAFFIC_MODEL_PATH", raising=False)  # the test suite pins the demo model (tests/conftest.py)
    model = Settings().model_path
    assert model.name == "starter.pt" and model.is_file()
    assert (model.parent / "class_map.yaml").is_file()


@pytest.mark.parametrize("key", [None, "changeme", "secret", "short"])
def test_production_refuses_missing_or_placeholder_key(monkeypatch, key) -> None:
    monkeypatch.setenv("TRAFFIC_ENV", "production")
    if key is None:
        monkeypatch.delenv("TRAFFIC_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("TRAFFIC_SECRET_KEY", key)
    with pytest.raises(ValidationError, match="TRAFFIC_SECRET_KEY"):
        Settings()


def test_production_accepts_a_real_key(monkeypatch) -> None:
    monkeypatch.setenv("TRAFFIC_ENV", "production")
    monkeypatch.setenv("TRAFFIC_SECRET_KEY", "a" * 8 + "9f3c2e7d1b")
    assert Settings().resolved_secret_key() == b"aaaaaaaa9f3c2e7d1b"


def test_development_generates_and_keeps_a_key(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("TRAFFIC_SECRET_KEY", raising=False)
    settings = Settings(env="development", data_dir=tmp_path)
    first = settings.resolved_secret_key()
    assert len(first) == 64
    assert Settings(env="development", data_dir=tmp_path).resolved_secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_unknown_timezone_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown timezone"):
        Settings(timezone="Mars/Olympus")


def test_metrics_access_settings(monkeypatch) -> None:
    monkeypatch.setenv("TRAFFIC_METRICS_NETWORKS", '["10.0.0.0/8", "::1/128"]')
    monkeypatch.setenv("TRAFFIC_METRICS_TOKEN", "  ")  # blank is unset: /metrics stays closed to tokens
    settings = Settings()
    assert [str(n) for n in settings.metrics_networks] == ["10.0.0.0/8", "::1/128"]
    assert settings.metrics_token is None
    monkeypatch.setenv("TRAFFIC_METRICS_NETWORKS", '["10.0.0.300/8"]')
    with pytest.raises(ValidationError):
        Settings()


@pytest.mark.parametrize("url", ["http://minio:9000/frames", "s3://", "/var/frames"])
def test_a_frame_store_url_that_is_not_s3_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="s3://bucket/prefix"):
        Settings(frame_store_url=url)
