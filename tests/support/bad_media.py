"""A corpus of bad (and awkward but valid) media, generated in memory, with what each must get (docs/ingest.md).

Each item says what the push API answers (status and error kind) and, for what is accepted, whether the workers
decode it to 8-bit BGR (``decodes``) or mark the frame failed. The bytes are built from a small synthetic picture,
so the corpus needs no data files; the decompression bombs are real (small files whose pixels would fill gigabytes).
"""
from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from PIL import Image

EXIF_ORIENTATION = 0x0112
ROTATED_90 = 6  # "rotate 90° clockwise to display": a 64x32 picture is shown 32 wide and 64 tall


@dataclass(frozen=True)
class Media:
    name: str  # a file name: its extension is what a folder source or an upload would claim
    data: bytes
    status: int  # what POST /api/v1/ingest/frames answers
    error: str | None = None  # the error kind of a refusal
    decodes: bool = False  # accepted and decoded by the workers (False for accepted: the frame is marked failed)
    shape: tuple[int, int] | None = None  # rows, columns once decoded (EXIF orientation applied)


def picture() -> np.ndarray:
    """A 32x64 BGR picture with structure (so JPEG has something to encode)."""
    rows, cols = np.mgrid[0:32, 0:64]
    return np.dstack([rows * 8, cols * 4, (rows + cols) * 3]).astype(np.uint8)


def jpeg() -> bytes:
    return cv2.imencode(".jpg", picture())[1].tobytes()


def png() -> bytes:
    return cv2.imencode(".png", picture())[1].tobytes()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(side: int) -> bytes:
    """A whole 1-bit greyscale PNG of side x side black pixels: kilobytes on disk, side² pixels decoded."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + (side + 7) // 8)  # filter byte + packed bits
    block = row * 512
    parts = [compressor.compress(block) for _ in range(side // 512)]
    parts += [compressor.compress(row * (side % 512)), compressor.flush()]
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(parts))
            + _chunk(b"IEND", b""))


def _pil_jpeg(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def cmyk_jpeg() -> bytes:
    return _pil_jpeg(Image.fromarray(picture()[:, :, ::-1]).convert("CMYK"))


def exif_rotated_jpeg() -> bytes:
    image = Image.fromarray(picture()[:, :, ::-1])
    exif = image.getexif()
    exif[EXIF_ORIENTATION] = ROTATED_90
    return _pil_jpeg(image, exif=exif.tobytes())


def png_16_bit() -> bytes:
    return cv2.imencode(".png", picture().astype(np.uint16) * 257)[1].tobytes()


def jpeg_of_unsupported_precision() -> bytes:
    """Whole in structure (the upload check passes) but no decoder takes 7-bit samples: the worker fails it."""
    data = bytearray(jpeg())
    data[data.find(b"\xff\xc0") + 4] = 7
    return bytes(data)


def png_with_broken_pixels() -> bytes:
    """Whole chunks with a zeroed zlib stream: structure passes, decoding fails."""
    data = bytearray(png())
    start = data.find(b"IDAT") + 4
    (length,) = struct.unpack(">I", data[start - 8 : start - 4])
    data[start : start + length] = bytes(length)
    return bytes(data)


def corrupt_png_header() -> bytes:
    data = bytearray(png())
    data[29] ^= 0xFF  # a byte of the IHDR checksum
    return bytes(data)


@cache
def corpus() -> tuple[Media, ...]:
    """Every item, in a stable order."""
    good_jpeg, good_png = jpeg(), png()
    invalid = "InvalidInput"
    return (
        Media("truncated.jpg", good_jpeg[: len(good_jpeg) // 2], 422, invalid),
        Media("corrupt.jpg", b"\xff\xd8\xff" + bytes(range(256)) * 4, 422, invalid),
        Media("truncated.png", good_png[: len(good_png) // 2], 422, invalid),
        Media("corrupt.png", corrupt_png_header(), 422, invalid),
        Media("empty.jpg", b"", 422, invalid),
        Media("text.jpg", "这不是图片 this is not an image\n".encode(), 422, invalid),
        Media("bomb-30000.png", png_bomb(30000), 422, invalid),  # over the side limit
        Media("bomb-16000.png", png_bomb(16000), 422, invalid),  # within the side limit, over the pixel limit
        Media("undecodable.jpg", jpeg_of_unsupported_precision(), 202),
        Media("broken-pixels.png", png_with_broken_pixels(), 202),
        Media("deep-16-bit.png", png_16_bit(), 202, decodes=True, shape=(32, 64)),
        Media("cmyk.jpg", cmyk_jpeg(), 202, decodes=True, shape=(32, 64)),
        Media("exif-rotated.jpg", exif_rotated_jpeg(), 202, decodes=True, shape=(64, 32)),
    )


def oversized_upload(size: int = 50 * 1024 * 1024) -> bytes:
    """A 50 MB "JPEG": a real header, then padding (refused by size before anything looks at it)."""
    return jpeg() + bytes(size - len(jpeg()))


def malformed_multipart_bodies() -> list[tuple[str, bytes]]:
    """(Content-Type, body) pairs a broken client might send, all refused with 422."""
    return [
        ("multipart/form-data", b"--x\r\nno boundary was declared\r\n--x--\r\n"),
        ("multipart/form-data; boundary=abc", b"--abc\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n--abc--\r\n"),
        ("multipart/form-data; boundary=abc", b"--abc\r\nContent-Disposition: form-data; name=\"image\"; "
                                              b"filename=\"a.jpg\"\r\n\r\n" + jpeg()),  # never closed
        ("multipart/form-data; boundary=abc", b"garbage without any boundary at all"),
    ]
