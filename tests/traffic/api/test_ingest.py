"""Push ingest over HTTP with real street snapshots: acceptance, repeats, status, and every refusal."""
from __future__ import annotations

import datetime as dt
import hashlib

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

from models import IngestFrame
from tests.support.footage import street_snapshots
from tests.support.ingest import FRAMES_URL, apply_ingest_city, frame_status, post_snapshot


@pytest.fixture()
def keys(session) -> dict[str, str]:
    keys = apply_ingest_city(session)
    session.commit()
    return keys


@pytest.fixture(scope="module")
def snapshots():
    return street_snapshots(3)


def _frame_count(session) -> int:
    return session.scalar(select(func.count()).select_from(IngestFrame))


def test_a_snapshot_is_stored_whole_before_the_202(client, session, keys, snapshots) -> None:
    snapshot = snapshots[0]
    response = post_snapshot(client, snapshot, keys["CAM-A"])
    assert response.status_code == 202, response.text
    digest = hashlib.sha256(snapshot.jpeg).hexdigest()
    assert response.json() == {"frame_id": digest, "status": "queued", "duplicate": False}
    row = session.scalar(select(IngestFrame).where(IngestFrame.frame_id == digest))
    assert client.app.state.frame_store.get(row.image_path) == snapshot.jpeg  # the file, not the row, holds it
    assert row.image_path == f"{digest[:2]}/{digest[2:4]}/{digest}.jpg"
    assert (row.content_type, row.width, row.height, row.size) == ("image/jpeg", 1024, 576, len(snapshot.jpeg))
    assert row.captured_at == snapshot.captured_at and row.status == "queued"
    status = frame_status(client, digest, keys["CAM-A"])
    assert status.status_code == 200
    body = status.json()
    assert (body["camera"], body["status"], body["sightings"], body["error"]) == ("CAM-A", "queued", [], None)
    assert dt.datetime.fromisoformat(body["captured_at"]) == snapshot.captured_at


def test_the_same_frame_again_answers_the_same_id_and_stores_nothing(client, session, keys, snapshots) -> None:
    first = post_snapshot(client, snapshots[0], keys["CAM-A"])
    again = post_snapshot(client, snapshots[0], keys["CAM-A"])
    assert again.status_code == 202
    assert again.json() == {**first.json(), "duplicate": True}
    named = post_snapshot(client, snapshots[1], keys["CAM-A"], frame_id="cam-a:2023-06-05T08:00:00.080")
    named_again = post_snapshot(client, snapshots[1], keys["CAM-A"], frame_id="cam-a:2023-06-05T08:00:00.080")
    assert named.json()["frame_id"] == named_again.json()["frame_id"] == "cam-a:2023-06-05T08:00:00.080"
    assert named_again.json()["duplicate"] is True
    assert _frame_count(session) == 2


def test_png_snapshots_are_accepted(client, session, keys, snapshots) -> None:
    pixels = cv2.imdecode(np.frombuffer(snapshots[2].jpeg, np.uint8), cv2.IMREAD_COLOR)
    png = cv2.imencode(".png", pixels)[1].tobytes()
    response = post_snapshot(client, snapshots[2], keys["CAM-A"], image=png, content_type="image/png")
    assert response.status_code == 202, response.text
    row = session.scalar(select(IngestFrame).where(IngestFrame.frame_id == response.json()["frame_id"]))
    assert (row.content_type, row.width, row.height) == ("image/png", 1024, 576)


def _in_minutes(minutes: float) -> str:
    return (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) + dt.timedelta(minutes=minutes)).isoformat()


