"""OpenVINO INT8 export calibrated on real photos, and the detector picking the fastest export of its weights."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import pytest
from typer.testing import CliRunner

from detection.detector import Detector, DetectorSettings
from detection.quantize import (SOURCE_DIGEST_FILE, QuantizeError, calibration_images, export_openvino_int8,
                                fastest_export, sha256_of)
from tests.support.data import BUS_JPG, SHARED_DATA, require

COCO_PT = SHARED_DATA / "yolov8n_coco_pretrained_pt" / "yolov8n_coco.pt"
AUTORICKSHAW_TRAIN = SHARED_DATA / "dataset_autorickshaw_iiith" / "images" / "train"


def export_folder(weights: Path, name: str, digest: str | None) -> Path:
    folder = weights.with_name(f"{weights.stem}_{name}")
    folder.mkdir()
    if digest is not None:
        (folder / SOURCE_DIGEST_FILE).write_text(digest + "\n")
    return folder


def test_fastest_export_prefers_int8_then_fp32_made_from_these_weights(tmp_path):
    weights = tmp_path / "m.pt"
    weights.write_bytes(b"weights v2")
    assert fastest_export(weights) == weights
    fp32 = export_folder(weights, "openvino_model", sha256_of(weights))
    assert fastest_export(weights) == fp32
    int8 = export_folder(weights, "int8_openvino_model", sha256_of(weights))
    assert fastest_export(weights) == int8


def test_an_export_of_other_weights_or_without_a_stamp_is_never_picked(tmp_path):
    weights = tmp_path / "m.pt"
    weights.write_bytes(b"weights v2")
    export_folder(weights, "int8_openvino_model", "0" * 64)  # left over from older weights of the same name
    export_folder(weights, "openvino_model", None)  # written by hand or by another tool
    assert fastest_export(weights) == weights


def test_calibration_needs_a_folder_with_images(tmp_path):
    with pytest.raises(QuantizeError, match="not found"):
        calibration_images(tmp_path / "absent")
    with pytest.raises(QuantizeError, match="no images"):
        calibration_images(tmp_path)
    for i in range(10):
        (tmp_path / f"{i:02d}.jpg").write_bytes(b"")
    assert [p.name for p in calibration_images(tmp_path, limit=5)] == ["00.jpg", "02.jpg", "04.jpg", "06.jpg", "08.jpg"]


def test_int8_export_refuses_anything_but_pt_weights(tmp_path):
    with pytest.raises(QuantizeError, match=r"\.pt"):
        export_openvino_int8(tmp_path / "m.onnx", tmp_path)


def test_cli_asks_for_calibration_images_for_int8(tmp_path):
    from traffic.cli.model import app

    weights = tmp_path / "m.pt"
    weights.write_bytes(b"x")
    result = CliRunner().invoke(app, ["export", str(weights), "--format", "openvino-int8"])
    assert result.exit_code == 2
    assert "--calibration" in result.output


@pytest.mark.slow
def test_int8_export_calibrated_on_real_photos_loads_and_detects(tmp_path):
    require(COCO_PT, BUS_JPG, AUTORICKSHAW_TRAIN)
    pytest.importorskip("nncf")
    weights = tmp_path / "coco.pt"
    shutil.copyfile(COCO_PT, weights)
    calibration = tmp_path / "calibration"
    calibration.mkdir()
    for photo in sorted(AUTORICKSHAW_TRAIN.glob("*.jpg"))[:8]:  # tiny, for speed; a real export uses hundreds
        shutil.copyfile(photo, calibration / photo.name)
    out = export_openvino_int8(weights, calibration, imgsz=320)
    assert out == tmp_path / "coco_int8_openvino_model" and (out / SOURCE_DIGEST_FILE).is_file()

    detector = Detector(weights)  # the .pt given, the INT8 export beside it runs
    assert detector.weights == out
    (found,) = detector.detect([cv2.imread(str(BUS_JPG))])
    names = [detector.names[int(c)] for c in found.class_ids]
    assert "bus" in names and names.count("person") >= 3
    assert Detector(weights, DetectorSettings(use_exports=False)).weights == weights
