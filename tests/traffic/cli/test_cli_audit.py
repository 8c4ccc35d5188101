"""Configuration changed from the shell is audited too: a city file apply and a camera key issue each leave an entry."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from models import AuditEntry
from tests.support.databases import fresh_database
from tests.support.ingest import INGEST_CITY
from traffic.cli.main import app
from traffic.db import make_engine, make_session_factory


def test_apply_and_issue_key_are_audited_without_the_key(backend: str, tmp_path: Path, monkeypatch) -> None:
    with fresh_database(backend, tmp_path) as url:
        monkeypatch.setenv("TRAFFIC_DATABASE_URL", url)
        monkeypatch.setenv("TRAFFIC_DATA_DIR", str(tmp_path / "data"))
        runner = CliRunner()
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        assert runner.invoke(app, ["config", "apply", str(INGEST_CITY)]).exit_code == 0
        assert runner.invoke(app, ["config", "apply", str(INGEST_CITY)]).exit_code == 0  # no change, no entry
        key = runner.invoke(app, ["cameras", "issue-key", "CAM-A"]).stdout.strip()
        engine = make_engine(url)
        try:
            with make_session_factory(engine)() as session:
                trail = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        finally:
            engine.dispose()
    assert [(e.entity, e.action) for e in trail] == [("city_file", "apply"), ("camera_key", "issue_key")]
    applied, issued = trail
    assert applied.username.startswith("cli:") and applied.role == "admin"
    assert applied.before["cameras"] == []
    assert [c["code"] for c in applied.after["cameras"]] == ["CAM-A", "CAM-B", "CAM-OFF"]
    assert issued.entity_key == "CAM-A" and issued.before == {"key_issued_at": None}
    assert key not in repr((issued.before, issued.after, issued.note))
