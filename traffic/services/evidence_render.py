"""Pixels of an evidence package: crops, JPEG encoding and the composite image people read.

Everything here is deterministic (same input, same bytes), so a retried job reproduces a package byte for byte.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from traffic.services.evidence_font import load_font

Box = tuple[float, float, float, float]
JPEG_QUALITY = 95
MAX_PANEL_HEIGHT = 720
BOX_COLOUR_BGR = (0, 0, 255)
BAND_BACKGROUND = (24, 24, 24)
DETAIL_BACKGROUND = (48, 48, 48)


@dataclass(frozen=True, eq=False)
class Panel:
    """One panorama on the composite: the full frame, where the vehicle is, and a caption (its time)."""

    image: np.ndarray
    box: Box
    caption: str


def crop(image: np.ndarray, box: Box, margin: float = 0.1) -> np.ndarray:
    """The box with a margin of ``margin`` times its size on each side, clipped to the image."""
    height, width = image.shape[:2]
    x1, y1, x2, y2 = box
    dx, dy = (x2 - x1) * margin, (y2 - y1) * margin
    left, top = max(0, int(np.floor(x1 - dx))), max(0, int(np.floor(y1 - dy)))
    right, bottom = min(width, int(np.ceil(x2 + dx))), min(height, int(np.ceil(y2 + dy)))
    if right - left < 2 or bottom - top < 2:
        raise ValueError(f"box {box} leaves no pixels inside a {width}x{height} image")
    return np.ascontiguousarray(image[top:bottom, left:right])


def encode_jpeg(image: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("the image could not be encoded as JPEG")
    return buffer.tobytes()


def render_composite(
    panels: list[Panel],
    vehicle: np.ndarray,
    plate: np.ndarray | None,
    lines: list[str],
    font_path: Path,
) -> np.ndarray:
    """Panoramas two to a row under a band of text lines, then the vehicle (and plate) crops enlarged."""
    height = min(MAX_PANEL_HEIGHT, min(p.image.shape[0] for p in panels))
    scaled = [_scaled_panel(p, height) for p in panels]
    rows = [scaled[i : i + 2] for i in range(0, len(scaled), 2)]
    width = max(sum(image.shape[1] for image, _ in row) for row in rows)
    font_size = max(16, width // 64)
    band = _band_height(len(lines), font_size)
    detail = max(120, height // 2)
    canvas = np.full((band + height * len(rows) + detail, width, 3), DETAIL_BACKGROUND, np.uint8)
    canvas[:band] = BAND_BACKGROUND

    origins: list[tuple[int, int]] = []
    for r, row in enumerate(rows):
        x, y = 0, band + r * height
        for image, _ in row:
            canvas[y : y + height, x : x + image.shape[1]] = image
            origins.append((x, y))
            x += image.shape[1]

    detail_top = band + height * len(rows)
    vehicle_view = _fit(vehicle, width // 2, detail - 8)
    _paste(canvas, vehicle_view, 4, detail_top + 4)
    labels = [((8, detail_top + 8), "车辆特写")]
    if plate is not None:
        plate_x = 4 + vehicle_view.shape[1] + 8
        plate_view = _fit(plate, width // 3, (detail - 8) // 2)
        _paste(canvas, plate_view, plate_x, detail_top + 4)
        labels.append(((plate_x + 4, detail_top + 8), "号牌特写"))

    picture = Image.fromarray(cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(picture)
    _draw_lines(draw, lines, font_path, font_size, width)
    caption_font = load_font(font_path, max(14, font_size * 3 // 4))
    captions = [((x + 8, y + 6), caption) for (x, y), (_, caption) in zip(origins, scaled, strict=True)]
    for position, text in captions + labels:
        draw.text(position, text, font=caption_font, fill=(255, 255, 0), stroke_width=2, stroke_fill=(0, 0, 0))
    return cv2.cvtColor(np.asarray(picture), cv2.COLOR_RGB2BGR)


def _scaled_panel(panel: Panel, height: int) -> tuple[np.ndarray, str]:
    factor = height / panel.image.shape[0]
    width = max(1, round(panel.image.shape[1] * factor))
    image = panel.image if factor == 1 else cv2.resize(panel.image, (width, height), interpolation=cv2.INTER_AREA)
    image = image.copy()
    x1, y1, x2, y2 = (round(v * factor) for v in panel.box)
    thickness = max(2, height // 240)
    cv2.rectangle(image, (x1, y1), (x2, y2), BOX_COLOUR_BGR, thickness)
    return image, panel.caption


def _fit(image: np.ndarray, max_width: int, max_height: int) -> np.ndarray:
    factor = min(max_width / image.shape[1], max_height / image.shape[0])
    size = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
    interpolation = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
    return cv2.resize(image, size, interpolation=interpolation)


def _paste(canvas: np.ndarray, image: np.ndarray, x: int, y: int) -> None:
    canvas[y : y + image.shape[0], x : x + image.shape[1]] = image


def _band_height(line_count: int, font_size: int) -> int:
    return int(line_count * font_size * 1.45) + font_size


def _draw_lines(draw: ImageDraw.ImageDraw, lines: list[str], font_path: Path, font_size: int, width: int) -> None:
    y = font_size // 2
    for line in lines:
        size = font_size
        font = load_font(font_path, size)
        while font.getlength(line) > width - font_size and size > 10:  # long place names: shrink, never clip
            size -= 1
            font = load_font(font_path, size)
        draw.text((font_size // 2, y), line, font=font, fill=(255, 255, 255))
        y += int(font_size * 1.45)
