"""One camera's pipeline: frames in, sighting events out.

detect (batched) -> keep vehicle classes (one box a vehicle, none on a distractor's box) -> track (ByteTrack/BoT-SORT)
-> zone with inertia -> plate check -> sighting book (thresholds, vote, evidence) -> events. Everything that must
survive a restart (tracker, open tracks, zone counters) lives in `PipelineCheckpoint`, which pickles; the model and
the plate reader do not, and are handed in again.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from detection.class_map import ClassMap
from detection.detector import Detector
from detection.plate_check import PlateCheck, PlateCheckSettings, PlateReaderLike
from detection.sightings import Observation, SightingSettings, TrackRecord
from detection.tracking import Tracker, TrackerSettings
from detection.types import Box, Detections, Frame, SightingEvent
from detection.zone import Zone, ZoneInertia


@dataclass(frozen=True)
class PipelineSettings:
    """Everything that tunes one camera's pipeline except the model itself (see DetectorSettings)."""

    camera: str = "camera"
    zone: Zone = field(default_factory=Zone.whole_frame)
    tracker: TrackerSettings = field(default_factory=TrackerSettings)
    sightings: SightingSettings = field(default_factory=SightingSettings)
    plates: PlateCheckSettings = field(default_factory=PlateCheckSettings)
    nested_box_ioa: float | None = 0.85
    """A vehicle box lying this much (intersection over its own area) inside a higher-scored one is a duplicate the
    model's NMS let through (IoU stays low when one box is much smaller); it is not tracked. None keeps all."""
    duplicate_box_iou: float | None = 0.6
    """Vehicle boxes overlapping a higher-scored one by this IoU are the same vehicle under two classes (the model's
    NMS works per class, so an e-tricycle box and a fuel-tricycle box can both survive); only the best is tracked."""
    distractor_box_iou: float | None = 0.6
    """A vehicle box overlapping by this IoU a box of a distractor class (one the class map lists as `ignore`, such as
    a car or a two-wheeler) that scores above `distractor_score_share` of its score is not tracked: the model also
    sees a distractor there, and a record needs a vehicle the model does not take for a car as well. None tracks
    such a box regardless."""
    distractor_score_share: float = 0.5
    """1.0 drops a vehicle box only for a higher-scored distractor; 0.5 also where the model is half as sure of the
    distractor. Chosen on the Jakarta clip (no tricycles: false tricycle sightings 17 -> 10 at 1.0 -> 7 at 0.5) and
    checked on the auto-rickshaw VAL photos, where it stops 3 of 37 false tricycle boxes and none of 126 right ones."""


@dataclass(frozen=True)
class TrackedVehicle:
    """A vehicle the tracker matched on a frame."""

    track_id: int
    box: Box
    score: float
    category: str
    inside: bool
    plate_box: Box | None
    in_sighting: bool


@dataclass(frozen=True, eq=False)
class FrameResult:
    """What the pipeline made of one frame: the model's raw detections, the tracked vehicles, and events."""

    frame: Frame
    detections: Detections
    vehicles: list[TrackedVehicle]
    events: list[SightingEvent]


class _CheckpointUnpickler(pickle.Unpickler):
    """Reads checkpoints saved before the class was renamed from ``CameraState``, so cameras resume after upgrade."""

    def find_class(self, module: str, name: str) -> type:
        if (module, name) == (__name__, "CameraState"):
            name = "PipelineCheckpoint"
        return super().find_class(module, name)


@dataclass
class PipelineCheckpoint:
    """The resumable part of a camera pipeline (pickle it to checkpoint, hand it back to resume)."""

    tracker: Tracker
    inertia: ZoneInertia
    records: dict[int, TrackRecord] = field(default_factory=dict)
    frames_seen: int = 0

    def without_images(self) -> PipelineCheckpoint:
        """A copy whose evidence keeps frame references only."""
        clone: PipelineCheckpoint = pickle.loads(pickle.dumps(self))
        for record in clone.records.values():
            record.drop_images()
        return clone


