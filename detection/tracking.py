"""Multi-object tracking with ultralytics' own ByteTrack / BoT-SORT, used directly (one tracker per camera).

ultralytics builds its trackers from a tracker YAML (`bytetrack.yaml`, `botsort.yaml`) read into a namespace; we do
the same, so every setting of those files works here, and feed the tracker our own `Detections` instead of a
`Results` object. The tracker is plain Python and numpy, so it pickles with the rest of the camera state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detection.types import Detections

TRACKER_KINDS = ("bytetrack", "botsort")


class TrackerError(ValueError):
    """A tracker configuration that cannot be used."""


@dataclass(frozen=True)
class TrackerSettings:
    """Which tracker and how it is tuned.

    kind: "bytetrack" or "botsort" (ultralytics' bundled YAML), or `config`: a tracker YAML of your own.
    overrides: keys of that YAML to change, e.g. {"track_buffer": 50, "match_thresh": 0.8}. For BoT-SORT, global
    motion compensation is off unless asked for (`gmc_method`): pole cameras do not move, and it costs a frame warp.
    """

    kind: str = "bytetrack"
    config: str | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)


class _TrackerInput:
    """The minimum of a numpy `Boxes` that ultralytics' trackers read: conf, cls, xywh, xyxy, masks and len."""

    __slots__ = ("xyxy", "conf", "cls", "xywh")

    def __init__(self, xyxy: np.ndarray, conf: np.ndarray, cls: np.ndarray):
        self.xyxy = xyxy
        self.conf = conf
        self.cls = cls
        wh = xyxy[:, 2:4] - xyxy[:, 0:2]
        self.xywh = np.concatenate([xyxy[:, 0:2] + wh / 2.0, wh], axis=1)

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, index) -> _TrackerInput:
        return _TrackerInput(self.xyxy[index], self.conf[index], self.cls[index])


def tracker_config(settings: TrackerSettings) -> Any:
    """The tracker namespace ultralytics would build from the YAML, with our overrides applied."""
    from ultralytics.utils import YAML, IterableSimpleNamespace
    from ultralytics.utils.checks import check_yaml

    if settings.config:
        path = Path(settings.config)
        if not path.is_file():
            raise TrackerError(f"tracker config not found: {path}")
        cfg = dict(YAML.load(str(path)))
    else:
        if settings.kind not in TRACKER_KINDS:
            raise TrackerError(f"unknown tracker {settings.kind!r}; use one of {', '.join(TRACKER_KINDS)}")
        cfg = dict(YAML.load(check_yaml(f"{settings.kind}.yaml")))
        if settings.kind == "botsort":
            cfg["gmc_method"] = "none"
            cfg["with_reid"] = False  # the ReID path needs an extra model; never fetch one at run time
    unknown = set(settings.overrides) - set(cfg)
    if unknown:
        raise TrackerError(f"unknown tracker settings {sorted(unknown)}; known: {sorted(cfg)}")
    cfg.update(settings.overrides)
    if cfg.get("tracker_type") not in TRACKER_KINDS:
        raise TrackerError(f"tracker_type must be one of {TRACKER_KINDS}, got {cfg.get('tracker_type')!r}")
    return IterableSimpleNamespace(**cfg)


class Tracker:
    """One camera's tracker: detections in, (track id, detection index) pairs out."""

    def __init__(self, settings: TrackerSettings | None = None):
        """Build the ultralytics tracker described by `settings`."""
        from ultralytics.trackers.bot_sort import BOTSORT
        from ultralytics.trackers.byte_tracker import BYTETracker

        self.settings = settings or TrackerSettings()
        cfg = tracker_config(self.settings)
        self._impl = BYTETracker(cfg) if cfg.tracker_type == "bytetrack" else BOTSORT(cfg)

    def update(self, detections: Detections, image: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Advance one frame. Returns (track_ids, detection_indices) of the confirmed tracks matched in this frame."""
        boxes = _TrackerInput(detections.xyxy, detections.scores, detections.class_ids.astype(np.float32))
        rows = self._impl.update(boxes, image)
        # ultralytics keeps up to 1000 removed tracks only for bookkeeping of the same frame; keeping just this
        # frame's removals leaves association unchanged and keeps checkpoints small.
        self._impl.removed_stracks = list(getattr(self._impl, "removed_stracks_frame", []))
        if len(rows) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return rows[:, 4].astype(np.int64), rows[:, 7].astype(np.int64)

    def alive_ids(self) -> set[int]:
        """Ids of tracks that may still be matched again (tracked or temporarily lost)."""
        return {int(t.track_id) for t in (*self._impl.tracked_stracks, *self._impl.lost_stracks)}

    @property
    def frame_id(self) -> int:
        """Frames seen so far."""
        return int(self._impl.frame_id)
