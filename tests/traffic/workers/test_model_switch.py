"""A worker picks up `traffic model activate` at a frame boundary, without a restart: the camera's open tracks end
under the old version, its tracker starts afresh, and what follows is recorded under the new version."""
from __future__ import annotations

import shutil
from collections import Counter

import pytest
from sqlalchemy import select

from models.enums import Role
from models import CameraState, DetectorVersion, EnforcementRecord, Sighting
from tests.support.footage import DEMO_DIR, demo_snapshots, require
from tests.support.ingest import FRAMES_URL
from tests.traffic.workers.fakes import Clock
from traffic.services import detector_versions
from traffic.services.actors import Actor
from traffic.services.camera_keys import issue_key
from traffic.services.city import apply_config
from traffic.services.city_file import load_city_file
from traffic.workers.queues import DatabaseQueue
from traffic.workers.worker import WorkerResources, Worker

pytestmark = pytest.mark.slow
FRAMES = 105  # 10.5 s of the demo footage, in three batches
SWITCH_AT = 4  # the fourth activation check: before the third batch (frame 70; tricycles and four-wheelers are
# on screen)


def test_an_activation_reaches_a_running_worker_at_the_next_batch(client, session, session_factory, settings,
                                                                   tmp_path) -> None:
    require(DEMO_DIR / "demo_model.pt")
    apply_config(session, load_city_file(DEMO_DIR / "city.yaml")[0])
    key = issue_key(session, "CAM-001")
    session.commit()
    for snapshot in demo_snapshots(FRAMES):
        response = client.post(FRAMES_URL, data={"camera": "CAM-001", "captured_at": snapshot.captured_at_text},
                               files={"image": ("s.jpg", snapshot.jpeg, "image/jpeg")}, headers={"X-Camera-Key": key})
        assert response.status_code == 202, response.text
    (tmp_path / "v2").mkdir()
    shutil.copy(DEMO_DIR / "demo_model.pt", tmp_path / "v2" / "demo_model.pt")
    shutil.copy(DEMO_DIR / "class_map.yaml", tmp_path / "v2" / "class_map.yaml")
    candidate = detector_versions.inspect_weights(tmp_path / "v2" / "demo_model.pt")
    old = detector_versions.ensure_default(session, settings.model_path)  # the same bytes: registered first
    new = detector_versions.register(session, candidate, "demo", "2")
    session.commit()

    settings = settings.model_copy(update={"worker_batch": FRAMES // 3})
    stack = WorkerResources.from_settings(settings, session_factory)
    checks = Counter()
    generation = stack.pipelines.generation

    def generation_then_activate(check_session):
        """Activate demo:2 city-wide just before the worker's SWITCH_AT-th look at the generation."""
        checks["n"] += 1
        if checks["n"] == SWITCH_AT:
            detector_versions.activate(check_session, check_session.get(DetectorVersion, new.id), camera_code=None,
                                       actor=Actor(None, "test", Role.ADMIN, None, "cli"), force=True)
            check_session.commit()
        return generation(check_session)

    stack.pipelines.generation = generation_then_activate
    worker = Worker.build(settings, session_factory, stack, source=DatabaseQueue(session_factory))
    clock = Clock()
    worker.processor.clock = clock
    worker.run(until_idle=True)
    clock.advance(settings.camera_quiet_s + 1)
    worker.processor.finish_quiet_cameras()

    session.expire_all()
    assert checks["n"] > SWITCH_AT  # the worker kept running through the switch
    sightings = session.scalars(select(Sighting).order_by(Sighting.id)).all()
    by_version = Counter(s.detector_version_id for s in sightings)
    assert set(by_version) == {old.id, new.id}, by_version
    epochs: dict[int, set[str]] = {}
    for sighting in sightings:  # track keys read push:EPOCH:TRACK
        epochs.setdefault(sighting.detector_version_id, set()).add(sighting.track_key.split(":")[1])
    assert epochs[old.id].isdisjoint(epochs[new.id])  # the tracker restarted: new track keys
    assert all(s.status == "closed" for s in sightings)
    # The tricycle on screen across the switch was ended under the old version and seen again under the new one.
    tricycles = Counter(s.detector_version_id for s in sightings if s.vehicle_type == "e_tricycle")
    assert tricycles[old.id] >= 1 and tricycles[new.id] >= 1, tricycles
    for record in session.scalars(select(EnforcementRecord)):
        assert record.detector_version_id == session.get(Sighting, record.sighting_id).detector_version_id
    assert session.scalar(select(CameraState.epoch)) >= 2
