"""The value the plate reader hands on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlateReading:
    """A plate text that passed the grammar, with the reader's confidence in it (0..1)."""

    text: str
    confidence: float
