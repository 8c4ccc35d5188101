"""`traffic demo` and `traffic serve` refuse to start without a CJK font, instead of failing halfway through a video
(issue 7: the README's first command stopped after 97 of 180 frames)."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from traffic.cli.main import app


@pytest.fixture()
def latin_font_only(tmp_path: Path, monkeypatch) -> Path:
    not_cjk = tmp_path / "not-a-cjk-font.ttf"
    not_cjk.write_bytes(b"no glyphs here")
    monkeypatch.setenv("TRAFFIC_CJK_FONT", str(not_cjk))
    monkeypatch.setenv("TRAFFIC_DATABASE_URL", f"sqlite:///{tmp_path / 'traffic.sqlite3'}")
    monkeypatch.setenv("TRAFFIC_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.mark.parametrize("command", [["demo", "--no-serve"], ["serve", "--port", "1"]])
def test_a_missing_font_stops_the_command_before_anything_is_done(latin_font_only: Path, command) -> None:
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2
    assert "not-a-cjk-font.ttf has no Chinese glyphs" in result.output
    assert not (latin_font_only / "traffic.sqlite3").exists()  # not even migrated: no frame was touched


def test_the_bundled_font_is_named_when_a_command_starts(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("TRAFFIC_CJK_FONT", raising=False)
    monkeypatch.setenv("TRAFFIC_DATABASE_URL", f"sqlite:///{tmp_path / 'traffic.sqlite3'}")
    monkeypatch.setenv("TRAFFIC_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--no-video"])
    assert result.exit_code == 0, result.output
    assert "evidence font: " in result.output and "NotoSansCJK" in result.output
