"""Scoring sightings against ground truth: per-class precision and recall, duplicates, plate states.

A sighting matches the true vehicle whose boxes it overlaps (IoU >= `iou`) on at least `min_share` of the sighting's
own frames; frames are lined up by capture time (`start` + frame / fps). Then, per category:

- precision: sightings of that type matched to an expected vehicle of that type / sightings of that type;
- recall: expected vehicles of that type with at least one such sighting / expected vehicles of that type;
- duplicates: for every expected vehicle, matched sightings beyond the first (one pass, one sighting).

"Expected" vehicles are those the pipeline should report: a vehicle category, not parked off the road, and visible
(>= `min_visible` of it on screen) on at least `min_frames` frames. A sighting of anything else (a distractor
class, a parked vehicle, nothing at all) counts against precision.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from detection.types import VEHICLE_CATEGORIES, Box, SightingSnapshot


@dataclass(frozen=True)
class TruthVehicle:
    """One true vehicle: its category, plate (None: unplated) and its box on each frame it is on screen."""

    id: str
    category: str
    plate: str | None
    parked: bool
    boxes: dict[int, Box]
    visible: dict[int, float] = field(default_factory=dict)
    plate_visible: bool = True


@dataclass(frozen=True)
class Truth:
    """The ground truth of a clip."""

    fps: float
    vehicles: list[TruthVehicle]
    road_zone: list[tuple[float, float]] | None = None


def load_truth(path: str | Path) -> Truth:
    """Read the demo clip's ground-truth JSON (see tools/synth/video.py for the format)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    vehicles = []
    for v in data["vehicles"]:
        boxes = {int(f["frame"]): tuple(float(c) for c in f["box"]) for f in v["frames"]}
        visible = {int(f["frame"]): float(f.get("visible", 1.0)) for f in v["frames"]}
        vehicles.append(TruthVehicle(
            id=str(v["id"]),
            category=str(v["class"]),
            plate=v.get("plate") if v.get("plated", v.get("plate") is not None) else None,
            parked=bool(v.get("parked", False)),
            boxes=boxes,
            visible=visible,
            plate_visible=bool(v.get("plate_visible_from_camera", True)),
        ))
    zone = [tuple(p) for p in data["road_zone"]] if data.get("road_zone") else None
    return Truth(float(data["fps"]), vehicles, zone)


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two xyxy boxes."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class ClassScore:
    """Precision and recall of one category."""

    category: str
    expected: int
    predicted: int
    correct: int
    found: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else float("nan")

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else float("nan")


@dataclass(frozen=True)
class Evaluation:
    """The scores of one run against its ground truth."""

    classes: dict[str, ClassScore]
    duplicates: int
    expected_vehicles: int
    unmatched_sightings: list[int]  # track ids of sightings that match no true vehicle
    matches: dict[int, str | None]  # track id -> true vehicle id
    confusion: dict[tuple[str, str], int]  # (true category, sighted type) -> sightings
    plate_states: dict[tuple[str, str], int]  # (true "plated"/"unplated", sighted state) -> expected vehicles
    plate_texts_exact: int
    plate_texts_total: int

    @property
    def duplicates_per_vehicle(self) -> float:
        return self.duplicates / self.expected_vehicles if self.expected_vehicles else 0.0

    def format(self) -> str:
        """A small text table for logs and test output."""
        lines = [f"{'class':16} {'expected':>8} {'sighted':>8} {'precision':>9} {'recall':>7}"]
        for s in self.classes.values():
            lines.append(f"{s.category:16} {s.expected:8d} {s.predicted:8d} {s.precision:9.2f} {s.recall:7.2f}")
        lines.append(f"duplicates {self.duplicates} ({self.duplicates_per_vehicle:.2f} per vehicle), "
                     f"unmatched sightings {len(self.unmatched_sightings)}")
        lines.append(f"plate states {dict(self.plate_states)}; texts exact {self.plate_texts_exact}/"
                     f"{self.plate_texts_total}")
        return "\n".join(lines)


def _frame_of(t: datetime, start: datetime, fps: float) -> int:
    return int(round((t - start).total_seconds() * fps))


def match_sighting(sighting: SightingSnapshot, truth: Truth, start: datetime, iou: float, min_share: float) -> str | None:
    """The id of the true vehicle this sighting followed, or None."""
    frames = [(_frame_of(p.captured_at, start, truth.fps), p.box_xyxy) for p in sighting.track]
    if not frames:
        return None
    best_id, best_hits = None, 0
    for vehicle in truth.vehicles:
        hits = sum(1 for f, box in frames if f in vehicle.boxes and box_iou(box, vehicle.boxes[f]) >= iou)
        if hits > best_hits:
            best_id, best_hits = vehicle.id, hits
    return best_id if best_hits >= min_share * len(frames) else None


def expected_vehicle(min_frames: int = 5, min_visible: float = 0.5) -> Callable[[TruthVehicle], bool]:
    """The default rule for which true vehicles a run should report."""

    def rule(vehicle: TruthVehicle) -> bool:
        seen = sum(1 for share in vehicle.visible.values() if share >= min_visible) if vehicle.visible else len(
            vehicle.boxes)
        return vehicle.category in VEHICLE_CATEGORIES and not vehicle.parked and seen >= min_frames

    return rule


def evaluate_sightings(
    sightings: Iterable[SightingSnapshot],
    truth: Truth,
    start: datetime,
    iou: float = 0.5,
    min_share: float = 0.5,
    expected: Callable[[TruthVehicle], bool] | None = None,
) -> Evaluation:
    """Score final sightings (e.g. the `ended` events of a run) against the truth of the same clip."""
    rule = expected or expected_vehicle()
    sightings = list(sightings)
    by_id = {v.id: v for v in truth.vehicles}
    wanted = {v.id for v in truth.vehicles if rule(v)}
    matches = {s.track_id: match_sighting(s, truth, start, iou, min_share) for s in sightings}
    per_vehicle: dict[str, list[SightingSnapshot]] = defaultdict(list)
    confusion: Counter = Counter()
    for s in sightings:
        vehicle_id = matches[s.track_id]
        if vehicle_id is not None:
            per_vehicle[vehicle_id].append(s)
            confusion[(by_id[vehicle_id].category, s.vehicle_type)] += 1

    categories = sorted(VEHICLE_CATEGORIES)
    classes = {}
    for c in categories:
        typed = [s for s in sightings if s.vehicle_type == c]
        correct = [s for s in typed if matches[s.track_id] in wanted and by_id[matches[s.track_id]].category == c]
        expected_c = [v for v in wanted if by_id[v].category == c]
        found = [v for v in expected_c if any(s.vehicle_type == c for s in per_vehicle.get(v, []))]
        classes[c] = ClassScore(c, len(expected_c), len(typed), len(correct), len(found))

    plate_states: Counter = Counter()
    exact = total = 0
    for vehicle_id in wanted:
        vehicle = by_id[vehicle_id]
        for s in per_vehicle.get(vehicle_id, [])[:1]:
            plate_states[("plated" if vehicle.plate else "unplated", s.plate.state)] += 1
            if vehicle.plate and vehicle.plate_visible:
                total += 1
                exact += int(s.plate.text == vehicle.plate)
    return Evaluation(
        classes=classes,
        duplicates=sum(max(len(per_vehicle.get(v, [])) - 1, 0) for v in wanted),
        expected_vehicles=len(wanted),
        unmatched_sightings=[s.track_id for s in sightings if matches[s.track_id] is None],
        matches=matches,
        confusion=dict(confusion),
        plate_states=dict(plate_states),
        plate_texts_exact=exact,
        plate_texts_total=total,
    )

