"""Capture times of still images: from EXIF, from the file name, or from a start time and an interval."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path

# yyyy mm dd [sep] HH MM SS [fraction], separators optional: 20230601_071530, 2023-06-01T07-15-30.250,
# IMG_20230601_071530123 (camera firmware often appends milliseconds), cam3_20230601071530.jpg
_DATETIME_IN_NAME = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})[-_.]?(?P<mo>\d{2})[-_.]?(?P<d>\d{2})[T_\- ]?"
    r"(?P<h>\d{2})[-_:.]?(?P<mi>\d{2})[-_:.]?(?P<s>\d{2})(?:[._,-]?(?P<frac>\d{1,6}))?(?P<z>Z)?(?!\d)"
)
# Unix time in seconds (10 digits) or milliseconds (13 digits), as many upload tools name snapshots.
_EPOCH_IN_NAME = re.compile(r"(?<!\d)(?P<sec>1\d{9})(?P<ms>\d{3})?(?!\d)")

_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_SUBSEC_ORIGINAL = 0x9291
_OFFSET_ORIGINAL = 0x9011
_DATETIME = 0x0132


def timestamp_from_name(name: str, assume_tz: tzinfo = timezone.utc) -> datetime | None:
    """The capture time written in a file name, or None; local times without an offset get `assume_tz`."""
    stem = Path(name).name
    for match in _DATETIME_IN_NAME.finditer(stem):
        g = match.groupdict()
        frac = g["frac"] or ""
        micro = int(frac.ljust(6, "0")) if frac else 0
        try:
            value = datetime(int(g["y"]), int(g["mo"]), int(g["d"]), int(g["h"]), int(g["mi"]), int(g["s"]), micro)
        except ValueError:
            continue  # digits that only look like a date
        return value.replace(tzinfo=timezone.utc if g["z"] else assume_tz)
    match = _EPOCH_IN_NAME.search(stem)
    if match:
        seconds = int(match["sec"]) + (int(match["ms"]) / 1000.0 if match["ms"] else 0.0)
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    return None


def _parse_offset(text: str | None) -> tzinfo | None:
    if not text:
        return None
    m = re.fullmatch(r"\s*([+-])(\d{2}):?(\d{2})\s*", str(text))
    if not m:
        return None
    delta = timedelta(hours=int(m[2]), minutes=int(m[3]))
    return timezone(delta if m[1] == "+" else -delta)


def timestamp_from_exif(path: str | Path, assume_tz: tzinfo = timezone.utc) -> datetime | None:
    """DateTimeOriginal (with sub-seconds and offset when present, else DateTime) from a JPEG/TIFF, or None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            exif = image.getexif()
    except (OSError, UnidentifiedImageError):
        return None
    sub = exif.get_ifd(_EXIF_IFD)
    raw = sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    if not raw:
        return None
    try:
        value = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    subsec = str(sub.get(_SUBSEC_ORIGINAL) or "").strip("\x00 ")
    if subsec.isdigit():
        value = value.replace(microsecond=int(subsec[:6].ljust(6, "0")))
    return value.replace(tzinfo=_parse_offset(sub.get(_OFFSET_ORIGINAL)) or assume_tz)


def ensure_aware(value: datetime, assume_tz: tzinfo = timezone.utc) -> datetime:
    """`value` with `assume_tz` when it has no offset."""
    return value if value.tzinfo is not None and value.utcoffset() is not None else value.replace(tzinfo=assume_tz)
