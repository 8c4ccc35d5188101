"""Plate state per track: plated (with text when readable), unplated, or unknown.

Two ways to look for a plate, chosen by the model:
- the model has a `plate` class: plate boxes inside a vehicle box are found for free on every frame, and the reader
  only recognises the text in a few of them (`read_in`);
- it has not: the reader's own text detection runs on the vehicle crop (`find_and_read`), on a few good frames only.

Reading is rate-limited per track (at most `max_reads`, spaced out, stopped early once two readings agree), because
OCR costs as much as a detector pass. "Unplated" is a claim about the vehicle, so it needs evidence: the vehicle was
seen on enough good frames (large enough, not cut by the image edge, confident) and no plate was found on any.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from detection.types import Box, PlateState


class PlateReadingLike(Protocol):
    """What a plate reading offers (detection.plate.PlateReading)."""

    text: str
    confidence: float


class PlateReaderLike(Protocol):
    """The part of detection.plate.PlateReader the pipeline uses."""

    def read_in(self, image_bgr: np.ndarray, box_xyxy: Sequence[float]) -> PlateReadingLike | None: ...

    def find_and_read(self, vehicle_crop_bgr: np.ndarray) -> tuple[Sequence[float], PlateReadingLike] | None: ...


Vote = Callable[[list[Any]], Any]


@dataclass(frozen=True)
class PlateCheckSettings:
    """When to read plates and what counts as evidence.

    max_reads: OCR calls per track at most. read_spacing: frames between two OCR calls on a track.
    min_vehicle_width: a vehicle box narrower than this (pixels) is too small to judge its plate.
    min_plate_width: model plate boxes narrower than this are counted but not read.
    min_plate_score: model plate boxes scored below this are weak: alone they do not show a plate (a small model
        fires weakly on grilles and lights, and a false "plated" would exempt an unplated vehicle); the reader checks
        them within its budget, and a reading makes them a plate.
    max_weak_share: an unplated call tolerates unchecked weak plate boxes on at most this share of the good frames;
        once the reader has rejected `weak_rejections` of them, they are taken for false alarms.
    edge_margin: a box closer than this to the image edge is cut off, so not a good frame.
    min_vehicle_score: a good frame needs at least this detection score.
    unplated_after: good frames without any plate needed to call a vehicle unplated.
    plated_after: model plate boxes needed to call a vehicle plated when no text could be read.
    min_text_confidence: a voted text below this confidence is kept as "plated, text unknown".
    """

    max_reads: int = 3
    read_spacing: int = 3
    min_vehicle_width: float = 120.0
    min_plate_width: float = 40.0
    min_plate_score: float = 0.5
    max_weak_share: float = 0.15
    weak_rejections: int = 2
    edge_margin: float = 4.0
    min_vehicle_score: float = 0.4
    unplated_after: int = 3
    plated_after: int = 2
    min_text_confidence: float = 0.5


def vote_by_text(readings: list[Any]) -> Any:
    """Whole-string vote weighted by confidence; the winner's confidence is its mean times its share of votes."""
    if not readings:
        return None
    weight: dict[str, float] = defaultdict(float)
    confs: dict[str, list[float]] = defaultdict(list)
    for reading in readings:
        weight[reading.text] += float(reading.confidence)
        confs[reading.text].append(float(reading.confidence))
    text = max(weight, key=lambda t: (weight[t], len(confs[t])))
    share = len(confs[text]) / len(readings)
    return _Reading(text, float(np.mean(confs[text])) * share)


@dataclass(frozen=True)
class _Reading:
    text: str
    confidence: float


def default_vote() -> Vote:
    """The plate helper's per-character vote when it is installed, else a whole-string vote."""
    try:
        from detection.plate import vote_plates
    except ImportError:
        return vote_by_text
    return vote_plates


@dataclass
class PlateTrack:
    """What one track has shown about its plate so far."""

    good_frames: int = 0
    plate_hits: int = 0
    weak_hits: int = 0
    weak_rejected: int = 0
    plate_scores: list[float] = field(default_factory=list)
    reads: int = 0
    last_read_frame: int = -(10**9)
    readings: list[Any] = field(default_factory=list)

    def settled(self) -> bool:
        """Two readings agree: more OCR would not change the answer."""
        texts = [r.text for r in self.readings]
        return any(texts.count(t) >= 2 for t in set(texts))


