"""The demo footage pushed over HTTP frame by frame into the demo city, processed by a worker with the demo model.

What a user of the demo relies on: each vehicle that passes gives one sighting of the right type, and exactly the
restricted ones become records (07:58 on a Monday after the grace period, on 人民路: every tricycle by R-TRI-PEAK,
unplated four-wheelers by R-D1-UNPLATED-4W; plated four-wheelers, cars, two-wheelers and parked vehicles none), and
each record's panoramas are the frames the camera sent, byte for byte, named in its manifest.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter

import pytest
from sqlalchemy import select

from models import EnforcementRecord, IngestFrame, Sighting
from tests.support.footage import DEMO_DIR, demo_snapshots, require
from tests.support.ingest import FRAMES_URL
from tests.traffic.workers.fakes import Clock
from traffic.services.camera_keys import issue_key
from traffic.services.city import apply_config
from traffic.services.city_file import load_city_file
from traffic.workers.queues import DatabaseQueue
from traffic.workers.worker import WorkerResources, Worker

pytestmark = pytest.mark.slow
WATCHED = ("e_tricycle", "fuel_tricycle", "e_four_wheeler")


def _truth() -> list[dict]:
    require(DEMO_DIR / "demo_truth.json", DEMO_DIR / "demo_model.pt")
    vehicles = json.loads((DEMO_DIR / "demo_truth.json").read_text(encoding="utf-8"))["vehicles"]
    return [v for v in vehicles if not v["parked"]]


def _expected_records(truth: list[dict]) -> Counter:
    restricted = [v for v in truth if v["class"] in ("e_tricycle", "fuel_tricycle")
                  or (v["class"] == "e_four_wheeler" and not v["plated"])]
    return Counter(v["class"] for v in restricted)


def test_demo_footage_pushed_over_http_gives_the_expected_sightings_and_records(
    client, session, session_factory, settings
) -> None:
    truth = _truth()
    apply_config(session, load_city_file(DEMO_DIR / "city.yaml")[0])
    key = issue_key(session, "CAM-001")
    session.commit()
    sent: dict[str, str] = {}  # frame id -> SHA-256 of the bytes the camera sent
    for snapshot in demo_snapshots():
        response = client.post(
            FRAMES_URL,
            data={"camera": "CAM-001", "captured_at": snapshot.captured_at_text},
            files={"image": ("snapshot.jpg", snapshot.jpeg, "image/jpeg")},
            headers={"X-Camera-Key": key},
        )
        assert response.status_code == 202, response.text
        sent[response.json()["frame_id"]] = hashlib.sha256(snapshot.jpeg).hexdigest()

    worker = Worker.build(settings, session_factory, WorkerResources.from_settings(settings, session_factory),
                          source=DatabaseQueue(session_factory))
    clock = Clock()
    worker.processor.clock = clock
    worker.run(until_idle=True)
    clock.advance(settings.camera_quiet_s + 1)
    worker.processor.finish_quiet_cameras()

    session.expire_all()
    assert set(session.scalars(select(IngestFrame.status))) == {"done"}
    sightings = session.scalars(select(Sighting)).all()
    assert all(s.status == "closed" for s in sightings)
    assert Counter(s.vehicle_type for s in sightings) == Counter(v["class"] for v in truth if v["class"] in WATCHED)
    records = session.scalars(select(EnforcementRecord)).all()
    assert Counter(r.vehicle_type for r in records) == _expected_records(truth)
    assert all(r.status == "pending_review" and r.action == "penalty" for r in records)
    assert all(r.record_no.startswith("20230703-S-RM-01-") for r in records)
    evidence = worker.processor.recorder.evidence
    assert all(evidence.verify(session, r).intact for r in records)
    stored = dict(session.execute(select(IngestFrame.frame_id, IngestFrame.sha256)).all())
    for record in records:
        _assert_panoramas_are_the_sent_frames(evidence, session, record, sent, stored)


def _assert_panoramas_are_the_sent_frames(evidence, session, record, sent: dict[str, str], stored: dict[str, str]):
    """The manifest names each panorama's source frame; the panorama is that frame's bytes as the camera sent them."""
    rows = {row.name: row for row in evidence.files_of(session, record)}
    manifest = json.loads(evidence.path_of(rows["manifest.json"]).read_bytes())
    panoramas = [entry for entry in manifest["files"] if entry["kind"] == "panorama"]
    assert len(panoramas) >= 2, record.record_no
    for entry in panoramas:
        frame_id = entry["source_frame"]
        on_disk = hashlib.sha256(evidence.path_of(rows[entry["name"]]).read_bytes()).hexdigest()
        assert on_disk == entry["sha256"] == entry["source_sha256"] == stored[frame_id] == sent[frame_id], (
            f"{record.record_no} {entry['name']}")
