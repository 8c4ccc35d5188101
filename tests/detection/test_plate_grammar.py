"""Plate grammar: validation and positional normalisation of raw OCR text."""

from __future__ import annotations

import pytest

from detection.plate import is_valid_plate, normalize_plate
from detection.plate.grammar import PROVINCES


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("皖AYL375", True),
        ("京N12345", True),
        ("粤B0000D", True),
        ("皖AD12345", True),  # new-energy, small car: D first
        ("沪A12345F", True),  # new-energy, large vehicle: F last
        ("川O12345", True),  # authority letter O (police) is legal
        ("苏A1234学", True),  # driving-school suffix
        ("粤Z1234港", True),
        ("皖A·YL375", False),  # separator must be removed first
        ("皖AYL37", False),  # serial too short
        ("皖AD123456", False),  # serial too long
        ("AAYL375", False),  # no province
        ("台AYL375", False),  # not a mainland province character
        ("皖1YL375", False),  # authority must be a letter
        ("皖IYL375", False),  # authority never I
        ("皖AYO375", False),  # serial never O
        ("皖AY1375", True),
        ("皖AYI375", False),  # serial never I
        ("皖A学1234", False),  # usage suffix only last
        ("皖Ayl375", False),  # lower case
        ("", False),
    ],
)
def test_is_valid_plate(text: str, valid: bool) -> None:
    assert is_valid_plate(text) is valid


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("皖AYL375", "皖AYL375"),
        ("皖A·YL375", "皖AYL375"),  # rapidocr reads the plate's dot
        ("皖A.YL375", "皖AYL375"),
        ("皖A-YL375", "皖AYL375"),
        ("皖A YL375", "皖AYL375"),
        ("皖a·yl375", "皖AYL375"),  # case
        ("皖Ａ·ＹＬ３７５", "皖AYL375"),  # full-width forms
        ("皖A·ON718", "皖A0N718"),  # O in the serial is a zero
        ("皖A·1A346", "皖A1A346"),
        ("皖A·IA346", "皖A1A346"),  # I in the serial is a one
        ("皖8·YL375", "皖BYL375"),  # digit where the authority letter belongs
        ("皖0·YL375", "皖DYL375"),
        ("皖AD12345", "皖AD12345"),
        ("皖OO1234", "皖O01234"),  # O kept as authority letter, fixed in the serial
        ("皖A·YL37", None),
        ("皖A·YL37555", None),
        ("A·YL3755", None),  # province missing
        ("皖1·YL375", None),  # 1 is no letter look-alike we trust
        ("皖A·Y$375", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_plate(raw: str | None, expected: str | None) -> None:
    assert normalize_plate(raw) == expected


def test_normalized_plates_are_valid() -> None:
    for province in PROVINCES:
        normalized = normalize_plate(f"{province}a·o1i2b")
        assert normalized == f"{province}A0112B"
        assert is_valid_plate(normalized)


def test_there_are_31_provinces() -> None:
    assert len(set(PROVINCES)) == 31