class PlateCheck:
    """Decides the plate state of each track, reading plates through a `PlateReaderLike` when one is given."""

    def __init__(self, settings: PlateCheckSettings | None = None, reader: PlateReaderLike | None = None, vote=None):
        self.settings = settings or PlateCheckSettings()
        self.reader = reader
        self.vote: Vote = vote or default_vote()

    def good_frame(self, box: Box, score: float, frame_size: tuple[int, int]) -> bool:
        """Whether this view of a vehicle is good enough to judge its plate."""
        s = self.settings
        x1, y1, x2, y2 = box
        width, height = frame_size
        inside = x1 >= s.edge_margin and y1 >= s.edge_margin and x2 <= width - s.edge_margin
        inside = inside and y2 <= height - s.edge_margin
        return inside and (x2 - x1) >= s.min_vehicle_width and score >= s.min_vehicle_score

    def observe(
        self,
        plate: PlateTrack,
        image: np.ndarray,
        frame_index: int,
        box: Box,
        score: float,
        plate_box: Box | None,
        plate_score: float | None,
        model_finds_plates: bool,
    ) -> Box | None:
        """Record one frame of a track; returns the plate box seen on it (from the model or the reader), if any."""
        height, width = image.shape[:2]
        good = self.good_frame(box, score, (width, height))
        if plate_box is not None and (plate_score or 0.0) < self.settings.min_plate_score:
            plate.weak_hits += 1
            return self._check_weak(plate, image, frame_index, plate_box) if good else None
        if plate_box is not None:
            plate.plate_hits += 1
            plate.plate_scores.append(float(plate_score or 0.0))
        if not good:
            return plate_box
        plate.good_frames += 1
        if not self._may_read(plate, frame_index):
            return plate_box
        if model_finds_plates:
            if plate_box is not None and (plate_box[2] - plate_box[0]) >= self.settings.min_plate_width:
                self._count_read(plate, frame_index, self.reader.read_in(image, plate_box))
            return plate_box
        x1, y1, x2, y2 = (int(round(v)) for v in box)
        found = self.reader.find_and_read(image[max(y1, 0) : y2, max(x1, 0) : x2])
        self._count_read(plate, frame_index, found[1] if found else None)
        if found is None:
            return None
        bx1, by1, bx2, by2 = (float(v) for v in found[0])
        plate.plate_hits += 1
        plate.plate_scores.append(float(found[1].confidence))
        return (bx1 + max(x1, 0), by1 + max(y1, 0), bx2 + max(x1, 0), by2 + max(y1, 0))

    def _check_weak(self, plate: PlateTrack, image: np.ndarray, frame_index: int, plate_box: Box) -> Box | None:
        """Let the reader decide whether a weak plate box is a plate; returns it only when it reads as one."""
        plate.good_frames += 1
        if plate.weak_rejected >= self.settings.weak_rejections:
            return None  # the reader has ruled these out often enough; further checks would only cost OCR time
        if not self._may_read(plate, frame_index) or (plate_box[2] - plate_box[0]) < self.settings.min_plate_width:
            return None
        before = len(plate.readings)
        self._count_read(plate, frame_index, self.reader.read_in(image, plate_box))
        if len(plate.readings) > before:
            return plate_box
        plate.weak_rejected += 1
        return None

    def _may_read(self, plate: PlateTrack, frame_index: int) -> bool:
        s = self.settings
        return (
            self.reader is not None
            and plate.reads < s.max_reads
            and frame_index - plate.last_read_frame >= s.read_spacing
            and not plate.settled()
        )

    @staticmethod
    def _count_read(plate: PlateTrack, frame_index: int, reading: Any) -> None:
        plate.reads += 1
        plate.last_read_frame = frame_index
        if reading is not None and getattr(reading, "text", None):
            plate.readings.append(reading)

    def state(self, plate: PlateTrack, model_finds_plates: bool) -> PlateState:
        """The plate state the evidence so far supports."""
        s = self.settings
        voted = self.vote(list(plate.readings)) if plate.readings else None
        if voted is not None and voted.confidence >= s.min_text_confidence:
            return PlateState("plated", voted.text, round(float(voted.confidence), 4))
        seen_plate = plate.plate_hits >= s.plated_after or (voted is not None)
        if seen_plate:
            conf = float(np.mean(plate.plate_scores)) if plate.plate_scores else None
            return PlateState("plated", None, None if conf is None else round(conf, 4))
        unchecked = plate.weak_hits - plate.weak_rejected
        weak_dismissed = plate.weak_rejected >= s.weak_rejections or unchecked <= s.max_weak_share * plate.good_frames
        if plate.plate_hits == 0 and weak_dismissed and self._enough_looks(plate, model_finds_plates):
            return PlateState("unplated", None, None)
        return PlateState("unknown", None, None)

    def _enough_looks(self, plate: PlateTrack, model_finds_plates: bool) -> bool:
        if model_finds_plates:
            return plate.good_frames >= self.settings.unplated_after
        # Without a plate class, only frames the reader actually searched are evidence of absence.
        return self.reader is not None and plate.reads >= self.settings.unplated_after
