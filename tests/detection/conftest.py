"""Shared helpers for the vision tests: real data lives in ../shared/data beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.data import BUS_JPG, COCO_ONNX, COCO_OPENVINO, JAKARTA_VIDEO, SHARED_DATA, require


@pytest.fixture(scope="session")
def jakarta_video() -> Path:
    """The 20 s Jakarta street clip (1024x576, 25 fps)."""
    require(JAKARTA_VIDEO)
    return JAKARTA_VIDEO


@pytest.fixture(scope="session")
def coco_onnx() -> Path:
    """yolov8n COCO INT8 ONNX."""
    require(COCO_ONNX)
    return COCO_ONNX


@pytest.fixture(scope="session")
def coco_openvino() -> Path:
    """yolo11n COCO INT8 OpenVINO folder."""
    require(COCO_OPENVINO)
    return COCO_OPENVINO


@pytest.fixture(scope="session")
def bus_jpg() -> Path:
    """Ultralytics' bus.jpg (810x1080)."""
    require(BUS_JPG)
    return BUS_JPG


@pytest.fixture(scope="session")
def coco_detector(coco_onnx):
    """One loaded COCO detector for the whole session (loading costs a second)."""
    from detection.detector import Detector

    return Detector(coco_onnx)


@pytest.fixture(scope="session")
def ccpd_plated_car() -> Path:
    """CCPD sample demo3.jpg: a parked car, plate 皖A·MK620 (read by eye)."""
    path = SHARED_DATA / "images_ccpd_official_samples" / "with_plate" / "demo3.jpg"
    require(path)
    return path
