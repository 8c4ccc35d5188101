"""`traffic model register|list|activate`: versions with their hash, city-wide and per-camera activation, refusals."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update

from models import AuditEntry, Camera, DetectorVersion
from tests.support.factories import make_city
from tests.support.footage import DEMO_DIR
from traffic.cli.model_registry import REFUSED_EXIT
from traffic.db import transaction
from traffic.services.detector_versions import active_version, weights_sha256

SCORES = {"dataset": "/d/data.yaml", "dataset_sha256": "f" * 64, "split": "val", "imgsz": 128}


@pytest.fixture()
def factory(migrated):
    with transaction(migrated) as session:
        make_city(session)
    return migrated


@pytest.fixture()
def weights(tmp_path: Path) -> Path:
    """A copy of the demo model with its class map, as an operator would keep a model of their own."""
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(DEMO_DIR / "class_map.yaml", folder / "class_map.yaml")
    return Path(shutil.copy(DEMO_DIR / "demo_model.pt", folder / "mine.pt"))


def _listed(cli) -> dict[str, dict]:
    result = cli("model", "list", "--json")
    assert result.exit_code == 0, result.output
    return {f"{v['name']}:{v['version']}": v for v in json.loads(result.stdout)}


def _score(factory, ref: str, map50: float) -> None:
    name, version = ref.split(":")
    with transaction(factory) as session:
        session.execute(update(DetectorVersion).where(DetectorVersion.name == name, DetectorVersion.version == version)
                        .values(metrics={**SCORES, "all": {"map50": map50}, "classes": {}}))


def test_register_and_list_give_path_hash_classes_and_where_active(cli, factory, weights) -> None:
    # The settings' model is registered on first use: records always have a row to point to.
    [default] = _listed(cli).values()
    assert default["default"] and default["path"] == str((DEMO_DIR / "demo_model.pt").resolve())
    assert "automatically" in default["notes"] and default["name"] == "demo_model"
    result = cli("model", "register", str(weights), "--name", "mine", "--version", "1", "--notes", "a copy")
    assert result.exit_code == 0, result.output
    listed = _listed(cli)
    mine = listed["mine:1"]
    assert mine["path"] == str(weights.resolve()) and mine["sha256"] == weights_sha256(weights)
    assert mine["classes"][:3] == ["e_tricycle", "fuel_tricycle", "e_four_wheeler"]
    assert mine["class_map"]["car"] == "ignore" and mine["notes"] == "a copy"
    assert mine["active"] == {"city": False, "cameras": []} and not mine["default"]
    assert listed[f"demo_model:{default['version']}"]["default"]  # the same bytes, but the settings' row stays
    again = cli("model", "register", str(weights), "--name", "mine", "--version", "1")
    assert again.exit_code == 2 and "already registered" in again.output
    with factory() as session:
        assert session.scalar(select(AuditEntry.action).where(AuditEntry.entity == "detector_version")) == "create"


def test_activation_city_wide_and_per_camera_where_the_camera_wins(cli, factory, weights) -> None:
    _listed(cli)  # the settings' model gets its own row first (the copies have the same bytes)
    for version in ("1", "2"):
        assert cli("model", "register", str(weights), "--name", "mine", "--version", version).exit_code == 0
    unscored = cli("model", "activate", "mine:1")
    assert unscored.exit_code == 2 and "no held-out metrics" in unscored.output
    assert cli("model", "activate", "mine:1", "--force").exit_code == 0
    result = cli("model", "activate", "mine:2", "--camera", "CAM-1", "--force")
    assert result.exit_code == 0 and "on camera CAM-1" in result.output
    listed = _listed(cli)
    assert listed["mine:1"]["active"] == {"city": True, "cameras": []}
    assert listed["mine:2"]["active"] == {"city": False, "cameras": ["CAM-1"]}
    with factory() as session:
        cam = session.scalar(select(Camera.id).where(Camera.code == "CAM-1"))
        assert active_version(session, cam).ref == "mine:2"
        assert active_version(session, None).ref == "mine:1"
    assert cli("model", "activate", "mine:9").exit_code == 2
    assert cli("model", "activate", "mine:1", "--camera", "NOPE", "--force").exit_code == 2


def test_a_worse_version_is_refused_unless_forced(cli, factory, weights) -> None:
    for version in ("good", "worse"):
        assert cli("model", "register", str(weights), "--name", "mine", "--version", version).exit_code == 0
    _score(factory, "mine:good", 0.80)
    _score(factory, "mine:worse", 0.70)
    assert cli("model", "activate", "mine:good").exit_code == 0  # nothing scored was active: the default is not
    refused = cli("model", "activate", "mine:worse")
    assert refused.exit_code == REFUSED_EXIT
    assert "mAP50 0.700 < 0.800" in refused.output and "--force" in refused.output
    assert _listed(cli)["mine:good"]["active"]["city"]
    assert cli("model", "activate", "mine:worse", "--force").exit_code == 0
    assert _listed(cli)["mine:worse"]["active"]["city"]


def test_weights_changed_on_disk_are_not_activated(cli, factory, weights) -> None:
    assert cli("model", "register", str(weights), "--name", "mine", "--version", "1").exit_code == 0
    weights.write_bytes(weights.read_bytes() + b"\0")
    result = cli("model", "activate", "mine:1", "--force")
    assert result.exit_code == 2 and "changed since registration" in result.output
