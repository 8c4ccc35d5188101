"""Assembles the starter model's training set: real three-wheelers, synthetic Chinese vehicles, real plates, and
pseudo-labels from two teacher models for what the real sets do not label.

Every source is copied (never linked: ultralytics rewrites a damaged JPEG in place, and ../shared/data must stay
as it is) into one YOLO folder under the work directory, with the starter's class ids (tools.starter.classes):

- the auto-rickshaw TRAIN split, its boxes as ``fuel_tricycle``; the COCO yolov8n labels the cars, buses, trucks,
  two-wheelers and people on those photos, and the plate detector their plates (the set labels neither);
- synthetic pole-camera scenes from tools.synth for e-tricycles, fuel tricycles, electric four-wheelers, cars,
  two-wheelers and plates (their class ids 0-5 are the starter's);
- the Roboflow plate set's ``valid`` split (its own plate boxes; ``test`` is held out) and the five plated CCPD sample photos (plate detector), with COCO
  pseudo-labels for the vehicles on them;
- every 5th frame of the highway-overpass clip, COCO pseudo-labels only: cars seen from above, as a pole camera
  sees them, so that fine-tuning on close-up photos and synthetic scenes does not cost the COCO model's cars.

Held out, never trained on: the auto-rickshaw VAL split, the Roboflow ``test`` split, the 16 CCPD-Base photos and the 6 unplated CCPD photos
(the evaluation's material), the demo clip and the Jakarta clip.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from detection.pipeline import box_areas
from tools.starter.classes import (AUTO_RICKSHAW_CLASS, AUTORICKSHAW, CCPD_SAMPLES, CLASS_ID, COCO_PT,
                                   COCO_TO_STARTER, OVERPASS_VIDEO, PLATE_PT, ROBOFLOW_PLATES, STARTER_CLASSES)

# Bump when the assembly changes, so tools.starter.build does not reuse a set built the old way.
ASSEMBLY_VERSION = 2
COCO_CONF = 0.4  # pseudo-labels are kept only where the teacher is fairly sure; a missed box costs less than a wrong one
PLATE_CONF = 0.5
# A COCO box that overlaps a labelled tricycle this much is the teacher's name for that tricycle (car, truck) or its
# rider, and would teach the student that a tricycle is a car.
DROP_IOU = 0.3
DROP_INSIDE = 0.5
# A training image's file name starts with its source's name and "_" (SYNTHETIC_PREFIX for the synthetic scenes);
# the build and the ablation pick images by these prefixes.
SOURCES = ("autorickshaw", "roboflow", "ccpd_sample", "overpass")
SYNTHETIC_PREFIX = "synth_"


def prefix(source: str) -> str:
    """The file-name prefix of a real source's training images."""
    assert source in SOURCES, source
    return f"{source}_"


@dataclass
class Assembly:
    """What went into the set: images and boxes per source and class."""

    data_yaml: Path
    images: Counter = field(default_factory=Counter)
    boxes: dict[str, Counter] = field(default_factory=dict)
    dropped_overlaps: int = 0

    def to_dict(self) -> dict:
        return {"data_yaml": str(self.data_yaml), "images": dict(self.images),
                "boxes": {source: dict(counts) for source, counts in self.boxes.items()},
                "pseudo_boxes_dropped_on_tricycles": self.dropped_overlaps}