REFUSALS = [
    ("no-key", dict(key=None), 401, "Unauthorized", "missing X-Camera-Key"),
    ("wrong-key", dict(key="not-the-key"), 401, "Unauthorized", "wrong key"),
    ("other-camera-key", dict(key="CAM-B"), 403, "Forbidden", "another camera"),
    ("unknown-camera", dict(camera="CAM-ZZ"), 404, "NotFound", "CAM-ZZ"),
    ("disabled-camera", dict(camera="CAM-OFF", key="CAM-OFF"), 409, "Conflict", "disabled"),
    ("not-an-image", dict(image=b"%PDF-1.4 not a picture"), 422, "InvalidInput", "not a JPEG or PNG"),
    ("truncated-jpeg", dict(image="half"), 422, "InvalidInput", "truncated JPEG"),
    ("far-future", dict(captured_at="in 10 minutes"), 422, "InvalidInput", "in the future"),
    ("no-offset", dict(captured_at="2023-06-05T08:00:00"), 422, "InvalidInput", "no UTC offset"),
    ("not-a-time", dict(captured_at="yesterday"), 422, "InvalidInput", "not an ISO 8601 time"),
    ("bad-frame-id", dict(frame_id="a/b"), 422, "InvalidInput", "frame_id"),
]


@pytest.mark.parametrize(("overrides", "status", "error", "detail"), [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_refusals_answer_json_errors_and_store_nothing(
    client, session, keys, snapshots, overrides, status, error, detail
) -> None:
    args = dict(overrides)
    key = args.pop("key", "CAM-A")
    key = keys.get(key, key) if key else None
    if args.get("image") == "half":
        args["image"] = snapshots[0].jpeg[: len(snapshots[0].jpeg) // 2]
    if args.get("captured_at") == "in 10 minutes":  # computed when the test runs, not when the module is read
        args["captured_at"] = _in_minutes(10)
    response = post_snapshot(client, snapshots[0], key, **args)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert detail in response.json()["detail"]
    assert _frame_count(session) == 0


def test_a_time_just_ahead_of_the_server_clock_is_accepted(client, keys, snapshots) -> None:
    response = post_snapshot(client, snapshots[0], keys["CAM-A"], captured_at=_in_minutes(4))
    assert response.status_code == 202, response.text


def test_a_frame_id_reused_for_another_image_or_camera_is_a_conflict(client, session, keys, snapshots) -> None:
    assert post_snapshot(client, snapshots[0], keys["CAM-A"], frame_id="f-1").status_code == 202
    other_image = post_snapshot(client, snapshots[1], keys["CAM-A"], frame_id="f-1")
    other_camera = post_snapshot(client, snapshots[0], keys["CAM-B"], camera="CAM-B", frame_id="f-1")
    for response in (other_image, other_camera):
        assert response.status_code == 409
        assert response.json() == {"error": "Conflict", "detail": "frame_id 'f-1' already names a different frame"}
    assert _frame_count(session) == 1


def test_missing_fields_and_non_multipart_bodies_are_422(client, keys, snapshots) -> None:
    headers = {"X-Camera-Key": keys["CAM-A"]}
    no_image = client.post(FRAMES_URL, data={"camera": "CAM-A", "captured_at": snapshots[0].captured_at_text},
                           files={"other": ("x.txt", b"x", "text/plain")}, headers=headers)
    assert no_image.status_code == 422 and "image: missing" in no_image.json()["detail"]
    as_json = client.post(FRAMES_URL, json={"camera": "CAM-A"}, headers=headers)
    assert as_json.status_code == 422 and "multipart/form-data" in as_json.json()["detail"]


def test_a_frame_status_opens_only_to_the_key_of_its_camera(anonymous_client, keys, snapshots) -> None:
    digest = post_snapshot(anonymous_client, snapshots[0], keys["CAM-A"]).json()["frame_id"]
    assert frame_status(anonymous_client, digest, keys["CAM-A"]).status_code == 200
    other_camera = frame_status(anonymous_client, digest, keys["CAM-B"])  # another camera's frame: not there
    assert other_camera.status_code == 404 and other_camera.json()["error"] == "NotFound"
    assert anonymous_client.get(f"{FRAMES_URL}/{digest}").status_code == 401
    assert frame_status(anonymous_client, digest, "not-a-key").status_code == 401


def test_unknown_frame_status_is_404(client, keys) -> None:
    response = frame_status(client, "no-such-frame", keys["CAM-A"])
    assert response.status_code == 404
    assert response.json() == {"error": "NotFound", "detail": "frame 'no-such-frame' does not exist"}
