"""Plate reader: recognise a plate crop directly, decoding under the plate grammar."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from detection.plate.ctc import ConstrainedCTCDecoder, DecodedText
from detection.plate.engine import OcrEngine
from detection.plate.grammar import SEPARATORS, TEMPLATES, is_valid_plate
from detection.plate.preprocess import crop_box, deskew, normalise_contrast, resize_to_height, to_bgr
from detection.plate.reading import PlateReading

BoxXYXY = tuple[float, float, float, float]

# Plates are about 3.1 times as wide as high; giving the recogniser at least 4 (5 once trimmed
# to the character band) stretches the characters over more CTC frames, which stops adjacent
# identical characters (999) merging on small plates.
_MIN_ASPECT_PLATE = 4.0
_MIN_ASPECT_BAND = 5.0
# Grown around a detector's box: boxes are often a few pixels tight, and deskew needs the edges.
READ_IN_MARGIN = 0.08
# Below this, contrast-normalised variants are tried as well (dim, hazy or glaring plates).
_RETRY_BELOW = 0.9


class PlateReader:
    """Reads Chinese plates with rapidocr's bundled recogniser (loaded lazily, never downloaded).

    Each crop is read in a few preparations (as cropped, deskewed to its character band, and
    contrast-normalised when the first reads are unsure); every preparation is decoded under the
    plate grammar and the most confident reading wins.
    """

    def __init__(self, min_confidence: float = 0.6, engine: OcrEngine | None = None):
        """`min_confidence`: readings below it are dropped (the crop is treated as unreadable)."""
        self.min_confidence = min_confidence
        self._engine = engine or OcrEngine()
        self._decoder: ConstrainedCTCDecoder | None = None

    def __getstate__(self) -> dict:
        return {"min_confidence": self.min_confidence, "engine": self._engine}

    def __setstate__(self, state: dict) -> None:
        self.__init__(min_confidence=state["min_confidence"], engine=state["engine"])

    @property
    def engine(self) -> OcrEngine:
        """The rapidocr models this reader runs on."""
        return self._engine

    def load(self) -> PlateReader:
        """Load the OCR models and the decoder now, so that the first plate read does not stall a frame."""
        self._get_decoder()
        return self

    def read(self, plate_crop_bgr: np.ndarray) -> PlateReading | None:
        """Read a crop that is already a plate (a detector's plate box, maybe with some margin)."""
        crop = _usable(plate_crop_bgr)
        if crop is None:
            return None
        # The deskewed character band alone is usually read with confidence; only doubtful
        # plates pay for the other preparations.
        whole = resize_to_height(crop, min_aspect=_MIN_ASPECT_PLATE)
        band = deskew(crop)
        lines = [resize_to_height(band, min_aspect=_MIN_ASPECT_BAND), whole] if band.shape[0] >= 4 else [whole]
        best = self._best_of(lines[:1])
        if best is None or best.confidence < _RETRY_BELOW:
            retry = self._best_of(lines[1:] + [normalise_contrast(line) for line in lines])
            if retry is not None and (best is None or retry.confidence > best.confidence):
                best = retry
        if best is None or best.confidence < self.min_confidence or not is_valid_plate(best.text):
            return None
        return PlateReading(text=best.text, confidence=round(best.confidence, 4))

    def read_in(self, image_bgr: np.ndarray, box_xyxy: Sequence[float]) -> PlateReading | None:
        """Read the plate inside `box_xyxy` (pixels) of a frame, cropping with a small margin."""
        crop, _ = crop_box(image_bgr, box_xyxy, READ_IN_MARGIN)
        return self.read(crop)

    def find_and_read(self, vehicle_crop_bgr: np.ndarray) -> tuple[BoxXYXY, PlateReading] | None:
        """Find and read a plate in a vehicle crop when no plate box is known.

        Text detection proposes lines; each line that could be a plate is read like a plate
        crop, and the most confident grammatical reading is returned with its box (pixels of
        the vehicle crop).
        """
        image = _usable(vehicle_crop_bgr)
        if image is None:
            return None
        best: tuple[BoxXYXY, PlateReading] | None = None
        for box in plate_like_boxes(self._engine.detect_text(image)):
            reading = self.read_in(image, box)
            if reading is not None and (best is None or reading.confidence > best[1].confidence):
                best = (box, reading)
        return best

    def _best_of(self, lines: list[np.ndarray]) -> DecodedText | None:
        decoder = self._get_decoder()
        best = None
        for probs in self._engine.recognise(lines):
            decoded = decoder.decode(probs)
            if decoded is not None and (best is None or decoded.confidence > best.confidence):
                best = decoded
        return best

    def _get_decoder(self) -> ConstrainedCTCDecoder:
        if self._decoder is None:
            self._decoder = ConstrainedCTCDecoder(self._engine.characters, TEMPLATES, gap_characters=SEPARATORS)
        return self._decoder


# A text line that may be a plate: plates are about 3:1, and the detector's box around one runs
# from about 1.2:1 (a plate seen at an angle, frame included) to 9:1 (a loose box on a wide
# new-energy plate). The detector sometimes splits 皖A from the serial at the dot.
_PLATE_LINE_ASPECT = (1.2, 9.0)
_MIN_LINE_HEIGHT = 8
_SAME_LINE_GAP = 0.8  # of the line height: how far apart two halves of one plate may be


def plate_like_boxes(quads: Sequence[np.ndarray]) -> list[BoxXYXY]:
    """Axis-aligned boxes of text lines that could be plates, joining a plate split at its dot."""
    boxes = [
        (float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max())) for q in quads
    ]
    boxes = [b for b in boxes if b[3] - b[1] >= _MIN_LINE_HEIGHT]
    joined = list(boxes)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            left, right = (a, b) if a[0] <= b[0] else (b, a)
            height = max(a[3] - a[1], b[3] - b[1])
            overlap = min(a[3], b[3]) - max(a[1], b[1])
            if overlap > 0.6 * height and 0 <= right[0] - left[2] <= _SAME_LINE_GAP * height:
                joined.append((left[0], min(a[1], b[1]), right[2], max(a[3], b[3])))
    low, high = _PLATE_LINE_ASPECT
    return [b for b in joined if low <= (b[2] - b[0]) / (b[3] - b[1]) <= high]


def _usable(image: np.ndarray | None) -> np.ndarray | None:
    if image is None or image.size == 0 or min(image.shape[:2]) < 4:
        return None
    return to_bgr(image)
