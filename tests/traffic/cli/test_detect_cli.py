"""`traffic detect` end to end on the real Jakarta clip with the real COCO model."""

from __future__ import annotations

import json

import cv2
import pytest
from typer.testing import CliRunner

from tests.support.data import COCO_ONNX, JAKARTA_VIDEO, require
from traffic.cli.detect import app


@pytest.fixture(scope="module")
def data():
    require(JAKARTA_VIDEO, COCO_ONNX)


@pytest.fixture()
def class_map(tmp_path):
    path = tmp_path / "class_map.yaml"
    path.write_text("car: e_four_wheeler\nperson: ignore\n")
    return path


@pytest.mark.slow
def test_detect_writes_json_lines_and_an_annotated_video(data, tmp_path, class_map):
    out, jsonl = tmp_path / "annotated.mp4", tmp_path / "events.jsonl"
    result = CliRunner().invoke(app, [
        str(JAKARTA_VIDEO), "--model", str(COCO_ONNX), "--class-map", str(class_map), "--camera", "jakarta",
        "--camera-zone", "0.27,0.62;0.68,0.62;0.80,1;0.27,1", "--stride", "10", "--start", "2023-06-01T08:00:00",
        "--min-frames", "3", "--no-plates", "--out", str(out), "--json", str(jsonl),
    ])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds.count("started") == kinds.count("ended") >= 3
    assert all(e["camera"] == "jakarta" and e["vehicle_type"] == "e_four_wheeler" for e in events)
    assert all(e["first_seen"].startswith("2023-06-01T08:00") and e["first_seen"].endswith("+08:00") for e in events)
    assert f"{kinds.count('ended')} ended" in result.output
    capture = cv2.VideoCapture(str(out))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 50
    assert (capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (1024, 576)
    capture.release()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--class-map", "{bad_map}"], "'tricycle', which the model does not have"),
        (["--camera-zone", "0,0;1,0"], "at least 3 points"),
        (["--tracker", "sort"], "unknown tracker"),
        (["--device", "cuda:3"], None),  # refused unless this machine has CUDA
    ],
)
def test_detect_refuses_bad_settings(data, tmp_path, class_map, args, message):
    bad_map = tmp_path / "bad.yaml"
    bad_map.write_text("tricycle: e_tricycle\n")
    args = [a.replace("{bad_map}", str(bad_map)) for a in args]
    base = [str(JAKARTA_VIDEO), "--model", str(COCO_ONNX), "--no-plates"]
    if "--class-map" not in args:
        base += ["--class-map", str(class_map)]
    if message is None:
        import torch

        if torch.cuda.is_available():
            pytest.skip("this machine has CUDA")
        message = "CUDA is not available"
    result = CliRunner().invoke(app, base + args + ["--json", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "x.jsonl").exists()


def test_missing_model_is_refused_without_download(tmp_path, class_map):
    result = CliRunner().invoke(app, ["x.mp4", "--model", "yolov8n.pt", "--class-map", str(class_map)])
    assert result.exit_code == 2
    assert "model weights not found: yolov8n.pt" in result.output
