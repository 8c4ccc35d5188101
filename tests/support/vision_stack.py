"""The real vision stack for ingest tests: the COCO model (car stands for an electric four-wheeler) and the recorder."""
from __future__ import annotations

from pathlib import Path

from tests.support.data import COCO_OPENVINO, require
from traffic.settings import Settings

CLASS_MAP = "car: e_four_wheeler\n"


def vision_settings(base: Settings, workdir: Path) -> Settings:
    """``base`` pointed at the COCO model with a class map for it; plates are not read (faster, and not needed)."""
    require(COCO_OPENVINO)
    class_map = workdir / "class_map.yaml"
    class_map.write_text(CLASS_MAP, encoding="utf-8")
    return base.model_copy(update={"model_path": COCO_OPENVINO, "class_map_path": class_map, "read_plates": False})


def vision_env(workdir: Path) -> dict[str, str]:
    """The same as environment variables, for a `traffic worker` subprocess."""
    require(COCO_OPENVINO)
    class_map = workdir / "class_map.yaml"
    class_map.write_text(CLASS_MAP, encoding="utf-8")
    return {
        "TRAFFIC_MODEL_PATH": str(COCO_OPENVINO),
        "TRAFFIC_CLASS_MAP_PATH": str(class_map),
        "TRAFFIC_READ_PLATES": "false",
    }
