"""Real test data lives outside the repository (../shared/data) or is built by the project; when it is missing, the
test fails in CI and is skipped, with the reason, elsewhere."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
# The shared files several test areas use, named once.
JAKARTA_VIDEO = SHARED_DATA / "video_jakarta_street_traffic" / "jakarta_street_traffic_20s.mp4"  # 1024x576, 25 fps
COCO_ONNX = SHARED_DATA / "yolov8n_coco_int8_onnx" / "yolov8n_int8.onnx"
COCO_OPENVINO = SHARED_DATA / "yolo11n_coco_int8_openvino" / "yolo11n_int8_openvino_model"
BUS_JPG = SHARED_DATA / "images_ultralytics_assets" / "bus.jpg"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(message: str) -> None:
    """Fail in CI, skip elsewhere."""
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def require(*paths: Path) -> Path:
    """Check that every path exists and return the first one."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        unavailable(f"real test data missing: {', '.join(missing)}")
    return paths[0]
