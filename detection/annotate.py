"""Drawing pipeline results on frames, for review videos (`traffic detect --out annotated.mp4`)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from detection.pipeline import FrameResult
from detection.zone import Zone

_COLOURS = {  # BGR
    "e_tricycle": (0, 165, 255),
    "fuel_tricycle": (0, 0, 230),
    "e_four_wheeler": (230, 120, 0),
}
_PENDING = (160, 160, 160)
_PLATE = (0, 230, 0)


def _point(x: float, y: float) -> tuple[int, int]:
    return int(round(x)), int(round(y))


def draw_result(result: FrameResult, zone: Zone | None = None) -> np.ndarray:
    """A copy of the frame with the zone, tracked vehicles (id, type; grey until they are a sighting) and plates."""
    image = result.frame.image.copy()
    width, height = result.frame.size
    if zone is not None:
        for poly in zone.polygons:
            points = np.array([[x * width, y * height] for x, y in poly], np.int32)
            cv2.polylines(image, [points], True, (0, 255, 255), 2)
    for vehicle in result.vehicles:
        colour = _COLOURS.get(vehicle.category, _PENDING) if vehicle.in_sighting else _PENDING
        x1, y1, x2, y2 = vehicle.box
        cv2.rectangle(image, _point(x1, y1), _point(x2, y2), colour, 2)
        label = f"#{vehicle.track_id} {vehicle.category} {vehicle.score:.2f}"
        cv2.putText(image, label, _point(x1, max(y1 - 4, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv2.LINE_AA)
        if vehicle.plate_box is not None:
            px1, py1, px2, py2 = vehicle.plate_box
            cv2.rectangle(image, _point(px1, py1), _point(px2, py2), _PLATE, 2)
    stamp = result.frame.captured_at.isoformat(timespec="milliseconds")
    cv2.putText(image, stamp, (8, height - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return image


class AnnotatedVideoWriter:
    """Writes annotated frames to an MP4 file (opened on the first frame, sized to it)."""

    def __init__(self, path: str | Path, fps: float = 10.0, zone: Zone | None = None):
        self.path = Path(path)
        self.fps = fps
        self.zone = zone
        self._writer: cv2.VideoWriter | None = None

    def write(self, result: FrameResult) -> None:
        """Draw and append one frame."""
        image = draw_result(result, self.zone)
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            height, width = image.shape[:2]
            self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), self.fps, (width, height))
            if not self._writer.isOpened():
                raise OSError(f"cannot write video {self.path}")
        self._writer.write(image)

    def close(self) -> None:
        """Finish the file."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def __enter__(self) -> AnnotatedVideoWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
