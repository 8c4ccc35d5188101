"""Detector: weights formats, batching, settings, and refusals (never a download)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from detection.detector import Detector, DetectorError, DetectorSettings, resolve_weights


def _same(a, b):
    np.testing.assert_array_equal(a.xyxy, b.xyxy)
    np.testing.assert_array_equal(a.scores, b.scores)
    np.testing.assert_array_equal(a.class_ids, b.class_ids)


@pytest.fixture(scope="module")
def bus(bus_jpg):
    return cv2.imread(str(bus_jpg))


def test_onnx_on_bus_matches_a_bare_predict(coco_onnx, coco_detector, bus):
    from ultralytics import YOLO

    (got,) = coco_detector.detect([bus])
    expected = YOLO(str(coco_onnx), task="detect").predict(bus, conf=0.25, verbose=False)[0].boxes
    np.testing.assert_array_equal(got.xyxy, expected.xyxy.numpy())
    names = [coco_detector.names[int(c)] for c in got.class_ids]
    assert names.count("bus") == 1 and names.count("person") >= 3


def test_batches_give_the_same_boxes(coco_onnx, coco_detector, bus, jakarta_video):
    capture = cv2.VideoCapture(str(jakarta_video))
    images = [capture.read()[1] for _ in range(4)] + [bus]
    capture.release()
    batched = Detector(coco_onnx, DetectorSettings(batch=3)).detect(images)
    single = coco_detector.detect(images)
    assert len(batched) == len(single) == 5
    for a, b in zip(batched, single):
        _same(a, b)


def test_conf_setting_filters(coco_onnx, coco_detector, bus):
    (loose,) = coco_detector.detect([bus])
    (strict,) = Detector(coco_onnx, DetectorSettings(conf=0.6)).detect([bus])
    assert len(strict) < len(loose) and (strict.scores >= 0.6).all()


def test_openvino_folder(coco_openvino, bus):
    pytest.importorskip("openvino")
    detector = Detector(coco_openvino)
    (got,) = detector.detect([bus])
    assert detector.names[5] == "bus" and 5 in got.class_ids.tolist()
    assert resolve_weights(coco_openvino.parent) == coco_openvino  # the export's parent folder works too


def test_pytorch_weights(tmp_path, bus):
    from ultralytics import YOLO

    weights = tmp_path / "random.pt"
    YOLO("yolov8n.yaml", task="detect").save(weights)  # bundled architecture, random weights: nothing downloaded
    detector = Detector(weights, DetectorSettings(imgsz=320, batch=2))
    results = detector.detect([bus, bus])
    assert len(results) == 2 and len(detector.names) == 80
    _same(results[0], results[1])


@pytest.mark.parametrize(
    ("weights", "settings", "error"),
    [
        ("yolov8n.pt", DetectorSettings(), "model weights not found: yolov8n.pt"),
        ("{tmp}/missing.onnx", DetectorSettings(), "model weights not found"),
        ("{tmp}", DetectorSettings(), "must be an OpenVINO export named"),
        ("{tmp}/weights.txt", DetectorSettings(), "unsupported weights file"),
        ("{onnx}", DetectorSettings(batch=0), "batch must be at least 1"),
        ("{onnx}", DetectorSettings(device="cuda:0"), "CUDA is not available"),
    ],
)
def test_refusals(tmp_path, coco_onnx, weights, settings, error):
    import torch

    if settings.device != "cpu" and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    (tmp_path / "weights.txt").write_text("not weights")
    path = weights.replace("{tmp}", str(tmp_path)).replace("{onnx}", str(coco_onnx))
    with pytest.raises(DetectorError, match=error):
        Detector(path, settings)
