"""Tricycle AP50 on the real auto-rickshaw VAL split: any tricycle class of the model counts as a hit.

    PYTHONPATH=. python -m tools.starter.tricycle_ap [--model traffic/demo/starter.pt] [--imgsz 512] [--split train]

The set labels one class (auto-rickshaw), and whether the model calls one an e-tricycle or a fuel tricycle is not
what is measured here, only that it finds it as a tricycle. Boxes of the model's tricycle classes are pooled, and a
box lying on a higher-scored one (IoU >= 0.7, the NMS threshold) is dropped, as the pipeline drops a vehicle seen
under two classes; what is left is matched greedily by score to the labelled boxes at IoU >= 0.5.

The AP50 is also given by COCO's size ranges (box area in the photo's own pixels): for the small three-wheelers
(under 32 x 32) and for the rest. As COCO does, a range's score ignores the labelled boxes outside it, the boxes that
hit those, and the unmatched boxes outside it. And the photo with the most three-wheelers missed at the operating
confidence is named, with the AP50 of the split without it: one crowded photo can hold much of the gap. Last, for a
model that the demo class map fits, how many right and wrong tricycle boxes the pipeline's distractor rule would
keep from being tracked (a car or two-wheeler box on the same object: detection/pipeline.py).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from detection.pipeline import box_areas
from tools.starter.assemble import iou_and_inside, read_yolo_boxes
from tools.starter.classes import AUTORICKSHAW, DEMO_DIR, TRICYCLE_CLASSES

MATCH_IOU = 0.5
SAME_VEHICLE_IOU = 0.7
OPERATING_CONF = 0.25  # the pipeline's default confidence, for the precision/recall figures
SMALL_AREA = 32 * 32  # COCO's bound between small and medium objects, in the photo's own pixels
# A photo as scored: its labelled boxes, and the pooled tricycle boxes with their scores (highest first).
Photo = tuple[np.ndarray, np.ndarray, np.ndarray]


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
    return _match(truth, np.zeros(len(truth), bool), boxes)[0]


def _match(truth: np.ndarray, ignored: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hits as ``match``, and which boxes hit an ignored labelled box (tried only after the counted ones)."""
    used = np.zeros(len(truth), bool)
    hits = np.zeros(len(boxes), bool)
    on_ignored = np.zeros(len(boxes), bool)
    for i, box in enumerate(boxes):
        iou, _ = iou_and_inside(box, truth)
        if not len(iou):
            continue
        for wanted in (~ignored, ignored):
            candidates = np.where(wanted & ~used, iou, 0)
            best = int(candidates.argmax())
            if candidates[best] >= MATCH_IOU:
                used[best] = True
                hits[i], on_ignored[i] = not ignored[best], ignored[best]
                break
    return hits, on_ignored


def every_area(area: np.ndarray) -> np.ndarray:
    return np.ones(len(area), bool)


def scored(photos: list[Photo],
           in_range: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray, int]:
    """Scores and hits of the counted boxes, and the labelled boxes counted, for the areas ``in_range`` keeps."""
    all_scores, all_hits, positives = [], [], 0
    for truth, boxes, scores in photos:
        ignored = ~in_range(box_areas(truth))
        hits, on_ignored = _match(truth, ignored, boxes)
        counted = ~on_ignored & (hits | in_range(box_areas(boxes)))
        positives += int((~ignored).sum())
        all_scores.append(scores[counted])
        all_hits.append(hits[counted])
    return np.concatenate(all_scores), np.concatenate(all_hits), positives


