"""Retention removes what has served its time and keeps what an open or held record still needs."""
from __future__ import annotations

import datetime as dt
import os
import uuid

from sqlalchemy import select

import models
from models.enums import RecordStatus
from tests.support.factories import make_city, make_record, make_sighting_row
from traffic.services.frame_store import LocalFrameStore, store_frame_bytes
from traffic.services.retention import ORPHAN_GRACE, RetentionPolicy, run_retention

NOW = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)  # files written now are past the grace at NOW
POLICY = RetentionPolicy(frame_hours=24, sighting_frame_days=30)


def add_frame(session, store, camera_id: int, age: dt.timedelta, *, status: str = "done", data: bytes | None = None,
              sighting: models.Sighting | None = None) -> models.IngestFrame:
    """A frame whose bytes are in ``store``, processed ``age`` before NOW, linked to ``sighting`` when given."""
    data = data if data is not None else uuid.uuid4().bytes * 8
    sha256, key = store_frame_bytes(store, data, "image/jpeg")
    at = NOW - age
    frame = models.IngestFrame(
        frame_id=uuid.uuid4().hex, camera_id=camera_id, captured_at=at, received_at=at, content_type="image/jpeg",
        sha256=sha256, size=len(data), width=1280, height=720, image_path=key, status=status,
        processed_at=None if status == "queued" else at,
    )
    session.add(frame)
    session.flush()
    if sighting is not None:
        session.execute(models.frame_sightings.insert().values(frame_id=frame.id, sighting_id=sighting.id))
    return frame


def remaining(session, *frames) -> set[str]:
    ids = {f.frame_id for f in frames}
    return set(session.scalars(select(models.IngestFrame.frame_id).where(models.IngestFrame.frame_id.in_(ids))))


def test_old_processed_frames_go_with_their_files_and_the_freed_bytes_are_reported(session, session_factory,
                                                                                     tmp_path) -> None:
    store = LocalFrameStore(tmp_path / "frames")
    camera = make_city(session).camera.id
    old_done = add_frame(session, store, camera, dt.timedelta(hours=25))
    old_failed = add_frame(session, store, camera, dt.timedelta(hours=30), status="failed")
    fresh = add_frame(session, store, camera, dt.timedelta(hours=1))
    queued = add_frame(session, store, camera, dt.timedelta(days=5), status="queued")
    shared = b"a frozen camera sends the same bytes"
    shared_old = add_frame(session, store, camera, dt.timedelta(hours=48), data=shared)
    shared_fresh = add_frame(session, store, camera, dt.timedelta(hours=2), data=shared)
    session.commit()

    dry = run_retention(session_factory, store, POLICY, NOW, dry_run=True)
    assert (dry.rows, dry.files, dry.bytes) == (3, 2, old_done.size + old_failed.size)
    assert len(remaining(session, old_done, old_failed, fresh, queued, shared_old, shared_fresh)) == 6
    assert all(store.exists(f.image_path) for f in (old_done, old_failed, shared_old))

    report = run_retention(session_factory, store, POLICY, NOW)
    assert (report.rows, report.files, report.bytes, report.orphans) == (3, 2, dry.bytes, 0)
    assert remaining(session, old_done, old_failed, fresh, queued, shared_old, shared_fresh) == {
        fresh.frame_id, queued.frame_id, shared_fresh.frame_id}
    assert not store.exists(old_done.image_path) and not store.exists(old_failed.image_path)
    assert store.exists(shared_fresh.image_path), "a file goes only when no row names it"
    assert "freed 3 frame rows, 2 files (0 unnamed)" in report.summary()
    again = run_retention(session_factory, store, POLICY, NOW)
    assert (again.rows, again.files, again.bytes) == (0, 0, 0)


def test_sighting_frames_stay_for_days_and_open_or_held_records_frames_stay_for_good(session, session_factory,
                                                                                       tmp_path) -> None:
    store = LocalFrameStore(tmp_path / "frames")
    city = make_city(session)
    camera = city.camera.id
    recent_sighting = add_frame(session, store, camera, dt.timedelta(days=2),
                                sighting=make_sighting_row(session, city, NOW))
    old_sighting = add_frame(session, store, camera, dt.timedelta(days=31),
                             sighting=make_sighting_row(session, city, NOW))
    kept: dict[str, models.IngestFrame] = {}
    for status in RecordStatus:
        record = make_record(session, city, NOW, status=status)
        kept[status] = add_frame(session, store, camera, dt.timedelta(days=100),
                                 sighting=session.get(models.Sighting, record.sighting_id))
    held = make_record(session, city, NOW, status=RecordStatus.CLOSED)
    session.add(models.LegalHold(record_id=held.id, reason="court case 2023-17", set_by="sup", set_at=NOW))
    held_frame = add_frame(session, store, camera, dt.timedelta(days=100),
                           sighting=session.get(models.Sighting, held.sighting_id))
    session.commit()

    report = run_retention(session_factory, store, POLICY, NOW)
    gone = {old_sighting.frame_id, kept[RecordStatus.DISMISSED].frame_id, kept[RecordStatus.CLOSED].frame_id}
    everything = (recent_sighting, old_sighting, held_frame, *kept.values())
    assert remaining(session, *everything) == {f.frame_id for f in everything} - gone
    assert report.rows == 3 and report.kept == 5  # four open records' frames and the held one
    assert store.exists(held_frame.image_path) and not store.exists(old_sighting.image_path)


def test_files_no_row_names_are_swept_once_past_the_grace(session_factory, tmp_path) -> None:
    store = LocalFrameStore(tmp_path / "frames")
    _, old_orphan = store_frame_bytes(store, b"an upload whose row never committed", "image/jpeg")
    _, fresh_orphan = store_frame_bytes(store, b"an upload on its way to its row", "image/jpeg")
    stale = (NOW - ORPHAN_GRACE - dt.timedelta(minutes=1)).timestamp()
    os.utime(store.path_of(old_orphan), (stale, stale))
    os.utime(store.path_of(fresh_orphan), (NOW.timestamp(), NOW.timestamp()))

    assert run_retention(session_factory, store, POLICY, NOW, dry_run=True).orphans == 1
    report = run_retention(session_factory, store, POLICY, NOW)
    assert (report.files, report.orphans, report.bytes) == (1, 1, len(b"an upload whose row never committed"))
    assert not store.exists(old_orphan) and store.exists(fresh_orphan)
