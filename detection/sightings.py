"""From tracks to sightings: thresholds, the vehicle-type vote, evidence frames and the event stream.

A track becomes a sighting once it is admitted by the zone (inside for `inertia` consecutive frames), has been seen
on `min_frames` frames and its median detection score reaches `min_score`. Then it emits `started`, `updated` when
its vehicle type or plate state changes, and `ended` when the tracker lets it go.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from detection.plate_check import PlateTrack
from detection.types import Box, EvidenceFrame, Frame, PlateState, SightingSnapshot, TrackPoint


@dataclass(frozen=True)
class SightingSettings:
    """When a track counts and what evidence it keeps.

    min_frames: frames a track must be seen on. min_score: its median detection score at least this.
    min_move: movement between the two panoramas, as a share of the box height (bottom-centre displacement).
    min_panorama_gap_s: seconds between the two panoramas at least. require_whole_view: the vehicle must be seen
    whole (its box clear of the image edge) inside the zone at least once; a vehicle only ever half in view at the
    edge is no evidence, and a second box on it there would otherwise make a duplicate sighting. keep_images: keep frame images on evidence
    (off: frame references only, for small checkpoints). max_points: track points kept per sighting (older points
    are thinned out beyond this, so a vehicle parked for hours does not grow without bound). panorama_margin and
    panorama_min_height: a frame makes a clear panorama when the whole box keeps this share of the picture's width
    and height from every edge and is at least this share of the picture's height tall; clear frames are preferred.
    """

    min_frames: int = 5
    min_score: float = 0.4
    min_move: float = 0.25
    min_panorama_gap_s: float = 0.2
    keep_images: bool = True
    require_whole_view: bool = True
    max_points: int = 600
    panorama_margin: float = 0.02
    panorama_min_height: float = 0.1


@dataclass(frozen=True)
class Observation:
    """One tracked vehicle on one frame, as the pipeline hands it to the book."""

    track_id: int
    box: Box
    score: float
    category: str
    inside: bool
    plate_box: Box | None = None


def _bottom_centre(box: Box) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2.0, box[3])


def _distance(a: Box, b: Box) -> float:
    """How far the vehicle went between two boxes (bottom-centre displacement, in pixels)."""
    (ax, ay), (bx, by) = _bottom_centre(a), _bottom_centre(b)
    return math.hypot(bx - ax, by - ay)


def _cut(box: Box, frame_size: tuple[int, int]) -> bool:
    """Whether the box touches the image edge (the vehicle is only partly in view)."""
    x1, y1, x2, y2 = box
    width, height = frame_size
    return x1 <= 2 or y1 <= 2 or x2 >= width - 2 or y2 >= height - 2


def _clear(box: Box, frame_size: tuple[int, int], settings: SightingSettings) -> bool:
    """Whether the whole vehicle is in the picture, clear of its edges, and large enough to see."""
    x1, y1, x2, y2 = box
    width, height = frame_size
    margin_x, margin_y = width * settings.panorama_margin, height * settings.panorama_margin
    inside = x1 >= margin_x and y1 >= margin_y and x2 <= width - margin_x and y2 <= height - margin_y
    return inside and (y2 - y1) >= height * settings.panorama_min_height


def _quality(box: Box, score: float, frame_size: tuple[int, int], has_plate: bool) -> float:
    """Higher for large, confident, uncut views; a visible plate box makes a frame better evidence."""
    x1, y1, x2, y2 = box
    cut = _cut(box, frame_size)
    area = max(x2 - x1, 0.0) * max(y2 - y1, 0.0)
    return score * math.sqrt(area) * (0.5 if cut else 1.0) * (1.2 if has_plate else 1.0)


@dataclass
class TrackRecord:
    """Everything one track has shown so far (mutable; `snapshot` turns it into a frozen `SightingSnapshot`)."""

    track_id: int
    points: list[TrackPoint] = field(default_factory=list)
    votes: Counter = field(default_factory=Counter)
    best: EvidenceFrame | None = None
    best_quality: float = -1.0
    first_inside: EvidenceFrame | None = None
    farthest: EvidenceFrame | None = None
    farthest_move: float = -1.0
    # The same pair among clear frames only (see _clear). Plain defaults, so checkpoints pickled before these
    # fields existed still load (the class attribute stands in).
    first_clear: EvidenceFrame | None = None
    farthest_clear: EvidenceFrame | None = None
    farthest_clear_move: float = -1.0
    plate: PlateTrack = field(default_factory=PlateTrack)
    plate_state: PlateState = field(default_factory=PlateState)
    started: bool = False
    whole_view: bool = False
    last_signature: tuple | None = None

    def median_score(self) -> float:
        """Median detection score over the track."""
        return float(np.median([p.score for p in self.points])) if self.points else 0.0

    def vehicle_type(self) -> str:
        """Majority vote over the track's per-frame categories (ties go to the category seen first)."""
        return self.votes.most_common(1)[0][0] if self.votes else "ignore"

    def observe(self, frame: Frame, obs: Observation, settings: SightingSettings) -> None:
        """Add one frame of this track."""
        self.points.append(TrackPoint(frame.captured_at, obs.box, round(float(obs.score), 4)))
        if len(self.points) > settings.max_points:
            # keep the first point and every other later one: the path's shape survives, memory stays bounded
            self.points = self.points[:1] + self.points[1::2]
        self.votes[obs.category] += 1
        if not obs.inside:
            return
        evidence = EvidenceFrame(
            frame.ref, frame.captured_at, obs.box, obs.plate_box, frame.image if settings.keep_images else None
        )
        self.whole_view = self.whole_view or not _cut(obs.box, frame.size)
        quality = _quality(obs.box, obs.score, frame.size, obs.plate_box is not None)
        if quality > self.best_quality:
            self.best, self.best_quality = evidence, quality
        if _clear(obs.box, frame.size, settings):
            self._observe_clear(evidence, settings)
        if self.first_inside is None:
            self.first_inside = evidence
            return
        gap = (frame.captured_at - self.first_inside.captured_at).total_seconds()
        if gap < settings.min_panorama_gap_s:
            return
        move = _distance(self.first_inside.box_xyxy, obs.box)
        if move > self.farthest_move or self.farthest is None:
            self.farthest, self.farthest_move = evidence, move

    def _observe_clear(self, evidence: EvidenceFrame, settings: SightingSettings) -> None:
        if self.first_clear is None:
            self.first_clear = evidence
            return
        if (evidence.captured_at - self.first_clear.captured_at).total_seconds() < settings.min_panorama_gap_s:
            return
        move = _distance(self.first_clear.box_xyxy, evidence.box_xyxy)
        if move > self.farthest_clear_move:
            self.farthest_clear, self.farthest_clear_move = evidence, move

    def panoramas(self, settings: SightingSettings | None = None) -> list[EvidenceFrame]:
        """Two views at different times, the second as far as the vehicle went from the first.

        With ``settings``, two clear views (whole vehicle, clear of the edges, large enough) are preferred, as long
        as they show the movement whenever the first views do; otherwise the first in-zone views are kept.
        """
        first_views = [e for e in (self.first_inside, self.farthest) if e is not None]
        if settings is None or self.first_clear is None or self.farthest_clear is None:
            return first_views
        box = self.first_clear.box_xyxy
        clear_moved = self.farthest_clear_move >= settings.min_move * max(box[3] - box[1], 1.0)
        return [self.first_clear, self.farthest_clear] if clear_moved or not self.moved(settings) else first_views

    def moved(self, settings: SightingSettings) -> bool:
        """Whether the panoramas show visible movement (bottom-centre shift of `min_move` box heights)."""
        if self.first_inside is None or self.farthest is None:
            return False
        box = self.first_inside.box_xyxy
        return self.farthest_move >= settings.min_move * max(box[3] - box[1], 1.0)

    def ready(self, settings: SightingSettings, admitted: bool) -> bool:
        """Whether the track has earned a sighting."""
        return (
            admitted
            and len(self.points) >= settings.min_frames
            and self.median_score() >= settings.min_score
            and len(self.panoramas()) >= 2
            and (self.whole_view or not settings.require_whole_view)
        )

    def snapshot(self, camera: str, settings: SightingSettings) -> SightingSnapshot:
        """A frozen copy of the sighting as it stands."""
        assert self.best is not None
        return SightingSnapshot(
            camera=camera,
            track_id=self.track_id,
            first_seen=self.points[0].captured_at,
            last_seen=self.points[-1].captured_at,
            vehicle_type=self.vehicle_type(),
            votes=dict(self.votes),
            score=round(self.median_score(), 4),
            plate=self.plate_state,
            best=self.best,
            panoramas=self.panoramas(settings),
            track=list(self.points),
            moved=self.moved(settings),
        )

    def signature(self) -> tuple:
        """What an `updated` event reports a change of."""
        return (self.vehicle_type(), self.plate_state.state, self.plate_state.text)

    def drop_images(self) -> None:
        """Keep frame references only on the evidence (for a small checkpoint)."""
        self.best = self.best.without_image() if self.best else None
        self.first_inside = self.first_inside.without_image() if self.first_inside else None
        self.farthest = self.farthest.without_image() if self.farthest else None
        self.first_clear = self.first_clear.without_image() if self.first_clear else None
        self.farthest_clear = self.farthest_clear.without_image() if self.farthest_clear else None
