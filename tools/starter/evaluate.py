"""The starter model's scorecard, every figure docs/starter-model.md cites, from one command:

    PYTHONPATH=. python -m tools.starter.evaluate [--model traffic/demo/starter.pt] [--json out.json]
        [--compare traffic/demo/demo_model.pt]

1. tricycle AP50 on the real auto-rickshaw VAL split (any tricycle class counts; tools/starter/tricycle_ap.py);
2. the demo clip through the real pipeline (class map, tracker, zone, plate reader): precision and recall per
   category and duplicate sightings against demo_truth.json (detection/evaluate.py);
3. the Jakarta clip, every 5th frame: car recall of the model and of the COCO yolov8n it was fine-tuned from. The
   clip has no labels, so the reference cars are those a different, larger-vocabulary model (the yolo11n INT8 in
   ../shared/data) reports with confidence >= 0.5; both models are scored against the same reference at IoU 0.5;
   and, through the real pipeline over every frame, the sightings the model makes there: the clip shows no tricycle
   and no electric four-wheeler, so each one would be a false record (counted with the distractor rule, the
   pipeline's default, and without it);
4. CCPD: on each of the 16 CCPD-Base photos, whether a plate box (conf >= 0.25) overlaps the labelled plate at
   IoU >= 0.5; and on the 6 unplated CCPD-NP cars, the plate state the pipeline decides (the photo fed as 12 frames
   of a standing car, with the real plate reader): it must never be `plated` ("no sighting": the car was not found).

A model without tricycle classes (the COCO yolov8n) is scored with its car, truck and bus counted as tricycles, and
skips the demo clip and the Jakarta sightings (the demo class map names classes it does not have).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np

from tools.starter.assemble import every_nth_frame, iou_and_inside, read_yolo_boxes
from tools.starter.classes import CCPD_BASE, CCPD_SAMPLES, DEMO_DIR, JAKARTA_VIDEO, SHARED, TRICYCLE_CLASSES
from tools.starter.tricycle_ap import tricycle_ap50

START = datetime(2023, 6, 1, 8, 0, tzinfo=timezone.utc)
COCO_FP32 = SHARED / "yolov8n_coco_pretrained_pt" / "yolov8n_coco.pt"
REFERENCE = SHARED / "yolo11n_coco_int8_openvino" / "yolo11n_int8_openvino_model"
JAKARTA_STRIDE = 5
REFERENCE_CONF = 0.5
# The classes the demo folder's class map names; a model without them (COCO) cannot run the demo clip's pipeline.
DEMO_CLASS_MAP_NAMES = ("e_tricycle", "fuel_tricycle", "e_four_wheeler", "plate", "car", "two_wheeler")


def plate_reader():
    from detection.plate import PlateReader

    return PlateReader()


def demo_footage(model: Path) -> dict:
    """The demo clip through the pipeline, scored per category against its ground truth."""
    from detection.class_map import ClassMap
    from detection.detector import Detector
    from detection.evaluate import evaluate_sightings, load_truth
    from detection.pipeline import CameraPipeline, PipelineSettings
    from detection.sources import VideoFileSource
    from detection.zone import Zone

    truth = load_truth(DEMO_DIR / "demo_truth.json")
    detector = Detector(model)
    class_map = ClassMap.load(DEMO_DIR / "class_map.yaml", detector.names)
    pipeline = CameraPipeline(detector, class_map,
                              PipelineSettings(camera="demo", zone=Zone((tuple(truth.road_zone),), inertia=3)),
                              plate_reader())
    sightings = [e.sighting for r in pipeline.run(VideoFileSource(DEMO_DIR / "demo.mp4", start=START))
                 for e in r.events if e.kind == "ended"]
    result = evaluate_sightings(sightings, truth, START)
    print(result.format(), flush=True)
    return {
        "classes": {c: {"expected": s.expected, "sighted": s.predicted, "precision": round(s.precision, 4),
                        "recall": round(s.recall, 4)} for c, s in result.classes.items()},
        "duplicates": result.duplicates, "unmatched_sightings": len(result.unmatched_sightings),
        "plate_states": {f"{a}->{b}": n for (a, b), n in result.plate_states.items()},
    }


def _cars(model, image: np.ndarray, conf: float) -> np.ndarray:
    car = [i for i, name in model.names.items() if name == "car"]
    result = model.predict(image, conf=conf, classes=car, device="cpu", verbose=False)[0]
    return result.boxes.xyxy.numpy().reshape(-1, 4)


def _recall(reference: list[np.ndarray], found: list[np.ndarray]) -> float:
    hits = total = 0
    for truth, boxes in zip(reference, found):
        total += len(truth)
        used = np.zeros(len(boxes), bool)
        for box in truth:
            iou, _ = iou_and_inside(box, boxes)
            if len(iou):
                iou[used] = 0
                best = int(iou.argmax())
                if iou[best] >= 0.5:
                    used[best] = True
                    hits += 1
    return hits / max(total, 1)


@functools.cache
def _jakarta_baseline() -> tuple[list[np.ndarray], list[np.ndarray], float]:
    """The clip's frames, the reference's cars on them and the COCO yolov8n's recall: the same for every model
    scored in one process (the ablation scores several)."""
    from ultralytics import YOLO

    frames = every_nth_frame(JAKARTA_VIDEO, JAKARTA_STRIDE)
    reference_model = YOLO(str(REFERENCE), task="detect")
    reference = [_cars(reference_model, f, REFERENCE_CONF) for f in frames]
    coco = YOLO(str(COCO_FP32), task="detect")
    return frames, reference, _recall(reference, [_cars(coco, f, 0.25) for f in frames])


def jakarta_car_recall(model: Path) -> dict:
    """Car recall (conf 0.25) of the model and of the COCO yolov8n against a yolo11n reference."""
    from ultralytics import YOLO

    frames, reference, coco_recall = _jakarta_baseline()
    yolo = YOLO(str(model), task="detect")
    out = {"frames": len(frames), "reference_cars": int(sum(len(r) for r in reference)),
           "model_recall": round(_recall(reference, [_cars(yolo, f, 0.25) for f in frames]), 4),
           "coco_yolov8n_recall": round(coco_recall, 4)}
    out["difference"] = round(out["model_recall"] - out["coco_yolov8n_recall"], 4)
    return out


def jakarta_false_sightings(model: Path) -> dict:
    """Sightings by vehicle type on the Jakarta clip (no tricycle, no electric four-wheeler in it), with and without
    the pipeline's distractor rule; the model runs once a frame and both pipelines track the same detections."""
    from detection.class_map import ClassMap
    from detection.detector import Detector
    from detection.pipeline import CameraPipeline, PipelineSettings
    from detection.sources import VideoFileSource

    detector = Detector(model)
    class_map = ClassMap.load(DEMO_DIR / "class_map.yaml", detector.names)
    pipelines = {"sightings": CameraPipeline(None, class_map),
                 "without_distractor_rule": CameraPipeline(None, class_map, PipelineSettings(distractor_box_iou=None))}
    events: dict[str, list] = {name: [] for name in pipelines}
    for frame in VideoFileSource(JAKARTA_VIDEO, start=START):
        detections = detector.detect([frame.image])[0]
        for name, pipeline in pipelines.items():
            events[name] += pipeline.track(frame, detections).events
    return {name: dict(sorted(Counter(e.sighting.vehicle_type for e in events[name] + pipeline.finish()
                                      if e.kind == "ended").items()))
            for name, pipeline in pipelines.items()}


