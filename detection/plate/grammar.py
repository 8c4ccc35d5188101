"""Chinese licence-plate grammar: validation, positional fixes, and the per-position alphabets.

A civil plate (GA 36) is a province character, the issuing authority's letter, then a serial of
5 characters (ordinary plates) or 6 (new-energy plates). The serial never uses I or O because they
read as 1 and 0; a few ordinary plates end in a usage character (学, 警, 挂, 港, 澳).
"""

from __future__ import annotations

import re
import unicodedata

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
DIGITS = "0123456789"
# The authority letter may be O (used for police vehicles in several provinces) but never I.
AUTHORITY_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"
SERIAL_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
# Ordinary civil vehicles get every authority letter but the police O (what the demo's synthetic plates draw from).
CIVIL_AUTHORITY_LETTERS = AUTHORITY_LETTERS.replace("O", "")
SERIAL_CHARS = DIGITS + SERIAL_LETTERS
USAGE_SUFFIXES = "学警挂港澳"

ORDINARY_SERIAL_LENGTH = 5
NEW_ENERGY_SERIAL_LENGTH = 6

# Characters plates print (or OCR inserts) between the authority letter and the serial.
SEPARATORS = "·•∙⋅・.-_ \t"

_PLATE_PATTERN = re.compile(
    f"^[{PROVINCES}][{AUTHORITY_LETTERS}]"
    f"(?:[{SERIAL_CHARS}]{{4}}[{SERIAL_CHARS}{USAGE_SUFFIXES}]|[{SERIAL_CHARS}]{{6}})$"
)

# Look-alikes seen from OCR, fixed only where the grammar says which kind of character belongs.
_LETTER_FOR_DIGIT = {"0": "D", "2": "Z", "4": "A", "5": "S", "6": "G", "8": "B"}
# In the serial, letters are legal too, so only the two the grammar forbids are replaced.
_SERIAL_FIXES = {"O": "0", "I": "1"}

# Plate templates for constrained decoding: the allowed characters at each position.
TEMPLATES: tuple[tuple[str, ...], ...] = (
    (PROVINCES, AUTHORITY_LETTERS) + (SERIAL_CHARS,) * 4 + (SERIAL_CHARS + USAGE_SUFFIXES,),
    (PROVINCES, AUTHORITY_LETTERS) + (SERIAL_CHARS,) * NEW_ENERGY_SERIAL_LENGTH,
)


def is_valid_plate(text: str) -> bool:
    """Whether `text` is a well-formed civil plate, e.g. 皖AYL375 or 皖AD12345 (no separators)."""
    return bool(_PLATE_PATTERN.match(text))


def normalize_plate(text: str | None) -> str | None:
    """Canonical plate text from raw OCR output, or None when it cannot be a plate.

    Removes separators and full-width forms, upper-cases, and fixes look-alikes by position
    (a digit where the authority letter belongs, O/I in the serial).
    """
    if not text:
        return None
    cleaned = unicodedata.normalize("NFKC", text).upper()
    cleaned = "".join(ch for ch in cleaned if ch not in SEPARATORS and not ch.isspace())
    if len(cleaned) not in (2 + ORDINARY_SERIAL_LENGTH, 2 + NEW_ENERGY_SERIAL_LENGTH):
        return None
    province, authority, serial = cleaned[0], cleaned[1], cleaned[2:]
    if authority in DIGITS:
        authority = _LETTER_FOR_DIGIT.get(authority, authority)
    serial = "".join(_SERIAL_FIXES.get(ch, ch) for ch in serial)
    candidate = province + authority + serial
    return candidate if is_valid_plate(candidate) else None

