"""Helpers for the ingest tests: the test city, camera keys, and posting snapshots the way a camera does."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from tests.support.footage import Snapshot
from traffic.services.camera_keys import issue_key
from traffic.services.city import apply_config
from traffic.services.city_file import load_city_file

INGEST_CITY = Path(__file__).resolve().parent / "ingest_city.yaml"
FRAMES_URL = "/api/v1/ingest/frames"


def apply_ingest_city(session: Session) -> dict[str, str]:
    """Store the test city and return a fresh key per camera."""
    config, _ = load_city_file(INGEST_CITY)
    apply_config(session, config)
    session.flush()
    return {code: issue_key(session, code) for code in ("CAM-A", "CAM-B", "CAM-OFF")}


def post_snapshot(client, snapshot: Snapshot, key: str, *, camera: str = "CAM-A", frame_id: str | None = None,
                  captured_at: str | None = None, image: bytes | None = None, content_type: str = "image/jpeg"):
    """POST one snapshot as multipart, like a camera's firmware would."""
    data = {"camera": camera, "captured_at": captured_at or snapshot.captured_at_text}
    if frame_id is not None:
        data["frame_id"] = frame_id
    files = {"image": ("snapshot.jpg", snapshot.jpeg if image is None else image, content_type)}
    return client.post(FRAMES_URL, data=data, files=files, headers={"X-Camera-Key": key} if key else {})


def frame_status(client, frame_id: str, key: str):
    """GET a pushed frame's status as the camera that sent it (only its own key opens it)."""
    return client.get(f"{FRAMES_URL}/{frame_id}", headers={"X-Camera-Key": key})