def ccpd_plates(model: Path) -> dict:
    """Plate boxes found on the 16 CCPD-Base photos, and plate states decided on the 6 unplated CCPD-NP cars."""
    from ultralytics import YOLO

    yolo = YOLO(str(model), task="detect")
    plate = [i for i, name in yolo.names.items() if name == "plate"]
    found = []
    for image in sorted((CCPD_BASE / "images").glob("*.jpg")) if plate else []:
        result = yolo.predict(str(image), conf=0.25, classes=plate, device="cpu", verbose=False)[0]
        height, width = result.orig_shape
        truth = np.array([b for _, b in read_yolo_boxes(CCPD_BASE / "labels" / f"{image.stem}.txt")]) * [
            width, height, width, height]
        hit = any(iou_and_inside(t, result.boxes.xyxy.numpy().reshape(-1, 4))[0].max(initial=0) >= 0.5
                  for t in truth)
        found.append(hit)
    states = {image.name: unplated_state(model, image) for image in sorted((CCPD_SAMPLES / "no_plate").glob("*.jpg"))}
    return {"plates_found": int(sum(found)), "plated_photos": len(found) if plate else "no plate class",
            "unplated_states": states, "unplated_called_plated": sum(1 for s in states.values() if s == "plated")}


def unplated_state(model: Path, photo: Path) -> str:
    """The plate state the pipeline decides for the car in a photo fed as 12 frames (a car standing still)."""
    from detection.class_map import ClassMap
    from detection.detector import Detector
    from detection.pipeline import CameraPipeline, PipelineSettings
    from detection.sightings import SightingSettings
    from detection.types import Frame

    detector = Detector(model)
    # The CCPD cars are ordinary cars; mapping the car class to a category makes the pipeline judge their plates.
    mapping = {"car": "e_four_wheeler"}
    if "plate" in detector.names.values():
        mapping["plate"] = "plate"
    class_map = ClassMap(mapping, detector.names)
    pipeline = CameraPipeline(detector, class_map, PipelineSettings(sightings=SightingSettings(min_frames=3)),
                              plate_reader=plate_reader())
    image = cv2.imread(str(photo))
    events = []
    for i in range(12):
        events += pipeline.process(Frame(image, START + timedelta(seconds=0.3 * i), i, f"{photo.stem}#{i}"))
    events += pipeline.finish()
    ended = [e.sighting for e in events if e.kind == "ended"]
    if not ended:
        return "no sighting"
    return max(ended, key=lambda s: len(s.track)).plate.state


