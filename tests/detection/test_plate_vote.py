"""Voting one plate out of a track's per-frame readings."""

from __future__ import annotations

import pytest

from detection.plate import PlateReading, vote_plates


def readings(*pairs: tuple[str, float]) -> list[PlateReading]:
    return [PlateReading(text, confidence) for text, confidence in pairs]


@pytest.mark.parametrize(
    ("frames", "expected_text"),
    [
        ([("皖AYL375", 0.95)], "皖AYL375"),
        ([("皖AYL375", 0.9), ("皖AYL375", 0.8), ("皖AYL875", 0.7)], "皖AYL375"),
        # Each frame wrong at a different place: the per-character vote still recovers the plate.
        ([("皖AYL875", 0.9), ("皖AYL385", 0.9), ("皖AYB375", 0.9), ("皖AYL375", 0.5)], "皖AYL375"),
        # One confident frame outweighs two doubtful ones.
        ([("皖AYL375", 0.99), ("皖AYL376", 0.3), ("皖AYL376", 0.3)], "皖AYL375"),
        # Length is decided first (7 vs 8 characters), by total confidence.
        ([("皖AD12345", 0.9), ("皖AD12345", 0.8), ("皖A12345", 0.7)], "皖AD12345"),
        # Raw OCR text is normalised before counting.
        ([("皖A·YL375", 0.9), ("皖AYL375", 0.9)], "皖AYL375"),
        # Invalid readings are ignored.
        ([("皖AYL37", 0.99), ("not a plate", 0.99), ("皖AYL375", 0.6)], "皖AYL375"),
    ],
)
def test_vote_picks_plate(frames: list[tuple[str, float]], expected_text: str) -> None:
    result = vote_plates(readings(*frames))
    assert result is not None
    assert result.text == expected_text


@pytest.mark.parametrize(
    "frames",
    [[], [("皖AYL37", 0.9)], [("皖AYL375", 0.0)], [("hello", 0.9), ("", 0.9)]],
)
def test_vote_without_valid_readings_gives_none(frames: list[tuple[str, float]]) -> None:
    assert vote_plates(readings(*frames)) is None


def test_vote_ignores_missing_readings() -> None:
    result = vote_plates([None, PlateReading("皖AYL375", 0.9), None])
    assert result == PlateReading("皖AYL375", 0.9)


def test_unanimous_frames_keep_their_confidence() -> None:
    result = vote_plates(readings(("皖AYL375", 0.9), ("皖AYL375", 0.7)))
    assert result is not None and result.confidence == pytest.approx(0.8)


def test_split_votes_lower_confidence() -> None:
    agreed = vote_plates(readings(("皖AYL375", 0.9), ("皖AYL375", 0.9)))
    split = vote_plates(readings(("皖AYL375", 0.9), ("皖AYL375", 0.9), ("皖AYL376", 0.9)))
    assert agreed is not None and split is not None
    assert split.text == agreed.text
    assert split.confidence < agreed.confidence
