"""The header-only image check accepts whole JPEGs and PNGs and refuses other formats and damaged files."""
from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest

from tests.support.data import BUS_JPG, require
from tests.support.footage import street_snapshots
from traffic.errors import InvalidInput
from traffic.services.image_check import inspect_image


@pytest.fixture(scope="module")
def street_jpeg() -> bytes:
    return street_snapshots(1)[0].jpeg


@pytest.fixture(scope="module")
def street_png(street_jpeg) -> bytes:
    image = cv2.imdecode(np.frombuffer(street_jpeg, np.uint8), cv2.IMREAD_COLOR)
    return cv2.imencode(".png", image)[1].tobytes()


def test_real_jpeg_and_png_report_their_size(street_jpeg, street_png) -> None:
    info = inspect_image(street_jpeg)
    assert (info.content_type, info.width, info.height) == ("image/jpeg", 1024, 576)
    info = inspect_image(street_png)
    assert (info.content_type, info.width, info.height) == ("image/png", 1024, 576)


def test_camera_jpeg_with_exif_and_portrait_size() -> None:
    require(BUS_JPG)
    info = inspect_image(BUS_JPG.read_bytes())
    assert (info.content_type, info.width, info.height) == ("image/jpeg", 810, 1080)


def test_progressive_grey_jpeg(street_jpeg) -> None:
    pixels = cv2.imdecode(np.frombuffer(street_jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    progressive = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()
    info = inspect_image(progressive)
    assert (info.width, info.height) == (1024, 576)


def _png_with_ihdr(width: int, height: int) -> bytes:
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))
    idat_body = zlib.compress(b"\x00" * 7)
    idat = struct.pack(">I", len(idat_body)) + b"IDAT" + idat_body + struct.pack(">I", zlib.crc32(b"IDAT" + idat_body))
    return b"\x89PNG\r\n\x1a\n" + chunk + idat + b"\x00\x00\x00\x00IEND\xaeB`\x82"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda j, p: b"GIF89a" + j[6:], "not a JPEG or PNG"),
        (lambda j, p: b"", "not a JPEG or PNG"),
        (lambda j, p: b"hello, this is text", "not a JPEG or PNG"),
        (lambda j, p: j[: len(j) // 2], "truncated JPEG"),
        (lambda j, p: j[:-2], "truncated JPEG"),
        (lambda j, p: j[:300], "truncated JPEG"),
        (lambda j, p: j[:2] + b"\xff\xd9", "ends before any image data"),
        (lambda j, p: j[:4] + b"\x00\x01" + j[6:], "bad segment length"),
        (lambda j, p: p[: len(p) // 2], "truncated PNG"),
        (lambda j, p: p[:-12], "truncated PNG"),
        (lambda j, p: p[:18] + b"\x05" + p[19:], "bad IHDR"),
        (lambda j, p: _png_with_ihdr(0, 10), "outside 1..16384"),
        (lambda j, p: _png_with_ihdr(100000, 10), "outside 1..16384"),
    ],
    ids=["gif", "empty", "text", "jpeg-half", "jpeg-no-eoi", "jpeg-headers-only", "jpeg-no-scan", "jpeg-bad-length",
         "png-half", "png-no-iend", "png-bad-ihdr-crc", "png-zero-width", "png-huge"],
)
def test_damaged_or_foreign_files_are_refused(street_jpeg, street_png, damage, message) -> None:
    with pytest.raises(InvalidInput, match=message):
        inspect_image(damage(street_jpeg, street_png))


def test_a_small_valid_png_built_by_hand_passes() -> None:
    assert vars(inspect_image(_png_with_ihdr(1, 7))) == {"content_type": "image/png", "width": 1, "height": 7}
