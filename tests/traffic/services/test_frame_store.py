"""The frame store: content-addressed, written whole before a row names it, read back through one function."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from models import IngestFrame
from tests.support.footage import street_snapshots
from tests.support.ingest import apply_ingest_city
from traffic.errors import NotFound
from traffic.services.frame_store import FrameBytesMissing, LocalFrameStore, read_frame_bytes, store_frame_bytes
from traffic.services.ingest import FrameSubmission, accept_frame


def test_equal_bytes_share_one_file_and_come_back_whole(tmp_path) -> None:
    store = LocalFrameStore(tmp_path / "frames")
    sha256, key = store_frame_bytes(store, b"\xff\xd8jpeg bytes", "image/jpeg")
    assert key == f"{sha256[:2]}/{sha256[2:4]}/{sha256}.jpg"
    assert store_frame_bytes(store, b"\xff\xd8jpeg bytes", "image/jpeg") == (sha256, key)
    assert [b.key for b in store.blobs()] == [key]
    assert store.get(key) == b"\xff\xd8jpeg bytes" and store.exists(key)
    assert not list((tmp_path / "frames").rglob(".*.tmp")), "no temporary file is left behind"
    assert store.delete(key) == len(b"\xff\xd8jpeg bytes") and not store.exists(key) and store.delete(key) == 0


def test_a_damaged_file_is_replaced_by_the_right_bytes_on_the_next_put(tmp_path) -> None:
    store = LocalFrameStore(tmp_path / "frames")
    _, key = store_frame_bytes(store, b"the real bytes", "image/png")
    path = store.path_of(key)
    path.chmod(0o644)
    path.write_bytes(b"bit rot")
    assert store.put(key, b"the real bytes") is True
    assert store.get(key) == b"the real bytes"


@pytest.mark.parametrize("key", ["../secret_key", "ab/cd/../../x.jpg", "/etc/passwd", "ab/cd/" + "0" * 64 + ".exe"])
def test_keys_outside_the_store_layout_are_refused(tmp_path, key: str) -> None:
    store = LocalFrameStore(tmp_path / "frames")
    with pytest.raises(ValueError):
        store.get(key)


def _submission(key: str, frame_id: str = "f-1") -> FrameSubmission:
    snapshot = street_snapshots(1)[0]
    return FrameSubmission("CAM-A", key, snapshot.captured_at_text, snapshot.jpeg, frame_id)


def _accept(session, store, submission):
    return accept_frame(session, submission, store=store, max_bytes=10**7, max_ahead_s=300,
                        now=dt.datetime.now(dt.timezone.utc))


def test_an_accepted_frame_is_on_disk_and_the_row_holds_only_its_hash_and_path(session, tmp_path) -> None:
    store = LocalFrameStore(tmp_path / "frames")
    submission = _submission(apply_ingest_city(session)["CAM-A"])
    _accept(session, store, submission)
    row = session.scalar(select(IngestFrame).where(IngestFrame.frame_id == "f-1"))
    assert "image" not in IngestFrame.__table__.columns, "no frame bytes in the database"
    assert store.get(row.image_path) == submission.image
    assert read_frame_bytes(store, "f-1", session) == submission.image == read_frame_bytes(store, row)


def test_a_row_that_fails_to_commit_leaves_no_row_and_only_a_harmless_file(session_factory, tmp_path) -> None:
    store = LocalFrameStore(tmp_path / "frames")
    with session_factory() as session:
        key = apply_ingest_city(session)["CAM-A"]
        session.commit()
    submission = _submission(key)
    with session_factory() as session:
        _accept(session, store, submission)
        session.rollback()  # as when the commit fails (database gone, disk full)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(IngestFrame)) == 0
    assert len(list(store.blobs())) == 1  # written before the row: retention sweeps it (test_retention)


def test_missing_or_altered_bytes_are_reported_as_such(session, tmp_path) -> None:
    store = LocalFrameStore(tmp_path / "frames")
    _accept(session, store, _submission(apply_ingest_city(session)["CAM-A"]))
    row = session.scalar(select(IngestFrame))
    path = store.path_of(row.image_path)
    path.chmod(0o644)
    path.write_bytes(b"altered")
    with pytest.raises(FrameBytesMissing, match="no longer match"):
        read_frame_bytes(store, row)
    path.unlink()
    with pytest.raises(FrameBytesMissing, match="missing"):
        read_frame_bytes(store, row)
    with pytest.raises(NotFound):
        read_frame_bytes(store, "no-such-frame", session)
