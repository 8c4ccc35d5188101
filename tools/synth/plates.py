"""Chinese licence plates for synthetic scenes: valid random texts and rendered plate images.

Two styles are drawn: the blue 7-character plate of ordinary vehicles (苏A·12345, white on blue) and the
green 8-character new-energy plate (苏A·D12345, black on a white-to-green gradient). Characters come from a
CJK font installed with the package (Noto Sans CJK, see detection/cjk_font.py), else one found on the system.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from detection.cjk_font import bundled_cjk_font, open_cjk_face
from detection.plate.grammar import CIVIL_AUTHORITY_LETTERS, DIGITS, PROVINCES, SERIAL_LETTERS

BLUE = "blue"
GREEN = "green"

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)

# Plate geometry in millimetres (GA 36-2018): outline, character cell, gaps.
_PLATE_MM = {BLUE: (440, 140), GREEN: (480, 140)}
_CHAR_MM = {BLUE: (45, 90), GREEN: (43, 90)}
_GAP_MM = {BLUE: 12, GREEN: 9}
_SEPARATOR_MM = {BLUE: 34, GREEN: 49}  # gap after the second character, where the dot sits


class FontNotFoundError(RuntimeError):
    """No CJK font is installed, so Chinese plates cannot be rendered."""


@dataclass(frozen=True)
class PlateSpec:
    """A plate to draw: its text (7 chars blue, 8 chars green) and style."""

    text: str
    style: str


def find_cjk_font() -> Path:
    """Return the path of an installed font that has Chinese glyphs, or raise FontNotFoundError."""
    bundled = bundled_cjk_font()
    if bundled is not None:
        return bundled
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    if shutil.which("fc-list"):
        listing = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False
        ).stdout
        for line in sorted(listing.splitlines()):
            path = Path(line.split(":")[0].strip())
            if path.is_file():
                return path
    raise FontNotFoundError(
        "no CJK font found; reinstall the package with its dependency manimgx-fonts-cjk"
    )


def random_plate(rng: np.random.Generator, style: str) -> PlateSpec:
    """Draw a grammatically valid plate text of the given style."""
    province = PROVINCES[rng.integers(len(PROVINCES))]
    letter = CIVIL_AUTHORITY_LETTERS[rng.integers(len(CIVIL_AUTHORITY_LETTERS))]
    if style == BLUE:
        # Ordinary plates: five alphanumerics, mostly digits, at most two letters.
        tail = [DIGITS[rng.integers(10)] for _ in range(5)]
        for position in rng.choice(5, size=int(rng.integers(0, 3)), replace=False):
            tail[position] = SERIAL_LETTERS[rng.integers(len(SERIAL_LETTERS))]
        return PlateSpec(province + letter + "".join(tail), BLUE)
    if style == GREEN:
        # Small new-energy plates: D (electric) or F (hybrid), a letter or digit, then four digits.
        energy = "DF"[rng.integers(2)]
        fourth = (SERIAL_LETTERS + DIGITS)[rng.integers(len(SERIAL_LETTERS) + 10)]
        digits = "".join(DIGITS[rng.integers(10)] for _ in range(4))
        return PlateSpec(province + letter + energy + fourth + digits, GREEN)
    raise ValueError(f"unknown plate style {style!r}")


def plate_aspect(style: str) -> float:
    """Width over height of a plate of this style."""
    width, height = _PLATE_MM[style]
    return width / height


def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return open_cjk_face(Path(path), size, weight="Bold")  # plate characters are bold


@lru_cache(maxsize=512)
def _glyph(char: str, font_path: str, cell_w: int, cell_h: int) -> np.ndarray:
    """A glyph as a float mask stretched to fill its cell, the way plate typefaces are tall and narrow."""
    size = cell_h * 2
    font = _font(font_path, size)
    canvas = Image.new("L", (size * 2, size * 2), 0)
    ImageDraw.Draw(canvas).text((size // 2, size // 2), char, font=font, fill=255, stroke_width=size // 28,
                                stroke_fill=255)
    mask = np.asarray(canvas)
    ys, xs = np.nonzero(mask > 40)
    crop = mask[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    # Narrow glyphs such as "1" keep their natural width; a stretched "1" would read as a block.
    natural_w = crop.shape[1] * cell_h / crop.shape[0]
    target_w = max(2, min(cell_w, int(round(natural_w * 1.15))))
    resized = cv2.resize(crop, (target_w, cell_h), interpolation=cv2.INTER_AREA)
    full = np.zeros((cell_h, cell_w), np.float32)
    x0 = (cell_w - target_w) // 2
    full[:, x0: x0 + target_w] = resized.astype(np.float32) / 255.0
    return full


def render_plate(spec: PlateSpec, height_px: int = 140, font_path: Path | None = None) -> np.ndarray:
    """Render a plate as a BGR image ``height_px`` tall (width follows the style's aspect)."""
    font = str(font_path or find_cjk_font())
    plate_w_mm, plate_h_mm = _PLATE_MM[spec.style]
    scale = height_px / plate_h_mm
    width_px = int(round(plate_w_mm * scale))
    image = _background(spec.style, width_px, height_px)
    ink = np.array((255, 255, 255) if spec.style == BLUE else (20, 20, 20), np.float32)

    # Frame line a few millimetres inside the edge, as on real plates.
    inset = max(1, int(round(4 * scale)))
    thickness = max(1, int(round(2.5 * scale)))
    cv2.rectangle(image, (inset, inset), (width_px - 1 - inset, height_px - 1 - inset), ink.tolist(),
                  thickness, cv2.LINE_AA)

    cell_w_mm, cell_h_mm = _CHAR_MM[spec.style]
    cell_w, cell_h = max(2, int(round(cell_w_mm * scale))), max(2, int(round(cell_h_mm * scale)))
    gap, separator = _GAP_MM[spec.style] * scale, _SEPARATOR_MM[spec.style] * scale
    total = len(spec.text) * cell_w_mm * scale + (len(spec.text) - 2) * gap + separator
    x = (width_px - total) / 2
    y = (height_px - cell_h) // 2
    for index, char in enumerate(spec.text):
        glyph = _glyph(char, font, cell_w, cell_h)
        x0 = int(round(x))
        region = image[y: y + cell_h, x0: x0 + cell_w].astype(np.float32)
        alpha = glyph[:, : region.shape[1], None]
        image[y: y + cell_h, x0: x0 + cell_w] = (region * (1 - alpha) + ink * alpha).astype(np.uint8)
        x += cell_w_mm * scale
        if index == 1:
            dot = (int(round(x + separator / 2)), height_px // 2)
            cv2.circle(image, dot, max(1, int(round(5 * scale))), ink.tolist(), -1, cv2.LINE_AA)
            x += separator
        else:
            x += gap
    return image


def _background(style: str, width: int, height: int) -> np.ndarray:
    if style == BLUE:
        return np.full((height, width, 3), (170, 70, 10), np.uint8)
    # New-energy plates fade from near white at the top to green at the bottom.
    top, bottom = np.array((235, 250, 240), np.float32), np.array((90, 190, 60), np.float32)
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None] ** 0.8
    column = top * (1 - t) + bottom * t
    return np.repeat(column, width, axis=1).astype(np.uint8)
