"""`traffic plate read` on real CCPD images, through the Typer app the main CLI mounts."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.data import require
from traffic.cli.plate import app

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
CCPD = DATA / "dataset_ccpd_chinese_plates_base"
NO_PLATE = DATA / "images_ccpd_official_samples" / "no_plate" / "np1.jpg"

runner = CliRunner()




def first_labelled_photo() -> tuple[Path, str, str]:
    """A CCPD photo, its plate box as x1,y1,x2,y2 and its plate text, from plates.csv."""
    with open(require(CCPD / "plates.csv"), encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    box = ",".join(row[key] for key in ("x1", "y1", "x2", "y2"))
    return CCPD / "images" / row["image"], box, row["plate_text"]


def run_json(*args: str) -> dict:
    result = runner.invoke(app, ["read", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_reads_plate_in_given_box() -> None:
    photo, box, plate = first_labelled_photo()
    payload = run_json(str(photo), "--box", box)
    assert set(payload) == {"plate", "confidence"}
    assert payload["plate"] == plate
    assert 0.6 <= payload["confidence"] <= 1.0


def test_finds_plate_without_box() -> None:
    photo, _, plate = first_labelled_photo()
    assert run_json(str(photo))["plate"] == plate


def test_reads_a_plate_crop_file() -> None:
    crops = CCPD / "plate_crops_ocr"
    meta = json.loads(require(crops / "val_ocr_for_test.json").read_text())
    # Character indices of ZhijuCen's char-annotations.yaml: 1-10 digits, 11-34 letters, 35 皖.
    table = "-0123456789ABCDEFGHJKLMNPQRSTUVWXYZ皖"
    plate = "".join(table[i] for i in meta["char_labels"][0] if i)
    assert run_json(str(crops / Path(meta["image_paths"][0]).name))["plate"] == plate


def test_prints_null_when_no_plate() -> None:
    assert run_json(str(require(NO_PLATE))) == {"plate": None, "confidence": None}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--box", "1,2,3"], "x1,y1,x2,y2"),
        (["--box", "10,10,5,20"], "must exceed"),
        (["--box", "a,b,c,d"], "x1,y1,x2,y2"),
    ],
)
def test_rejects_bad_boxes(args: list[str], message: str) -> None:
    photo, _, _ = first_labelled_photo()
    result = runner.invoke(app, ["read", str(photo), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_rejects_files_that_are_not_images() -> None:
    result = runner.invoke(app, ["read", str(require(CCPD / "PROVENANCE.md"))])
    assert result.exit_code == 2
    assert "cannot decode" in result.output


def test_rejects_missing_files(tmp_path: Path) -> None:
    result = runner.invoke(app, ["read", str(tmp_path / "missing.jpg")])
    assert result.exit_code == 2
    assert "Invalid value for 'IMAGE'" in result.output
