"""Writes synthetic scenes as a YOLO detection dataset (images/, labels/, data.yaml)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import yaml

from tools.synth.plates import find_cjk_font
from tools.synth.scene import DEMO_CLASSES, ObjectTruth, random_scene

_SPLITS = {"train": 0, "val": 1, "test": 2}
MIN_VEHICLE_VISIBLE = 0.35
MIN_PLATE_VISIBLE = 0.6


@dataclass(frozen=True)
class LabelRules:
    """Which drawn objects get a box: enough of them visible and big enough to learn from."""

    min_vehicle_px: float = 6.0
    # Smaller plates are unreadable, and at the demo's training size they would be under 4 pixels tall,
    # less than the detector's finest stride: labelling them teaches nothing.
    min_plate_width_px: float = 16.0
    min_plate_height_px: float = 5.0


@dataclass
class DatasetSummary:
    """What was written: the data.yaml path and box counts per split and class."""

    data_yaml: Path
    images: dict[str, int] = field(default_factory=dict)
    boxes: dict[str, Counter] = field(default_factory=dict)


def yolo_labels(truths: list[ObjectTruth], width: int, height: int, rules: LabelRules | None = None) -> list[str]:
    """YOLO label lines (class cx cy w h, normalised) for the vehicles and plates worth labelling."""
    rules = rules or LabelRules()
    lines = []
    for truth in truths:
        x0, y0, x1, y1 = truth.box
        if truth.visible < MIN_VEHICLE_VISIBLE or min(x1 - x0, y1 - y0) < rules.min_vehicle_px:
            continue
        lines.append(_line(DEMO_CLASSES.index(truth.kind), truth.box, width, height))
        if truth.plate_box is None or truth.plate_visible < MIN_PLATE_VISIBLE:
            continue
        px0, py0, px1, py1 = truth.plate_box
        if px1 - px0 >= rules.min_plate_width_px and py1 - py0 >= rules.min_plate_height_px:
            lines.append(_line(DEMO_CLASSES.index("plate"), truth.plate_box, width, height))
    return lines


def _line(class_id: int, box: tuple[float, float, float, float], width: int, height: int) -> str:
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2 / width, (y0 + y1) / 2 / height
    return f"{class_id} {cx:.6f} {cy:.6f} {(x1 - x0) / width:.6f} {(y1 - y0) / height:.6f}"


def scene_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """The generator of one image: independent of every other image, so any image can be rebuilt alone."""
    return np.random.default_rng([seed, _SPLITS[split], index])


def write_dataset(out_dir: Path, train: int, val: int, seed: int = 0, width: int = 640, height: int = 360,
                  font_path: Path | None = None, test: int = 0) -> DatasetSummary:
    """Render ``train`` + ``val`` (+ ``test``) scenes into ``out_dir`` and write its data.yaml.

    The YAML holds the dataset's absolute path, so ultralytics does not resolve it against its own
    datasets folder. Every image has its own seed, so the splits never share a scene.
    """
    out_dir = Path(out_dir).resolve()
    font = font_path or find_cjk_font()
    base = LabelRules()
    rules = LabelRules(*(value * width / 640 for value in
                         (base.min_vehicle_px, base.min_plate_width_px, base.min_plate_height_px)))
    summary = DatasetSummary(data_yaml=out_dir / "data.yaml")
    for split, count in (("train", train), ("val", val), ("test", test)):
        if count == 0 and split == "test":
            continue
        images, labels = out_dir / "images" / split, out_dir / "labels" / split
        images.mkdir(parents=True, exist_ok=True)
        labels.mkdir(parents=True, exist_ok=True)
        boxes: Counter = Counter()
        for index in range(count):
            rng = scene_rng(seed, split, index)
            image, truths = random_scene(rng, width, height, font)
            lines = yolo_labels(truths, width, height, rules)
            name = f"{split}_{index:05d}"
            quality = int(rng.integers(55, 96))
            cv2.imwrite(str(images / f"{name}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, quality])
            (labels / f"{name}.txt").write_text("".join(line + "\n" for line in lines))
            boxes.update(DEMO_CLASSES[int(line.split()[0])] for line in lines)
        summary.images[split] = count
        summary.boxes[split] = boxes
    data = {
        "path": str(out_dir),
        "train": "images/train",
        "val": "images/val",
        **({"test": "images/test"} if test else {}),
        "names": dict(enumerate(DEMO_CLASSES)),
    }
    summary.data_yaml.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return summary
