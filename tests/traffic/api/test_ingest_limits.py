"""The upload limit: refused from Content-Length before reading, and while reading when the length is not declared.

These tests drive the ASGI app directly so they can count how much of the body the server asked for.
"""
from __future__ import annotations

import asyncio

import pytest

from tests.support.footage import street_snapshots
from tests.support.ingest import FRAMES_URL, apply_ingest_city, post_snapshot

LIMIT = 100_000
CHUNK = 16 * 1024
BOUNDARY = "----camera-firmware-boundary"


@pytest.fixture()
def small_limit(app, keys):
    app.state.settings = app.state.settings.model_copy(update={"max_upload_bytes": LIMIT})
    return app


@pytest.fixture()
def keys(session) -> dict[str, str]:
    keys = apply_ingest_city(session)
    session.commit()
    return keys


def _multipart(image: bytes, captured_at: str) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="camera"\r\n\r\nCAM-A\r\n'.encode(),
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="captured_at"\r\n\r\n{captured_at}\r\n'.encode(),
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode() + image + b"\r\n",
        f"--{BOUNDARY}--\r\n".encode(),
    ]
    return b"".join(parts)


def _call(app, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, int, int]:
    """POST ``body`` in CHUNK-sized messages; returns status, response body, chunks read, chunks offered."""
    chunks = [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)]
    reads = 0
    sent: list[dict] = []

    async def receive():
        nonlocal reads
        if reads >= len(chunks):
            return {"type": "http.disconnect"}
        reads += 1
        return {"type": "http.request", "body": chunks[reads - 1], "more_body": reads < len(chunks)}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": FRAMES_URL, "raw_path": FRAMES_URL.encode(), "root_path": "", "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, payload, reads, len(chunks)


def _big_body() -> bytes:
    snapshot = street_snapshots(1)[0]
    image = snapshot.jpeg * (1 + 3_000_000 // len(snapshot.jpeg))  # a few MB, far past the limit
    return _multipart(image, snapshot.captured_at_text)


def test_declared_length_over_the_limit_is_refused_before_reading(small_limit, keys) -> None:
    body = _big_body()
    status, payload, reads, _ = _call(small_limit, body, {
        "content-type": f"multipart/form-data; boundary={BOUNDARY}", "content-length": str(len(body)),
        "x-camera-key": keys["CAM-A"],
    })
    assert status == 413 and b'"PayloadTooLarge"' in payload
    assert reads == 0


def test_undeclared_length_stops_reading_once_past_the_limit(small_limit, keys) -> None:
    status, payload, reads, offered = _call(small_limit, _big_body(), {
        "content-type": f"multipart/form-data; boundary={BOUNDARY}", "x-camera-key": keys["CAM-A"],
    })
    assert status == 413 and b'"PayloadTooLarge"' in payload
    assert offered > 150 and reads <= (LIMIT + 64 * 1024) // CHUNK + 1


def test_an_image_over_the_limit_inside_the_form_allowance_is_413(small_limit, client, keys) -> None:
    snapshot = street_snapshots(1)[0]
    image = snapshot.jpeg[: LIMIT + 1000]
    response = post_snapshot(client, snapshot, keys["CAM-A"], image=image)
    assert response.status_code == 413
    assert response.json()["detail"] == f"image: {LIMIT + 1000} bytes is more than the limit of {LIMIT}"


def test_missing_key_is_refused_before_reading(app) -> None:
    status, payload, reads, _ = _call(app, _big_body(), {
        "content-type": f"multipart/form-data; boundary={BOUNDARY}",
    })
    assert status == 401 and reads == 0