def iou_and_inside(box: np.ndarray, others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """IoU of ``box`` with each of ``others`` (xyxy), and the share of ``box`` that lies inside each."""
    if len(others) == 0:
        return np.zeros(0), np.zeros(0)
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = box_areas(box[None])[0]
    return inter / np.maximum(area + box_areas(others) - inter, 1e-9), inter / max(float(area), 1e-9)


def read_yolo_boxes(path: Path) -> list[tuple[int, np.ndarray]]:
    """(class, normalised xyxy) per line; polygon lines (Roboflow's export mixes them in) become their bounding box."""
    out = []
    for line in path.read_text().splitlines():
        values = line.split()
        if len(values) < 5:
            continue
        numbers = np.array([float(v) for v in values[1:]])
        if len(numbers) == 4:
            cx, cy, w, h = numbers
            box = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
        else:
            xs, ys = numbers[0::2], numbers[1::2]
            box = np.array([xs.min(), ys.min(), xs.max(), ys.max()])
        out.append((int(values[0]), np.clip(box, 0.0, 1.0)))
    return out


def yolo_line(class_id: int, box: np.ndarray) -> str:
    x0, y0, x1, y1 = (float(v) for v in box)
    return f"{class_id} {(x0 + x1) / 2:.6f} {(y0 + y1) / 2:.6f} {x1 - x0:.6f} {y1 - y0:.6f}"


class Teachers:
    """The COCO detector and the plate detector, run once per real photo (normalised xyxy out)."""

    def __init__(self, coco_pt: Path = COCO_PT, plate_pt: Path = PLATE_PT, imgsz: int = 640):
        from ultralytics import YOLO

        self.coco = YOLO(str(coco_pt), task="detect")
        self.plate = YOLO(str(plate_pt), task="detect")  # unpickling it needs omegaconf (test/dev extras)
        self.imgsz = imgsz

    def boxes(self, image: Path) -> list[tuple[int, np.ndarray]]:
        """Pseudo-labels in starter class ids: COCO's distractor classes and the plate detector's plates."""
        out = []
        for model, conf, classes in ((self.coco, COCO_CONF, COCO_TO_STARTER), (self.plate, PLATE_CONF, None)):
            result = model.predict(str(image), imgsz=self.imgsz, conf=conf, device="cpu", verbose=False)[0]
            if result.boxes is None:
                continue
            for xyxyn, cls in zip(result.boxes.xyxyn.numpy(), result.boxes.cls.numpy().astype(int)):
                if classes is None:
                    out.append((CLASS_ID["plate"], xyxyn))
                elif int(cls) in classes:
                    out.append((CLASS_ID[classes[int(cls)]], xyxyn))
        return out


def merge_labels(own: list[tuple[int, np.ndarray]], pseudo: list[tuple[int, np.ndarray]]) -> tuple[list[str], int]:
    """The set's own boxes plus the pseudo boxes that do not sit on one of its tricycles; returns lines, dropped."""
    tricycles = np.array([box for cls, box in own if STARTER_CLASSES[cls] in ("e_tricycle", "fuel_tricycle")])
    lines = [yolo_line(cls, box) for cls, box in own]
    dropped = 0
    for cls, box in pseudo:
        iou, inside = iou_and_inside(box, tricycles.reshape(-1, 4))
        if len(iou) and (iou.max() >= DROP_IOU or inside.max() >= DROP_INSIDE):
            dropped += 1
            continue
        lines.append(yolo_line(cls, box))
    return lines, dropped


def _copy_real(out: Path, source: str, images: Iterable[Path], own_labels, teachers: Teachers,
               assembly: Assembly, pseudo: bool = True) -> None:
    counts: Counter = Counter()
    for image in sorted(images):
        name = f"{prefix(source)}{image.stem}"
        shutil.copyfile(image, out / "images" / "train" / f"{name}{image.suffix.lower()}")
        own = own_labels(image)
        lines, dropped = merge_labels(own, teachers.boxes(image) if pseudo else [])
        assembly.dropped_overlaps += dropped
        (out / "labels" / "train" / f"{name}.txt").write_text("".join(line + "\n" for line in lines))
        counts.update(STARTER_CLASSES[int(line.split()[0])] for line in lines)
        assembly.images[source] += 1
    assembly.boxes[source] = counts


def assemble(out: Path, synthetic: int, seed: int, teachers: Teachers | None = None) -> Assembly:
    """Write the training set to ``out`` (emptied first) and return what went in."""
    out = Path(out).resolve()
    if out.exists():
        shutil.rmtree(out)
    for split in ("train", "val"):
        (out / "images" / split).mkdir(parents=True)
        (out / "labels" / split).mkdir(parents=True)
    teachers = teachers or Teachers()
    assembly = Assembly(data_yaml=out / "data.yaml")
    auto = CLASS_ID[AUTO_RICKSHAW_CLASS]

    def auto_labels(image: Path) -> list[tuple[int, np.ndarray]]:
        label = AUTORICKSHAW / "labels" / image.parent.name / f"{image.stem}.txt"
        return [(auto, box) for _, box in read_yolo_boxes(label)]

    _copy_real(out, "autorickshaw", (AUTORICKSHAW / "images" / "train").glob("*.jpg"), auto_labels, teachers,
               assembly)

    def plate_labels(image: Path) -> list[tuple[int, np.ndarray]]:
        label = image.parent.parent / "labels" / f"{image.stem}.txt"
        return [(CLASS_ID["plate"], box) for _, box in read_yolo_boxes(label)]

    _copy_real(out, "roboflow", (ROBOFLOW_PLATES / "valid" / "images").glob("*.jpg"), plate_labels, teachers,
               assembly)
    _copy_real(out, "ccpd_sample", (CCPD_SAMPLES / "with_plate").glob("*.jpg"), lambda _: [], teachers, assembly)
    _copy_real(out, "overpass", _video_frames(OVERPASS_VIDEO, out / "_frames", every=5), lambda _: [], teachers,
               assembly)
    shutil.rmtree(out / "_frames")
    _add_synthetic(out, synthetic, seed, assembly)
    # Validation during training is for the log only: the build keeps the last epoch's weights, so nothing is chosen
    # on the held-out photos the evaluation scores.
    for image in sorted((AUTORICKSHAW / "images" / "val").glob("*.jpg")):
        shutil.copyfile(image, out / "images" / "val" / image.name)
        lines = [yolo_line(auto, box) for _, box in auto_labels(image)]
        (out / "labels" / "val" / f"{image.stem}.txt").write_text("".join(line + "\n" for line in lines))
    data = {"path": str(out), "train": "images/train", "val": "images/val", "names": dict(enumerate(STARTER_CLASSES))}
    assembly.data_yaml.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return assembly


def every_nth_frame(video: Path, every: int) -> list[np.ndarray]:
    """Every ``every``-th frame of a clip (BGR), from the first."""
    import cv2

    capture = cv2.VideoCapture(str(video))
    frames, index = [], 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        if index % every == 0:
            frames.append(frame)
        index += 1
    capture.release()
    if not frames:
        raise RuntimeError(f"no frame could be read from {video}")
    return frames


def _video_frames(video: Path, folder: Path, every: int) -> list[Path]:
    """Every ``every``-th frame of a clip as a JPEG in ``folder`` (the teachers and the trainer read files)."""
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, frame in enumerate(every_nth_frame(video, every)):
        paths.append(folder / f"frame{number * every:04d}.jpg")
        cv2.imwrite(str(paths[-1]), frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return paths


def _add_synthetic(out: Path, count: int, seed: int, assembly: Assembly) -> None:
    """Synthetic scenes, rendered into a side folder by tools.synth and moved in (same class ids 0-5)."""
    from tools.synth.dataset import write_dataset
    from tools.synth.scene import DEMO_CLASSES

    assert tuple(DEMO_CLASSES) == STARTER_CLASSES[: len(DEMO_CLASSES)], "synthetic class ids must be the starter's"
    side = out / "_synthetic"
    summary = write_dataset(side, train=count, val=0, seed=seed)
    for image in sorted((side / "images" / "train").glob("*.jpg")):
        shutil.move(image, out / "images" / "train" / f"{SYNTHETIC_PREFIX}{image.name}")
        shutil.move(side / "labels" / "train" / f"{image.stem}.txt",
                    out / "labels" / "train" / f"{SYNTHETIC_PREFIX}{image.stem}.txt")
    shutil.rmtree(side)
    assembly.images["synthetic"] = count
    assembly.boxes["synthetic"] = Counter(summary.boxes["train"])