def scorecard(model: Path, imgsz: int) -> dict:
    from ultralytics import YOLO

    print(f"== {model}", flush=True)
    names = set(YOLO(str(model), task="detect").names.values())
    # A COCO model has no tricycle class; what it calls an auto-rickshaw (car, truck or bus) is counted instead.
    tricycles = TRICYCLE_CLASSES if names & set(TRICYCLE_CLASSES) else ("car", "truck", "bus")
    card = {"model": str(model), "autorickshaw_val": {
        "counted_as_tricycle": list(tricycles), **tricycle_ap50(model, imgsz=imgsz, tricycle_classes=tricycles)}}
    print(json.dumps(card["autorickshaw_val"]), flush=True)
    if names >= set(DEMO_CLASS_MAP_NAMES):
        card["demo_footage"] = demo_footage(model)
    card["jakarta"] = jakarta_car_recall(model)
    if names >= set(DEMO_CLASS_MAP_NAMES):
        card["jakarta"]["false_sightings"] = jakarta_false_sightings(model)
    print(json.dumps(card["jakarta"]), flush=True)
    card["ccpd"] = ccpd_plates(model)
    print(json.dumps(card["ccpd"], ensure_ascii=False), flush=True)
    return card


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("YOLO_OFFLINE", "1")
    parser = argparse.ArgumentParser(prog="python -m tools.starter.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEMO_DIR / "starter.pt")
    parser.add_argument("--compare", type=Path, action="append", default=[],
                        help="also score these weights (e.g. traffic/demo/demo_model.pt)")
    parser.add_argument("--imgsz", type=int, default=512, help="inference size for the auto-rickshaw AP50")
    parser.add_argument("--json", type=Path, help="write the scorecards here")
    args = parser.parse_args(argv)
    cards = [scorecard(model, args.imgsz) for model in (args.model, *args.compare)]
    if args.json:
        args.json.write_text(json.dumps(cards, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
