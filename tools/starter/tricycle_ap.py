"""Tricycle AP50 on the real auto-rickshaw VAL split: any tricycle class of the model counts as a hit.

The set labels one class (auto-rickshaw), and whether the model calls one an e-tricycle or a fuel tricycle is not
what is measured here, only that it finds it as a tricycle. Boxes of the model's tricycle classes are pooled, and a
box lying on a higher-scored one (IoU >= 0.7, the NMS threshold) is dropped, as the pipeline drops a vehicle seen
under two classes; what is left is matched greedily by score to the labelled boxes at IoU >= 0.5.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tools.starter.assemble import iou_and_inside, read_yolo_boxes
from tools.starter.classes import AUTORICKSHAW, TRICYCLE_CLASSES

MATCH_IOU = 0.5
SAME_VEHICLE_IOU = 0.7
OPERATING_CONF = 0.25  # the pipeline's default confidence, for the precision/recall figures


def pooled(boxes: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boxes of any tricycle class, highest score first, without the ones lying on a higher-scored box."""
    order = np.argsort(-scores, kind="stable")
    kept: list[int] = []
    for i in order:
        iou, _ = iou_and_inside(boxes[i], boxes[kept])
        if not len(iou) or iou.max() < SAME_VEHICLE_IOU:
            kept.append(int(i))
    return boxes[kept], scores[kept]


def match(truth: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """For each box (sorted by score), whether it is the first to hit a labelled box at IoU >= 0.5."""
    used = np.zeros(len(truth), bool)
    hits = np.zeros(len(boxes), bool)
    for i, box in enumerate(boxes):
        iou, _ = iou_and_inside(box, truth)
        if not len(iou):
            continue
        iou[used] = 0
        best = int(iou.argmax())
        if iou[best] >= MATCH_IOU:
            used[best] = hits[i] = True
    return hits


def average_precision(scores: np.ndarray, hits: np.ndarray, positives: int) -> float:
    """Area under the precision/recall curve, 101-point interpolated (as COCO and ultralytics compute it)."""
    from ultralytics.utils.metrics import compute_ap

    order = np.argsort(-scores, kind="stable")
    tp = np.cumsum(hits[order])
    recall = tp / max(positives, 1)
    precision = tp / np.arange(1, len(tp) + 1)
    return float(compute_ap(recall, precision)[0])


def tricycle_ap50(weights: Path, imgsz: int | tuple[int, int] = 512, tricycle_classes: Sequence[str] = TRICYCLE_CLASSES,
                  split: str = "val") -> dict:
    """AP50 and, at confidence 0.25, precision and recall of tricycles on the auto-rickshaw ``split``."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    from ultralytics import YOLO

    model = YOLO(str(weights), task="detect")
    wanted = [i for i, name in model.names.items() if name in tricycle_classes]
    if not wanted:
        raise ValueError(f"{weights} has none of the classes {', '.join(tricycle_classes)}")
    all_scores, all_hits, positives = [], [], 0
    images = sorted((AUTORICKSHAW / "images" / split).glob("*.jpg"))
    for image in images:
        result = model.predict(str(image), imgsz=imgsz, conf=0.001, iou=0.7, max_det=300, device="cpu",
                               classes=wanted, verbose=False)[0]
        height, width = result.orig_shape
        label = AUTORICKSHAW / "labels" / split / f"{image.stem}.txt"
        truth = np.array([box for _, box in read_yolo_boxes(label)]).reshape(-1, 4) * [width, height, width, height]
        positives += len(truth)
        boxes, scores = pooled(result.boxes.xyxy.numpy(), result.boxes.conf.numpy())
        all_scores.append(scores)
        all_hits.append(match(truth, boxes))
    scores, hits = np.concatenate(all_scores), np.concatenate(all_hits)
    confident = scores >= OPERATING_CONF
    return {
        "images": len(images), "tricycles": positives, "ap50": round(average_precision(scores, hits, positives), 4),
        "conf": OPERATING_CONF,
        "precision": round(float(hits[confident].sum() / max(confident.sum(), 1)), 4),
        "recall": round(float(hits[confident].sum() / max(positives, 1)), 4),
        "true_boxes": int(hits[confident].sum()), "false_boxes": int((~hits[confident]).sum()),
    }