def most_missed(photos: dict[str, Photo]) -> dict:
    """The photo with the most labelled tricycles missed at the operating confidence, and the AP50 without it."""
    missed = {name: len(truth) - int(match(truth, boxes[scores >= OPERATING_CONF]).sum())
              for name, (truth, boxes, scores) in photos.items()}
    worst = max(missed, key=missed.get)
    truth = photos[worst][0]
    rest = [photo for name, photo in photos.items() if name != worst]
    return {"photo": worst, "tricycles": len(truth), "small": int((box_areas(truth) < SMALL_AREA).sum()),
            "missed": missed[worst], "ap50_without_it": round(average_precision(*scored(rest, every_area)), 4)}


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
    distractor_ids = _distractor_ids(model.names)
    photos, distractors = {}, {}
    images = sorted((AUTORICKSHAW / "images" / split).glob("*.jpg"))
    for image in images:
        result = model.predict(str(image), imgsz=imgsz, conf=0.001, iou=0.7, max_det=300, device="cpu",
                               classes=wanted, verbose=False)[0]
        height, width = result.orig_shape
        label = AUTORICKSHAW / "labels" / split / f"{image.stem}.txt"
        truth = np.array([box for _, box in read_yolo_boxes(label)]).reshape(-1, 4) * [width, height, width, height]
        photos[image.name] = (truth, *pooled(result.boxes.xyxy.numpy(), result.boxes.conf.numpy()))
        if distractor_ids:
            # the pipeline sees the distractors its detector keeps: those at the operating confidence
            seen = model.predict(str(image), imgsz=imgsz, conf=OPERATING_CONF, iou=0.7, device="cpu",
                                 classes=distractor_ids, verbose=False)[0].boxes
            distractors[image.name] = (seen.xyxy.numpy(), seen.conf.numpy())
    scores, hits, positives = scored(list(photos.values()), every_area)
    confident = scores >= OPERATING_CONF
    by_size = {}
    sizes = (("small", lambda area: area < SMALL_AREA), ("medium_large", lambda area: area >= SMALL_AREA))
    for size, in_range in sizes:
        size_scores, size_hits, size_positives = scored(list(photos.values()), in_range)
        by_size[size] = {"tricycles": size_positives,
                         "ap50": round(average_precision(size_scores, size_hits, size_positives), 4)}
    return {
        "images": len(images), "tricycles": positives, "ap50": round(average_precision(scores, hits, positives), 4),
        "conf": OPERATING_CONF,
        "precision": round(float(hits[confident].sum() / max(confident.sum(), 1)), 4),
        "recall": round(float(hits[confident].sum() / max(positives, 1)), 4),
        "true_boxes": int(hits[confident].sum()), "false_boxes": int((~hits[confident]).sum()),
        "by_size": by_size, "most_missed_photo": most_missed(photos),
        "distractor_rule": distractor_rule_effect(photos, distractors) if distractor_ids else None,
    }


def _distractor_ids(names: dict[int, str]) -> list[int]:
    """The model's classes that the demo class map lists as `ignore` (none if that map does not fit the model)."""
    from detection.class_map import ClassMap, ClassMapError

    try:
        class_map = ClassMap.load(DEMO_DIR / "class_map.yaml", names)
    except ClassMapError:
        return []
    return [i for i in names if class_map.distractor_mask(np.array([i]))[0]]


def distractor_rule_effect(photos: dict[str, Photo], distractors: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict:
    """Of the tricycle boxes at the operating confidence, how many right and wrong ones the pipeline's distractor rule
    (a car or two-wheeler box on the same object, scored above a share of the tricycle's) keeps from being tracked."""
    from detection.pipeline import PipelineSettings, overlapped_by_higher

    settings = PipelineSettings()
    dropped = {"true_boxes_dropped": 0, "false_boxes_dropped": 0}
    for name, (truth, boxes, scores) in photos.items():
        confident = scores >= OPERATING_CONF
        hits = match(truth, boxes[confident])
        rule = overlapped_by_higher(boxes[confident], scores[confident], *distractors[name],
                                    settings.distractor_box_iou, settings.distractor_score_share)
        dropped["true_boxes_dropped"] += int((rule & hits).sum())
        dropped["false_boxes_dropped"] += int((rule & ~hits).sum())
    return dropped


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.starter.tricycle_ap", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEMO_DIR / "starter.pt")
    parser.add_argument("--imgsz", type=int, default=512)
    parser.add_argument("--split", choices=("val", "train"), default="val",
                        help="train: how well the model fits the photos it was trained on")
    args = parser.parse_args(argv)
    print(json.dumps(tricycle_ap50(args.model, imgsz=args.imgsz, split=args.split), indent=2))


if __name__ == "__main__":
    main()
