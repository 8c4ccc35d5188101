"""Typed values that flow between the stages of the vision pipeline.

Frames come in, per-frame `Detections` come out of the detector, and per-track `SightingSnapshot`s leave the
pipeline wrapped in `SightingEvent`s. Everything here is plain data: no model, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np

Category = Literal["e_tricycle", "fuel_tricycle", "e_four_wheeler", "plate", "ignore"]
CATEGORIES: tuple[str, ...] = ("e_tricycle", "fuel_tricycle", "e_four_wheeler", "plate", "ignore")
VEHICLE_CATEGORIES: frozenset[str] = frozenset({"e_tricycle", "fuel_tricycle", "e_four_wheeler"})

Box = tuple[float, float, float, float]
"""A box as (x1, y1, x2, y2) in pixels of the frame it was found in."""

EventKind = Literal["started", "updated", "ended"]
PlateStateName = Literal["plated", "unplated", "unknown"]


@dataclass(frozen=True, eq=False)
class Frame:
    """One image from a source, with an aware capture time and a stable reference.

    `ref` names the frame for later retrieval (file name, file name + frame number, or an ingest frame id).
    """

    image: np.ndarray
    captured_at: datetime
    index: int
    ref: str

    def __post_init__(self) -> None:
        if self.captured_at.tzinfo is None or self.captured_at.utcoffset() is None:
            raise ValueError(f"frame {self.ref!r}: captured_at must be timezone-aware, got {self.captured_at!r}")
        if self.image.ndim != 3 or self.image.shape[2] != 3 or self.image.dtype != np.uint8:
            raise ValueError(
                f"frame {self.ref!r}: expected a BGR uint8 image of shape (H, W, 3), "
                f"got {self.image.dtype} {self.image.shape}"
            )

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])


@dataclass(frozen=True, eq=False)
class Detections:
    """All boxes the model found in one frame, as parallel numpy arrays (model class ids, not categories)."""

    xyxy: np.ndarray  # (N, 4) float32
    scores: np.ndarray  # (N,) float32
    class_ids: np.ndarray  # (N,) int64

    def __len__(self) -> int:
        return len(self.scores)

    @classmethod
    def empty(cls) -> Detections:
        """No boxes."""
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64))

    def select(self, mask: np.ndarray) -> Detections:
        """The subset chosen by a boolean mask or an index array."""
        return Detections(self.xyxy[mask], self.scores[mask], self.class_ids[mask])


@dataclass(frozen=True)
class TrackPoint:
    """Where a tracked vehicle was at one moment."""

    captured_at: datetime
    box_xyxy: Box
    score: float


@dataclass(frozen=True, eq=False)
class EvidenceFrame:
    """A frame kept as evidence for a sighting; `image` is None when images are dropped (checkpoints, JSON)."""

    frame_ref: str
    captured_at: datetime
    box_xyxy: Box
    plate_box_xyxy: Box | None = None
    image: np.ndarray | None = None

    def without_image(self) -> EvidenceFrame:
        """The same evidence, keeping the frame reference only."""
        if self.image is None:
            return self
        return EvidenceFrame(self.frame_ref, self.captured_at, self.box_xyxy, self.plate_box_xyxy, None)


@dataclass(frozen=True)
class PlateState:
    """Whether a sighting's vehicle carries a plate: `plated` (text when readable), `unplated`, or `unknown`."""

    state: PlateStateName = "unknown"
    text: str | None = None
    confidence: float | None = None


@dataclass(frozen=True, eq=False)
class SightingSnapshot:
    """One vehicle pass at one camera: the summary of a confirmed track."""

    camera: str
    track_id: int
    first_seen: datetime
    last_seen: datetime
    vehicle_type: str
    votes: dict[str, int]
    score: float
    plate: PlateState
    best: EvidenceFrame
    panoramas: list[EvidenceFrame]
    track: list[TrackPoint] = field(default_factory=list)
    moved: bool = False
    """Whether the panoramas show the vehicle visibly moving (a stopped vehicle still makes a sighting)."""


@dataclass(frozen=True, eq=False)
class SightingEvent:
    """A change in a sighting's life: it `started`, was `updated` (type or plate changed), or `ended`."""

    kind: EventKind
    sighting: SightingSnapshot
