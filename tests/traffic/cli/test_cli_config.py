"""The `traffic` command as an operator uses it: migrate, apply a city file, export it, apply it again."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
DEMO_CITY = REPO / "traffic" / "demo" / "city.yaml"


def test_upgrade_apply_export_apply_changes_nothing(database, cli, tmp_path: Path) -> None:
    assert cli("db", "upgrade").exit_code == 0
    first = cli("config", "apply", str(DEMO_CITY))
    assert first.exit_code == 0, first.output
    assert "0 updated, 0 deleted, 0 unchanged" in first.output
    exported = tmp_path / "exported.yaml"
    assert cli("config", "export", "-o", str(exported)).exit_code == 0
    second = cli("config", "apply", str(exported))
    assert second.exit_code == 0
    assert "0 created, 0 updated, 0 deleted" in second.output
    again = tmp_path / "again.yaml"
    cli("config", "export", "-o", str(again))
    assert again.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")


def test_prune_and_dry_run(database, cli, tmp_path: Path) -> None:
    cli("db", "upgrade")
    cli("config", "apply", str(DEMO_CITY))
    smaller = tmp_path / "smaller.yaml"
    text = DEMO_CITY.read_text(encoding="utf-8")
    smaller.write_text(text.split("rules:")[0], encoding="utf-8")
    dry = cli("config", "apply", "--prune", "--dry-run", str(smaller))
    assert "(dry run)" in dry.output and "3 deleted" in dry.output
    assert "R-TRI-PEAK" in cli("config", "export").output
    real = cli("config", "apply", "--prune", str(smaller))
    assert real.exit_code == 0 and "3 deleted" in real.output
    assert "R-TRI-PEAK" not in cli("config", "export").output


def test_invalid_file_exits_non_zero_with_location(database, cli, tmp_path: Path) -> None:
    cli("db", "upgrade")
    bad = tmp_path / "bad.yaml"
    bad.write_text("districts:\n  - {code: D1, name: 城东区, mayor: x}\n", encoding="utf-8")
    result = cli("config", "apply", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:2: districts.0.mayor: unknown key" in result.output
    assert "D1" not in cli("config", "export").output


def test_missing_file_is_a_clear_error(database, cli, tmp_path: Path) -> None:
    result = cli("config", "apply", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_demo_prepares_without_serving(database, cli) -> None:
    result = cli("demo", "--no-serve", "--no-video")
    assert result.exit_code == 0, result.output
    assert "demo city:" in result.output
    assert "demo history: 15000 sightings, 1500 records" in result.output
    assert "CAM-001" in cli("config", "export").output
