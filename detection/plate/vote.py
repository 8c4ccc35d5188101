"""Combining one track's plate readings into one."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from detection.plate.grammar import is_valid_plate, normalize_plate
from detection.plate.reading import PlateReading


def vote_plates(readings: Iterable[PlateReading | None]) -> PlateReading | None:
    """The track's plate: a confidence-weighted vote, per character, among readings of the winning length.

    Frames disagree on single characters (a blurred 8 read as B in one frame); voting per
    position lets the track's sharp frames outvote its blurred ones character by character.
    The result's confidence is, at its weakest position, the winning share of the vote times the
    mean confidence of the readings that voted for it: unanimous confident frames score high,
    split votes low. Invalid readings are ignored; None when nothing valid is left.
    """
    valid = []
    for reading in readings:
        if reading is None or reading.confidence <= 0:
            continue
        text = normalize_plate(reading.text)
        if text is not None:
            valid.append(PlateReading(text, float(reading.confidence)))
    if not valid:
        return None
    weight_by_length: dict[int, float] = defaultdict(float)
    for reading in valid:
        weight_by_length[len(reading.text)] += reading.confidence
    length = max(weight_by_length, key=lambda n: (weight_by_length[n], n == 7))
    same_length = [r for r in valid if len(r.text) == length]
    chars, confidences = [], []
    for position in range(length):
        weights: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        for reading in same_length:
            weights[reading.text[position]] += reading.confidence
            counts[reading.text[position]] += 1
        winner = max(weights, key=lambda ch: (weights[ch], counts[ch]))
        share = weights[winner] / sum(weights.values())
        chars.append(winner)
        confidences.append(share * weights[winner] / counts[winner])
    text = "".join(chars)
    if not is_valid_plate(text):
        # Per-position winners can only break the grammar across templates (a usage suffix
        # mixed with a serial), so fall back to the strongest whole reading.
        best = max(same_length, key=lambda r: r.confidence)
        return best
    return PlateReading(text=text, confidence=round(min(confidences), 4))
