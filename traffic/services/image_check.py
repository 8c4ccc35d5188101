"""Check that uploaded bytes are a whole JPEG or PNG by their structure alone, without decoding the pixels.

Accepting a frame must stay cheap (hundreds per second on two cores); the workers decode it later and mark it
failed if the pixels turn out to be broken. What this catches up front: other formats, truncated uploads, garbage.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from detection.sources.files import MAX_PIXELS
from traffic.errors import InvalidInput

MAX_SIDE = 16384  # larger images are refused: decoding one would take gigabytes in the workers
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
# Start-of-frame markers carry the dimensions; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
JPEG_STANDALONE = frozenset(range(0xD0, 0xD8)) | {0x01}  # RSTn and TEM carry no length
JPEG_TAIL_SLACK = 64  # some encoders pad after EOI


@dataclass(frozen=True)
class ImageInfo:
    """What the header says: the format and the pixel size."""

    content_type: str
    width: int
    height: int


def inspect_image(data: bytes) -> ImageInfo:
    """Return the format and size of a structurally whole JPEG or PNG; raise InvalidInput otherwise."""
    if data.startswith(b"\xff\xd8\xff"):
        info = _inspect_jpeg(data)
    elif data.startswith(PNG_SIGNATURE):
        info = _inspect_png(data)
    else:
        raise InvalidInput("image: not a JPEG or PNG file")
    if not (0 < info.width <= MAX_SIDE and 0 < info.height <= MAX_SIDE):
        raise InvalidInput(f"image: {info.width}x{info.height} pixels is outside 1..{MAX_SIDE} per side")
    if info.width * info.height > MAX_PIXELS:
        raise InvalidInput(f"image: {info.width}x{info.height} is more than {MAX_PIXELS:,} pixels (decompression bomb?)")
    return info


def _inspect_jpeg(data: bytes) -> ImageInfo:
    size = len(data)
    pos = 2
    width = height = None
    while True:
        # Markers may be preceded by any number of 0xFF fill bytes.
        while pos < size and data[pos] == 0xFF:
            pos += 1
        if pos >= size or data[pos - 1] != 0xFF:
            raise InvalidInput("image: corrupt JPEG (broken marker structure)")
        marker = data[pos]
        pos += 1
        if marker in JPEG_STANDALONE:
            continue
        if marker == 0xD9:
            raise InvalidInput("image: corrupt JPEG (ends before any image data)")
        if pos + 2 > size:
            raise InvalidInput("image: truncated JPEG")
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2:
            raise InvalidInput("image: corrupt JPEG (bad segment length)")
        if pos + length > size:
            raise InvalidInput("image: truncated JPEG")
        if marker in JPEG_SOF:
            if length < 8:
                raise InvalidInput("image: corrupt JPEG (short frame header)")
            height, width = struct.unpack_from(">HH", data, pos + 3)
        if marker == 0xDA:  # start of scan: entropy-coded data follows up to EOI
            break
        pos += length
    if width is None or height is None:
        raise InvalidInput("image: corrupt JPEG (no frame header before the scan)")
    if data.rfind(b"\xff\xd9", max(pos, size - JPEG_TAIL_SLACK)) < 0:
        raise InvalidInput("image: truncated JPEG (no end-of-image marker)")
    return ImageInfo("image/jpeg", width, height)


def _inspect_png(data: bytes) -> ImageInfo:
    size = len(data)
    pos = len(PNG_SIGNATURE)
    if size < pos + 25 or data[pos + 4 : pos + 8] != b"IHDR":
        raise InvalidInput("image: corrupt PNG (no IHDR header)")
    (ihdr_length,) = struct.unpack_from(">I", data, pos)
    ihdr = data[pos + 4 : pos + 8 + ihdr_length]
    (crc,) = struct.unpack_from(">I", data, pos + 8 + ihdr_length)
    if ihdr_length != 13 or zlib.crc32(ihdr) != crc:
        raise InvalidInput("image: corrupt PNG (bad IHDR header)")
    width, height = struct.unpack_from(">II", data, pos + 8)
    # Walk the chunk lengths to IEND: a truncated or spliced file does not land exactly on it.
    seen_data = False
    while True:
        if pos + 12 > size:
            raise InvalidInput("image: truncated PNG")
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if end > size:
            raise InvalidInput("image: truncated PNG")
        seen_data = seen_data or kind == b"IDAT"
        if kind == b"IEND":
            break
        pos = end
    if not seen_data or data[pos : pos + 12] != PNG_IEND:
        raise InvalidInput("image: corrupt PNG (no image data or bad end chunk)")
    return ImageInfo("image/png", width, height)
