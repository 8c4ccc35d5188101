"""Read a camera's multipart upload with the size limit enforced before and while reading, not after."""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from traffic.errors import InvalidInput, PayloadTooLarge, Unauthorized

FORM_OVERHEAD = 64 * 1024  # room for the boundaries, part headers and the small text fields
TEXT_FIELDS = ("camera", "captured_at", "frame_id")


@dataclass(frozen=True)
class FrameUpload:
    key: str
    camera: str
    captured_at: str
    frame_id: str | None
    image: bytes


async def _limited(stream: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    received = 0
    async for chunk in stream:
        received += len(chunk)
        if received > limit:
            raise PayloadTooLarge(f"the upload is larger than the limit of {limit - FORM_OVERHEAD} bytes")
        yield chunk


async def read_frame_upload(request: Request) -> FrameUpload:
    """Parse ``image``, ``camera``, ``captured_at`` and ``frame_id`` from the body of an authenticated request.

    Refuses before reading a byte when the key is missing or Content-Length is over the limit, and stops reading
    as soon as the body passes the limit (a client may lie about, or omit, its length).
    """
    key = request.headers.get("x-camera-key")
    if not key:
        raise Unauthorized("missing X-Camera-Key header")
    limit = request.app.state.settings.max_upload_bytes + FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the upload is larger than the limit of {limit - FORM_OVERHEAD} bytes")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidInput("send multipart/form-data with the fields image, camera, captured_at and frame_id")
    parser = MultiPartParser(
        request.headers, _limited(request.stream(), limit), max_files=1, max_fields=len(TEXT_FIELDS),
        max_part_size=4096,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InvalidInput(f"multipart body: {exc.message}") from None
    try:
        image = form.get("image")
        if not isinstance(image, UploadFile):
            raise InvalidInput("image: missing (send the JPEG or PNG as a file part named image)")
        data = await image.read()
        values = {}
        for name in TEXT_FIELDS:
            value = form.get(name)
            if isinstance(value, UploadFile):
                raise InvalidInput(f"{name}: expected a text field, got a file")
            values[name] = value or None
    finally:
        await form.close()
    for name in ("camera", "captured_at"):
        if not values[name]:
            raise InvalidInput(f"{name}: missing")
    return FrameUpload(key, values["camera"], values["captured_at"], values["frame_id"], data)
