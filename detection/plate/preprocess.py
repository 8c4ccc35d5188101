"""Image preparation for plate recognition: cropping with margin, deskew, contrast, sizing.

The recogniser was trained on upright text lines 48 px high; plate crops from a detector are
often smaller, rotated or seen at an angle, and include some car body around the plate.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

RECOGNISER_HEIGHT = 48
# Width/height of a plate's character area after rectification (the plate is 440x140 mm,
# 480x140 for new-energy plates); a little wider than life gives the CTC more frames per character.
RECTIFIED_ASPECT = 4.0

# A colour region must cover this share of the crop to be taken for the plate.
_MIN_PLATE_SHARE = 0.25


def crop_box(image: np.ndarray, box_xyxy: Sequence[float], margin: float) -> tuple[np.ndarray, tuple[int, int]]:
    """Crop `box_xyxy` grown by `margin` (fraction of the box's width and height) on each side.

    Returns the crop and its top-left corner in `image`; the crop is clipped to the image.
    """
    x1, y1, x2, y2 = (float(v) for v in box_xyxy)
    dx, dy = (x2 - x1) * margin, (y2 - y1) * margin
    height, width = image.shape[:2]
    left, top = max(0, int(round(x1 - dx))), max(0, int(round(y1 - dy)))
    right, bottom = min(width, int(round(x2 + dx))), min(height, int(round(y2 + dy)))
    return image[top:bottom, left:right], (left, top)


def to_bgr(image: np.ndarray) -> np.ndarray:
    """Three-channel BGR copy of a grey, BGRA or BGR image."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return image


def find_plate_quad(crop: np.ndarray) -> np.ndarray | None:
    """Corners (tl, tr, br, bl; float32 4x2) of the plate in `crop`, or None when unsure.

    Plates are painted in saturated colours (blue, yellow, green) and usually stand out in
    saturation from the car body around them, whatever their hue; so the plate is taken to be
    the saturated region, split from the rest by Otsu's threshold, that covers the crop centre.
    """
    saturation = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)[:, :, 1]
    saturation = cv2.GaussianBlur(saturation, (3, 3), 0)
    _, mask = cv2.threshold(saturation, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 3))
    # Close the gaps the white characters cut into the coloured background.
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel, iterations=2)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel, iterations=1)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    centre = (crop.shape[1] / 2.0, crop.shape[0] / 2.0)
    area = crop.shape[0] * crop.shape[1]
    inside = [c for c in contours if cv2.pointPolygonTest(c, centre, False) >= 0]
    if not inside:
        return None
    contour = max(inside, key=cv2.contourArea)
    if cv2.contourArea(contour) < _MIN_PLATE_SHARE * area:
        return None
    return _quad_from_contour(contour)


def _quad_from_contour(contour: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for fraction in (0.02, 0.04, 0.06, 0.08):
        poly = cv2.approxPolyDP(hull, fraction * perimeter, True)
        if len(poly) == 4:
            quad = _order_corners(poly.reshape(4, 2).astype(np.float32))
            if _is_plate_like(quad):
                return quad
            break
    quad = _order_corners(cv2.boxPoints(cv2.minAreaRect(hull)).astype(np.float32))
    return quad if _is_plate_like(quad) else None


def _order_corners(points: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left."""
    by_y = points[np.argsort(points[:, 1])]
    top = by_y[:2][np.argsort(by_y[:2, 0])]
    bottom = by_y[2:][np.argsort(by_y[2:, 0])]
    return np.array([top[0], top[1], bottom[1], bottom[0]], dtype=np.float32)


def _is_plate_like(quad: np.ndarray) -> bool:
    width = (np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])) / 2
    height = (np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])) / 2
    return height > 4 and 1.5 <= width / height <= 7.0


def rectify(crop: np.ndarray, quad: np.ndarray, aspect: float = RECTIFIED_ASPECT) -> np.ndarray:
    """Warp the quadrilateral `quad` of `crop` to an upright plate RECOGNISER_HEIGHT px high."""
    height = RECOGNISER_HEIGHT
    width = int(round(height * aspect))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad, target)
    return cv2.warpPerspective(crop, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def resize_to_height(crop: np.ndarray, min_aspect: float = 0.0) -> np.ndarray:
    """Scale `crop` to RECOGNISER_HEIGHT px high, stretching it to at least `min_aspect` wide."""
    height, width = crop.shape[:2]
    target_width = max(RECOGNISER_HEIGHT, int(round(RECOGNISER_HEIGHT * max(min_aspect, width / height))))
    interpolation = cv2.INTER_CUBIC if height < RECOGNISER_HEIGHT else cv2.INTER_AREA
    return cv2.resize(crop, (target_width, RECOGNISER_HEIGHT), interpolation=interpolation)


def normalise_contrast(image: np.ndarray) -> np.ndarray:
    """Local contrast equalisation on lightness, for dim, hazy or over-exposed plates."""
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB)
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(2, 8))
    lab[:, :, 0] = clahe.apply(lab[:, :, 0])
    return cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)


_SHEAR_SLOPES = np.linspace(-0.4, 0.4, 33)
_DESKEW_WIDTH = 160


def deskew(crop: np.ndarray) -> np.ndarray:
    """Straighten a plate seen from the side and trim it to its character band.

    A plate turned away from the camera shows its character row as a sloped band while the
    strokes stay upright, i.e. a vertical shear. The slope is the one that makes the row profile
    of vertical-stroke energy sharpest (the characters' tops and bottoms line up).
    """
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    scale = _DESKEW_WIDTH / gray.shape[1]
    small = cv2.resize(gray, (_DESKEW_WIDTH, max(8, int(round(gray.shape[0] * scale)))), interpolation=cv2.INTER_AREA)
    strokes = np.abs(cv2.Sobel(small.astype(np.float32), cv2.CV_32F, 1, 0, ksize=3))
    best_slope, best_sharpness = 0.0, -1.0
    for slope in _SHEAR_SLOPES:
        profile = _shear(strokes, slope).sum(axis=1)
        sharpness = float(np.sum(np.diff(profile) ** 2))
        if sharpness > best_sharpness:
            best_slope, best_sharpness = float(slope), sharpness
    straight = _shear(crop, best_slope)
    profile = _shear(strokes, best_slope).sum(axis=1)
    top, bottom = _band(profile)
    top, bottom = int(top / scale), int(np.ceil(bottom / scale))
    return straight[top:bottom]


def _shear(image: np.ndarray, slope: float) -> np.ndarray:
    """Shift each column up by slope * (x - centre), so a band sloping by `slope` becomes level."""
    height, width = image.shape[:2]
    matrix = np.float32([[1, 0, 0], [-slope, 1, slope * width / 2.0]])
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _band(profile: np.ndarray) -> tuple[int, int]:
    """Rows of the contiguous strong-stroke band around the profile's peak, padded a little."""
    smooth = np.convolve(profile, np.ones(3) / 3.0, mode="same")
    strong = smooth >= 0.35 * smooth.max()
    peak = int(np.argmax(smooth))
    top = peak
    while top > 0 and strong[top - 1]:
        top -= 1
    bottom = peak + 1
    while bottom < len(strong) and strong[bottom]:
        bottom += 1
    pad = max(1, int(round(0.15 * (bottom - top))))
    return max(0, top - pad), min(len(profile), bottom + pad)
