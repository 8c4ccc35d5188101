"""The bad-media corpus pushed through the API: each item gets its documented answer (docs/ingest.md), and what was
stored before is unchanged."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from models import IngestFrame
from tests.support.bad_media import Media, corpus, malformed_multipart_bodies, oversized_upload
from tests.support.footage import street_snapshots
from tests.support.ingest import FRAMES_URL, apply_ingest_city, post_snapshot
from traffic.services.frame_store import read_frame_bytes


@pytest.fixture()
def stored(session, client):
    """The camera keys, and one frame stored before any bad media arrives."""
    keys = apply_ingest_city(session)
    session.commit()
    snapshot = street_snapshots(1)[0]
    assert post_snapshot(client, snapshot, keys["CAM-A"], frame_id="kept").status_code == 202
    return keys, snapshot


def _rows(session, client) -> dict[str, tuple[str, str, int]]:
    """Each stored frame's recorded hash, the hash of its bytes as read back from the frame store, size, status."""
    session.expire_all()
    store = client.app.state.frame_store
    return {f.frame_id: (f.sha256, hashlib.sha256(read_frame_bytes(store, f)).hexdigest(), f.size, f.status)
            for f in session.scalars(select(IngestFrame))}


@pytest.mark.parametrize("media", corpus(), ids=lambda m: m.name)
def test_each_item_gets_its_documented_answer(client, session, stored, media: Media) -> None:
    keys, snapshot = stored
    before = _rows(session, client)
    content_type = "image/png" if media.name.endswith(".png") else "image/jpeg"
    response = post_snapshot(client, snapshot, keys["CAM-A"], frame_id=f"bad-{media.name}", image=media.data,
                             content_type=content_type)
    assert response.status_code == media.status, response.text
    after = _rows(session, client)
    if media.status >= 400:
        assert response.json()["error"] == media.error and response.json()["detail"].startswith("image:")
        assert after == before
    else:
        assert {k: v for k, v in after.items() if k in before} == before  # the stored frame is untouched
        assert set(after) - set(before) == {f"bad-{media.name}"}


def test_a_50_mb_upload_is_refused_before_it_is_read(client, session, stored) -> None:
    keys, snapshot = stored
    before = _rows(session, client)
    response = post_snapshot(client, snapshot, keys["CAM-A"], image=oversized_upload())
    assert response.status_code == 413 and response.json()["error"] == "PayloadTooLarge"
    assert _rows(session, client) == before


@pytest.mark.parametrize(("content_type", "body"), malformed_multipart_bodies(),
                         ids=["no-boundary", "nameless-part", "unterminated", "garbage"])
def test_a_malformed_multipart_body_is_a_422(client, session, stored, content_type: str, body: bytes) -> None:
    keys, _ = stored
    before = _rows(session, client)
    response = client.post(FRAMES_URL, content=body,
                           headers={"Content-Type": content_type, "X-Camera-Key": keys["CAM-A"]})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "InvalidInput"
    assert _rows(session, client) == before
