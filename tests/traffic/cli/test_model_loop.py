"""The reviewers' loop end to end on a tiny set: export → train from a version → eval side by side → activate,
refused when the new model is worse on the held-out split, allowed with --force."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from tests.support.factories import make_city
from tests.support.footage import DEMO_DIR
from tests.support.reviewed import seed_reviewed
from traffic.cli.model_registry import REFUSED_EXIT
from traffic.db import transaction

pytestmark = pytest.mark.slow
IMGSZ = "128"


@pytest.fixture()
def city_db(migrated, tmp_path: Path):
    """A migrated database with one city and reviewed records over demo frames; (session factory, reviewed)."""
    with transaction(migrated) as session:
        city = make_city(session)
        reviewed = seed_reviewed(session, city, tmp_path / "data" / "evidence")
    return migrated, reviewed


def test_export_train_eval_activate(city_db, cli, tmp_path: Path) -> None:
    _, reviewed = city_db
    out = tmp_path / "ds"
    result = cli("dataset", "export", "--from", "2023-07-03", "--to", "2023-07-05", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = out / "data.yaml"
    spec = yaml.safe_load(data.read_text(encoding="utf-8"))
    assert spec["names"] == {0: "e_tricycle", 1: "fuel_tricycle", 2: "e_four_wheeler"}
    assert (out / "README.md").read_text(encoding="utf-8").startswith("# Dataset card")
    _check_labels(out, reviewed, [spec["names"][i] for i in sorted(spec["names"])])

    base = cli("model", "register", str(DEMO_DIR / "demo_model.pt"), "--name", "demo", "--version", "base",
               "--metrics-from-eval", str(data), "--imgsz", IMGSZ)
    assert base.exit_code == 0, base.output
    assert cli("model", "activate", "demo:base").exit_code == 0

    trained = cli("model", "train", "--base", "demo:base", "--data", str(data), "--epochs", "1", "--imgsz", IMGSZ,
                  "--batch", "4", "--no-cache", "--close-mosaic", "0", "--project", str(tmp_path / "runs"),
                  "--name", "loop", "--out", str(tmp_path / "ft.pt"), "--register-as", "demo:ft")
    assert trained.exit_code == 0, trained.output
    assert "registered demo:ft" in trained.output

    compared = cli("model", "eval", "demo:ft", "--compare", "demo:base", "--data", str(data), "--imgsz", IMGSZ)
    assert compared.exit_code == 0, compared.output
    assert "demo:ft" in compared.output and "demo:base" in compared.output and "ΔmAP50" in compared.output
    assert "e_tricycle" in compared.output

    listed = {f"{v['name']}:{v['version']}": v for v in json.loads(cli("model", "list", "--json").stdout)}
    scores = {ref: listed[ref]["metrics"]["all"]["map50"] for ref in ("demo:base", "demo:ft")}
    assert listed["demo:ft"]["metrics"]["dataset_sha256"] == listed["demo:base"]["metrics"]["dataset_sha256"]
    assert scores["demo:ft"] < scores["demo:base"], scores  # one epoch with a new head: worse, as intended

    refused = cli("model", "activate", "demo:ft")
    assert refused.exit_code == REFUSED_EXIT
    assert "worse than the active demo:base" in refused.output and "--force" in refused.output
    assert json.loads(cli("model", "list", "--json").stdout)[0]["active"]["city"] is True  # demo:base still runs

    forced = cli("model", "activate", "demo:ft", "--force")
    assert forced.exit_code == 0, forced.output
    active = {f"{v['name']}:{v['version']}": v["active"] for v in json.loads(cli("model", "list", "--json").stdout)}
    assert active["demo:ft"]["city"] and not active["demo:base"]["city"]


def _check_labels(out: Path, reviewed, names: list[str]) -> None:
    """Boxes carry the confirmed or corrected type, negatives have empty labels, and no pass spans both splits."""
    split_of: dict[str, str] = {}
    for split in ("train", "val"):
        for image in (out / "images" / split).iterdir():
            key = hashlib.sha256(image.read_bytes()).hexdigest()
            split_of[key] = split
            lines = (out / "labels" / split / f"{image.stem}.txt").read_text().splitlines()
            split_of[key + ":classes"] = ",".join(sorted({names[int(line.split()[0])] for line in lines}))
    assert {"train", "val"} == set(v for k, v in split_of.items() if ":" not in k)
    for item in reviewed:
        if item.use == "skipped":
            assert all(f not in split_of for f in item.frames)
            continue
        assert len({split_of[f] for f in item.frames}) == 1, item  # one vehicle pass, one side
        for frame in item.frames:
            classes = split_of[frame + ":classes"]
            assert classes == ("" if item.use == "negative" else item.label), (item, classes)
    days = {}
    for item in reviewed:
        if item.use != "skipped":
            days.setdefault(item.day, set()).update(split_of[f] for f in item.frames)
    assert all(len(sides) == 1 for sides in days.values()), days  # held out by camera and day
