"""Concurrent repeats of one frame store it once: the unique frame id decides, not a look-before-insert."""
from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from models import IngestFrame
from tests.support.databases import fresh_database
from tests.support.footage import street_snapshots
from tests.support.ingest import apply_ingest_city
from traffic import migrate
from traffic.db import make_engine, make_session_factory, transaction
from traffic.services.frame_store import LocalFrameStore
from traffic.services.ingest import FrameSubmission, accept_frame

SENDERS = 8


def test_simultaneous_repeats_store_one_frame(backend, tmp_path) -> None:
    snapshot = street_snapshots(1)[0]
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url, pool_size=SENDERS) if backend == "postgresql" else make_engine(url)
        try:
            migrate.upgrade(engine)
            factory = make_session_factory(engine)
            with transaction(factory) as session:
                key = apply_ingest_city(session)["CAM-A"]
            submission = FrameSubmission("CAM-A", key, snapshot.captured_at_text, snapshot.jpeg, "same-frame")
            barrier = threading.Barrier(SENDERS)
            store = LocalFrameStore(tmp_path / "frames")

            def send(_):
                barrier.wait()
                with transaction(factory) as session:
                    return accept_frame(session, submission, store=store, max_bytes=10**7, max_ahead_s=300,
                                        now=dt.datetime.now(dt.timezone.utc))

            with ThreadPoolExecutor(SENDERS) as pool:
                answers = list(pool.map(send, range(SENDERS)))
            assert {a.frame_id for a in answers} == {"same-frame"}
            assert len({a.pk for a in answers}) == 1
            assert sorted(a.duplicate for a in answers) == [False] + [True] * (SENDERS - 1)
            with factory() as session:
                assert session.scalar(select(func.count()).select_from(IngestFrame)) == 1
            assert [b.key for b in store.blobs()] == [session.scalar(select(IngestFrame.image_path))]
        finally:
            engine.dispose()