def box_areas(boxes: np.ndarray) -> np.ndarray:
    """Area of each xyxy box."""
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _intersections(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intersection areas of every box of `a` (rows) with every box of `b` (columns), and the boxes' own areas."""
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    return inter, np.maximum(box_areas(a), 1e-9), np.maximum(box_areas(b), 1e-9)


def _iou(inter: np.ndarray, area_a: np.ndarray, area_b: np.ndarray) -> np.ndarray:
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


def nested_duplicates(
    xyxy: np.ndarray, scores: np.ndarray, max_ioa: float | None, max_iou: float | None = None
) -> np.ndarray:
    """Boolean mask of boxes lying `max_ioa` or more inside, or overlapping by `max_iou` IoU, a higher-scored box."""
    n = len(scores)
    if n < 2:
        return np.zeros(n, bool)
    inter, own, _ = _intersections(xyxy, xyxy)
    duplicate = np.zeros((n, n), bool)
    if max_ioa is not None:
        duplicate |= inter / own[:, None] >= max_ioa  # row i: share of box i inside box j
    if max_iou is not None:
        duplicate |= _iou(inter, own, own) >= max_iou
    higher = scores[None, :] > scores[:, None]
    return (duplicate & higher).any(axis=1)


def overlapped_by_higher(xyxy: np.ndarray, scores: np.ndarray, other_xyxy: np.ndarray, other_scores: np.ndarray,
                         min_iou: float, min_share: float = 1.0) -> np.ndarray:
    """Boolean mask of the boxes overlapping, by `min_iou` IoU or more, a box of the other set that scores more than
    `min_share` times theirs (1.0: a higher-scored box)."""
    if not len(scores) or not len(other_scores):
        return np.zeros(len(scores), bool)
    overlapping = _iou(*_intersections(xyxy, other_xyxy)) >= min_iou
    return (overlapping & (other_scores[None, :] > min_share * scores[:, None])).any(axis=1)


def assign_plates(
    vehicle_boxes: np.ndarray, plate_boxes: np.ndarray, plate_scores: np.ndarray
) -> list[tuple[Box, float] | None]:
    """Give each plate box to the smallest vehicle box that holds its centre; keep the best plate per vehicle."""
    out: list[tuple[Box, float] | None] = [None] * len(vehicle_boxes)
    if len(vehicle_boxes) == 0 or len(plate_boxes) == 0:
        return out
    cx = (plate_boxes[:, 0] + plate_boxes[:, 2]) / 2.0
    cy = (plate_boxes[:, 1] + plate_boxes[:, 3]) / 2.0
    v = vehicle_boxes
    inside_x = (cx[None, :] >= v[:, 0:1]) & (cx[None, :] <= v[:, 2:3])
    holds = inside_x & (cy[None, :] >= v[:, 1:2]) & (cy[None, :] <= v[:, 3:4])
    areas = box_areas(v)
    for p in range(len(plate_boxes)):
        holders = np.flatnonzero(holds[:, p])
        if len(holders) == 0:
            continue
        owner = int(holders[np.argmin(areas[holders])])
        score = float(plate_scores[p])
        if out[owner] is None or score > out[owner][1]:
            out[owner] = (tuple(float(x) for x in plate_boxes[p]), score)
    return out


class CameraPipeline:
    """Turns one camera's frames into sighting events (`process`, `run`), and ends open tracks on `finish`."""

    def __init__(
        self,
        detector: Detector | None,
        class_map: ClassMap,
        settings: PipelineSettings | None = None,
        plate_reader: PlateReaderLike | None = None,
        state: PipelineCheckpoint | None = None,
    ):
        """Compose the stages; pass `state` (from `state` or `checkpoint`) to resume where a previous run stopped.

        `detector` may be None when detections come from elsewhere: then call `track(frame, detections)` yourself.
        """
        self.detector = detector
        self.class_map = class_map
        self.settings = settings or PipelineSettings()
        self.plate_check = PlateCheck(self.settings.plates, plate_reader)
        self.state = state or PipelineCheckpoint(Tracker(self.settings.tracker), ZoneInertia(self.settings.zone))

    def checkpoint(self, include_images: bool = False) -> bytes:
        """The pickled state; without images unless asked, so it stays small."""
        return pickle.dumps(self.state if include_images else self.state.without_images())

    @staticmethod
    def restore(data: bytes) -> PipelineCheckpoint:
        """A state from `checkpoint` bytes."""
        state = _CheckpointUnpickler(io.BytesIO(data)).load()
        if not isinstance(state, PipelineCheckpoint):
            raise TypeError(f"not a camera checkpoint: {type(state).__name__}")
        return state

    def process(self, frame: Frame) -> list[SightingEvent]:
        """Process one frame; returns the events it caused."""
        return self.step(frame).events

    def step(self, frame: Frame) -> FrameResult:
        """Process one frame and return everything about it."""
        return self.step_batch([frame])[0]

    def step_batch(self, frames: Sequence[Frame]) -> list[FrameResult]:
        """Detect on a batch of frames in one model call, then track them in order."""
        if self.detector is None:
            raise RuntimeError("this pipeline has no detector; hand detections to track() instead")
        all_detections = self.detector.detect([f.image for f in frames])
        return [self.track(frame, dets) for frame, dets in zip(frames, all_detections)]

    def run(self, frames: Iterable[Frame], finish: bool = True) -> Iterator[FrameResult]:
        """Process a whole source, `batch` frames per model call; the last result carries the end-of-run events."""
        batch: list[Frame] = []
        size = self.detector.settings.batch if self.detector is not None else 1
        last: FrameResult | None = None
        for frame in frames:
            batch.append(frame)
            if len(batch) < size:
                continue
            for result in self.step_batch(batch):
                if last is not None:
                    yield last
                last = result
            batch = []
        if batch:
            for result in self.step_batch(batch):
                if last is not None:
                    yield last
                last = result
        if last is not None:
            if finish:
                last = replace(last, events=last.events + self.finish())
            yield last

    def finish(self) -> list[SightingEvent]:
        """End every open track (end of a file, or a camera going away)."""
        events = [self._end(track_id) for track_id in list(self.state.records)]
        return [e for e in events if e is not None]

    def track(self, frame: Frame, detections: Detections) -> FrameResult:
        """Track one frame's detections and update the sightings."""
        state = self.state
        state.frames_seen += 1
        class_ids = detections.class_ids
        vehicles = detections.select(self.class_map.vehicle_mask(class_ids))
        if self.settings.nested_box_ioa is not None or self.settings.duplicate_box_iou is not None:
            vehicles = vehicles.select(~nested_duplicates(
                vehicles.xyxy, vehicles.scores, self.settings.nested_box_ioa, self.settings.duplicate_box_iou))
        if self.settings.distractor_box_iou is not None:
            distractors = detections.select(self.class_map.distractor_mask(class_ids))
            vehicles = vehicles.select(~overlapped_by_higher(
                vehicles.xyxy, vehicles.scores, distractors.xyxy, distractors.scores, self.settings.distractor_box_iou,
                self.settings.distractor_score_share))
        track_ids, det_idx = state.tracker.update(vehicles, frame.image)
        boxes = vehicles.xyxy[det_idx]
        inside = self.settings.zone.contains(boxes, frame.size)
        state.inertia.update(track_ids, inside)
        model_plates = self.class_map.has_plate_class
        if model_plates:
            plate_rows = self.class_map.plate_mask(class_ids)
            plates = assign_plates(boxes, detections.xyxy[plate_rows], detections.scores[plate_rows])
        else:
            plates = [None] * len(track_ids)

        events: list[SightingEvent] = []
        tracked: list[TrackedVehicle] = []
        for k, track_id in enumerate(track_ids.tolist()):
            i = int(det_idx[k])
            box = tuple(float(v) for v in vehicles.xyxy[i])
            score = float(vehicles.scores[i])
            record = state.records.get(track_id)
            if record is None:
                record = state.records[track_id] = TrackRecord(track_id)
            plate_box, plate_score = plates[k] if plates[k] is not None else (None, None)
            if inside[k]:
                plate_box = self.plate_check.observe(
                    record.plate, frame.image, state.frames_seen, box, score, plate_box, plate_score, model_plates
                )
                record.plate_state = self.plate_check.state(record.plate, model_plates)
            obs = Observation(track_id, box, score, self.class_map.category(vehicles.class_ids[i]), bool(inside[k]),
                              plate_box)
            record.observe(frame, obs, self.settings.sightings)
            event = self._advance(record, state.inertia.admitted(track_id))
            if event is not None:
                events.append(event)
            tracked.append(TrackedVehicle(track_id, box, score, obs.category, obs.inside, plate_box, record.started))

        alive = state.tracker.alive_ids()
        for track_id in [t for t in state.records if t not in alive]:
            event = self._end(track_id)
            if event is not None:
                events.append(event)
        return FrameResult(frame, detections, tracked, events)

    def _advance(self, record: TrackRecord, admitted: bool) -> SightingEvent | None:
        settings = self.settings.sightings
        if not record.started:
            if not record.ready(settings, admitted):
                return None
            record.started = True
            record.last_signature = record.signature()
            return SightingEvent("started", record.snapshot(self.settings.camera, settings))
        signature = record.signature()
        if signature == record.last_signature:
            return None
        record.last_signature = signature
        return SightingEvent("updated", record.snapshot(self.settings.camera, settings))

    def _end(self, track_id: int) -> SightingEvent | None:
        record = self.state.records.pop(track_id)
        self.state.inertia.forget(track_id)
        if not record.started:
            return None
        return SightingEvent("ended", record.snapshot(self.settings.camera, self.settings.sightings))
