"""Where on the image a vehicle counts: a camera's road area as normalised polygons, with inertia.

A box is inside when the bottom-centre of the box (where the wheels touch the road) lies inside one of the polygons.
A track counts only after it has been inside for `inertia` consecutive frames, so a vehicle on the pavement, or
parked just outside the road area, whose box flickers over the edge for a frame or two, never counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np


class ZoneError(ValueError):
    """A zone that cannot be used."""


def _polygon(points: Sequence[Sequence[float]]) -> tuple[tuple[float, float], ...]:
    poly = tuple((float(x), float(y)) for x, y in points)
    if len(poly) < 3:
        raise ZoneError(f"a zone polygon needs at least 3 points, got {len(poly)}")
    if any(not (0.0 <= v <= 1.0) for point in poly for v in point):
        raise ZoneError(f"zone points are normalised to the frame (0..1), got {poly}")
    return poly


@dataclass(frozen=True)
class Zone:
    """One or more normalised polygons ((x, y) in 0..1 of the frame width/height) plus the inertia in frames."""

    polygons: tuple[tuple[tuple[float, float], ...], ...]
    inertia: int = 3

    def __post_init__(self) -> None:
        if not self.polygons:
            raise ZoneError("a zone needs at least one polygon")
        object.__setattr__(self, "polygons", tuple(_polygon(p) for p in self.polygons))
        if self.inertia < 1:
            raise ZoneError(f"zone inertia is a number of frames >= 1, got {self.inertia}")

    @classmethod
    def whole_frame(cls, inertia: int = 1) -> Zone:
        """The entire image."""
        return cls((((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)),), inertia)

    @classmethod
    def parse(cls, texts: Iterable[str], inertia: int = 3) -> Zone:
        """Polygons written as 'x,y;x,y;x,y...' (normalised), one string per polygon."""
        polygons = []
        for text in texts:
            try:
                points = [tuple(float(v) for v in pair.split(",")) for pair in text.strip().split(";") if pair.strip()]
            except ValueError:
                raise ZoneError(f"cannot read zone {text!r}: write it as 'x,y;x,y;x,y' with values in 0..1") from None
            if any(len(p) != 2 for p in points):
                raise ZoneError(f"cannot read zone {text!r}: each point is 'x,y'")
            polygons.append(points)
        return cls(tuple(polygons), inertia)

    def contains(self, boxes_xyxy: np.ndarray, frame_size: tuple[int, int]) -> np.ndarray:
        """For each box, whether its bottom-centre lies inside any polygon (frame_size is (width, height))."""
        boxes = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
        width, height = frame_size
        px = (boxes[:, 0] + boxes[:, 2]) / 2.0 / width
        py = boxes[:, 3] / height
        inside = np.zeros(len(boxes), bool)
        for poly in self.polygons:
            inside |= _points_in_polygon(px, py, np.asarray(poly))
        return inside


def _points_in_polygon(px: np.ndarray, py: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd ray casting; points exactly on the bottom or right edge of the frame count as inside."""
    x, y = poly[:, 0], poly[:, 1]
    x2, y2 = np.roll(x, -1), np.roll(y, -1)
    inside = np.zeros(len(px), bool)
    for xa, ya, xb, yb in zip(x, y, x2, y2):
        if ya == yb:
            continue
        crosses = (ya > py) != (yb > py)
        x_at = xa + (py - ya) * (xb - xa) / (yb - ya)
        inside ^= crosses & (px < x_at)
    # Bottom-centres of boxes cut by the image edge sit exactly on y == 1 (or x == 1), where ray casting says
    # "outside" for a polygon whose edge is the frame edge; nudge them inward.
    edge = (py >= 1.0) | (px >= 1.0)
    if edge.any():
        inside[edge] = _points_in_polygon(np.minimum(px[edge], 1 - 1e-9), np.minimum(py[edge], 1 - 1e-9), poly)
    return inside


@dataclass
class ZoneInertia:
    """Per-track count of consecutive in-zone frames; a track is admitted once it reaches the zone's inertia."""

    zone: Zone
    _run: dict[int, int] = field(default_factory=dict)
    _admitted: set[int] = field(default_factory=set)

    def update(self, track_ids: Sequence[int], inside: Sequence[bool]) -> None:
        """Record one frame: which tracks were seen and whether each was inside."""
        # A track the detector misses for a frame keeps its run: occlusion is not leaving the zone.
        for track_id, is_inside in zip(track_ids, inside):
            track_id = int(track_id)
            run = self._run.get(track_id, 0) + 1 if is_inside else 0
            self._run[track_id] = run
            if run >= self.zone.inertia:
                self._admitted.add(track_id)

    def admitted(self, track_id: int) -> bool:
        """Whether the track has been inside for `inertia` consecutive frames at some point."""
        return int(track_id) in self._admitted

    def forget(self, track_id: int) -> None:
        """Drop a finished track."""
        self._run.pop(int(track_id), None)
        self._admitted.discard(int(track_id))
