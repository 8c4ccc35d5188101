"""A drawing surface in metres for procedural vehicle sprites.

Coordinates are metres with x = 0 at the vehicle's centre line and y = 0 on the ground, y pointing up, so
vehicle drawings read like dimension drawings and render at any pixels-per-metre.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Color = tuple[int, int, int]
PixelBox = tuple[int, int, int, int]


@dataclass(frozen=True)
class Sprite:
    """A drawn vehicle: BGRA pixels (alpha marks the vehicle) and where its plate is, in sprite pixels."""

    image: np.ndarray
    plate_box: PixelBox | None
    px_per_m: float

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.image.shape[1], self.image.shape[0]


def shade(color: Color, factor: float) -> Color:
    """A colour made darker (factor < 1) or lighter (factor > 1), clipped to 0..255."""
    return tuple(int(np.clip(c * factor, 0, 255)) for c in color)  # type: ignore[return-value]


def mix(a: Color, b: Color, t: float) -> Color:
    """Linear blend of two colours (t = 0 gives a)."""
    return tuple(int(round(x * (1 - t) + y * t)) for x, y in zip(a, b))  # type: ignore[return-value]


class SpriteCanvas:
    """BGRA canvas addressed in metres; every draw call also marks the touched pixels opaque."""

    def __init__(self, width_m: float, height_m: float, px_per_m: float) -> None:
        self.px_per_m = float(px_per_m)
        self.width_m = width_m
        self._w = max(4, int(np.ceil(width_m * px_per_m)) + 2)
        self._h = max(4, int(np.ceil(height_m * px_per_m)) + 2)
        self.image = np.zeros((self._h, self._w, 4), np.uint8)
        self.plate_box: PixelBox | None = None

    def px(self, x: float, y: float) -> tuple[int, int]:
        """Pixel of the point x metres right of the centre line, y metres above the ground."""
        return (int(round(self._w / 2 + x * self.px_per_m)), int(round(self._h - 1 - y * self.px_per_m)))

    def _len(self, metres: float) -> int:
        return max(1, int(round(metres * self.px_per_m)))

    def rect(self, x0: float, y0: float, x1: float, y1: float, color: Color, radius: float = 0.0) -> None:
        """Filled rectangle between two corners, optionally with rounded corners of ``radius`` metres."""
        (px0, py1), (px1, py0) = self.px(x0, y0), self.px(x1, y1)
        r = min(self._len(radius), (px1 - px0) // 2, (py1 - py0) // 2) if radius > 0 else 0
        fill = (*color, 255)
        if r <= 1:
            cv2.rectangle(self.image, (px0, py0), (px1, py1), fill, -1)
            return
        cv2.rectangle(self.image, (px0 + r, py0), (px1 - r, py1), fill, -1)
        cv2.rectangle(self.image, (px0, py0 + r), (px1, py1 - r), fill, -1)
        for cx, cy in ((px0 + r, py0 + r), (px1 - r, py0 + r), (px0 + r, py1 - r), (px1 - r, py1 - r)):
            cv2.circle(self.image, (cx, cy), r, fill, -1, cv2.LINE_AA)

    def poly(self, points: list[tuple[float, float]], color: Color) -> None:
        """Filled polygon through points given in metres."""
        pts = np.array([self.px(x, y) for x, y in points], np.int32)
        cv2.fillPoly(self.image, [pts], (*color, 255), cv2.LINE_AA)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, color: Color) -> None:
        """Filled axis-aligned ellipse."""
        cv2.ellipse(self.image, self.px(cx, cy), (self._len(rx), self._len(ry)), 0, 0, 360, (*color, 255), -1,
                    cv2.LINE_AA)

    def line(self, x0: float, y0: float, x1: float, y1: float, color: Color, width: float) -> None:
        """Straight stroke ``width`` metres thick."""
        cv2.line(self.image, self.px(x0, y0), self.px(x1, y1), (*color, 255), self._len(width), cv2.LINE_AA)

    def wheel(self, cx: float, bottom: float, width: float, height: float) -> None:
        """A tyre seen end-on: a dark rounded block with a lighter rim line."""
        self.rect(cx - width / 2, bottom, cx + width / 2, bottom + height, (28, 28, 30), radius=width / 3)
        self.line(cx, bottom + height * 0.25, cx, bottom + height * 0.75, (70, 70, 75), width * 0.18)

    def paste(self, bgr: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> PixelBox:
        """Scale an image into the rectangle (metres) and return the pixel box it occupies."""
        (px0, py1), (px1, py0) = self.px(x0, y0), self.px(x1, y1)
        px0, py0 = max(px0, 0), max(py0, 0)
        px1, py1 = min(px1, self._w - 1), min(py1, self._h - 1)
        w, h = px1 - px0, py1 - py0
        if w < 2 or h < 1:
            return (px0, py0, px0 + max(w, 1), py0 + max(h, 1))
        interp = cv2.INTER_AREA if w < bgr.shape[1] else cv2.INTER_LINEAR
        self.image[py0:py1, px0:px1, :3] = cv2.resize(bgr, (w, h), interpolation=interp)
        self.image[py0:py1, px0:px1, 3] = 255
        return (px0, py0, px1, py1)

    def sprite(self) -> Sprite:
        """Finish drawing: crop to the opaque pixels and return the sprite."""
        ys, xs = np.nonzero(self.image[:, :, 3] > 0)
        x0, x1 = int(xs.min()), int(xs.max()) + 1
        y0 = int(ys.min())
        image = self.image[y0:, x0:x1].copy()  # keep the ground line at the bottom edge
        plate = None
        if self.plate_box is not None:
            bx0, by0, bx1, by1 = self.plate_box
            plate = (bx0 - x0, by0 - y0, bx1 - x0, by1 - y0)
        return Sprite(image=image, plate_box=plate, px_per_m=self.px_per_m)
