"""Real street snapshots pushed over HTTP, processed by a worker with the real model and recorder.

The reference is the same pipeline run directly over the same frames: pushing them one by one, through the
database queue, checkpointing after every frame, must give exactly the same sightings, and one record per
restricted sighting.
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

from detection.types import Frame
from models import EnforcementRecord, IngestFrame, Sighting, frame_sightings
from tests.support.footage import street_snapshots
from tests.support.ingest import apply_ingest_city, frame_status, post_snapshot
from tests.support.vision_stack import vision_settings
from tests.traffic.workers.fakes import Clock
from traffic.services.cameras import load_camera
from traffic.workers.queues import DatabaseQueue
from traffic.workers.worker import WorkerResources, Worker

pytestmark = pytest.mark.slow
FRAMES = 24


@pytest.fixture(scope="module")
def snapshots():
    return street_snapshots(FRAMES)


@pytest.fixture()
def stack(settings, tmp_path):
    settings = vision_settings(settings, tmp_path)
    return settings, WorkerResources.from_settings(settings)


def _reference(runtime, camera, snapshots) -> list[tuple[str, object, object, str]]:
    pipeline = runtime.pipeline_for(camera, None)
    ended = []
    frames = [Frame(cv2.imdecode(np.frombuffer(s.jpeg, np.uint8), cv2.IMREAD_COLOR), s.captured_at, s.index,
                    str(s.index)) for s in snapshots]
    for frame in frames:
        ended += [e.sighting for e in pipeline.process(frame) if e.kind == "ended"]
    ended += [e.sighting for e in pipeline.finish()]
    return sorted((f"push:0:{s.track_id}", s.first_seen, s.last_seen, s.vehicle_type) for s in ended)


def test_pushed_street_frames_give_the_pipelines_sightings_and_records(client, session, session_factory, stack,
                                                                       snapshots) -> None:
    settings, resources = stack
    key = apply_ingest_city(session)["CAM-A"]
    session.commit()
    for snapshot in snapshots:
        assert post_snapshot(client, snapshot, key).status_code == 202
    clock = Clock()
    worker = Worker.build(settings, session_factory, resources, source=DatabaseQueue(session_factory))
    worker.processor.clock = clock
    worker.run(until_idle=True)
    clock.advance(settings.camera_quiet_s + 1)
    assert worker.processor.finish_quiet_cameras() == 1  # the camera went quiet: its open tracks end

    session.expire_all()
    assert set(session.scalars(select(IngestFrame.status))) == {"done"}
    stored = sorted(session.execute(
        select(Sighting.track_key, Sighting.first_seen, Sighting.last_seen, Sighting.vehicle_type)
        .where(Sighting.status == "closed")
    ).all())
    expected = _reference(resources.pipelines, load_camera(session, "CAM-A"), snapshots)
    assert len(expected) >= 3, "the clip shows several cars in these frames"
    assert [tuple(row) for row in stored] == expected
    assert session.scalar(select(func.count()).select_from(Sighting).where(Sighting.status != "closed")) == 0

    # Every car on S-1 at 08:00 on a Monday is restricted by R-4W-DAY: one record per sighting, each with an
    # intact evidence package whose panoramas were read back from the stored frames.
    records = session.scalars(select(EnforcementRecord)).all()
    assert len(records) == len(expected)
    evidence = resources.recorder.evidence
    for record in records:
        assert evidence.verify(session, record).intact, record.record_no
        panoramas = [f for f in evidence.files_of(session, record) if f.kind == "panorama"]
        assert len(panoramas) >= 2
        assert cv2.imread(str(evidence.path_of(panoramas[0]))).shape == (576, 1024, 3)

    # A frame that started a sighting reports it.
    frame_pk, sighting_id = session.execute(select(frame_sightings.c.frame_id, frame_sightings.c.sighting_id)).first()
    frame_id = session.scalar(select(IngestFrame.frame_id).where(IngestFrame.id == frame_pk))
    body = frame_status(client, frame_id, key).json()
    assert body["status"] == "done" and sighting_id in [s["id"] for s in body["sightings"]]
    assert all(s["record_no"] for s in body["sightings"])

    # Pushing everything again changes nothing.
    again = [post_snapshot(client, s, key).json() for s in snapshots]
    assert all(a["duplicate"] and a["status"] == "done" for a in again)
    worker.run(until_idle=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Sighting)) == len(expected)
    assert session.scalar(select(func.count()).select_from(IngestFrame)) == FRAMES
