"""Two clients decide on one record at the same moment: exactly one wins, the other gets a stale-version 409."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from models import AuditEntry, EnforcementRecord, RecordEvent
from models.enums import RecordStatus, Role
from tests.support.actors import actor
from tests.support.databases import fresh_database
from tests.support.lifecycle import make_world, record_at
from traffic import migrate
from traffic.db import make_engine, make_session_factory, transaction
from traffic.services.lifecycle import StaleVersion, TransitionRequest, transition

CLIENTS = 2


def test_two_reviewers_racing_on_one_record_exactly_one_wins(backend, tmp_path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url, pool_size=CLIENTS + 1) if backend == "postgresql" else make_engine(url)
        try:
            migrate.upgrade(engine)
            factory = make_session_factory(engine)
            with transaction(factory) as session:
                world = make_world(session)
                record_id = record_at(session, world, RecordStatus.PENDING_REVIEW).id
                district = world.north.district.id
            decisions = [TransitionRequest(to=RecordStatus.CONFIRMED, version=1),
                         TransitionRequest(to=RecordStatus.DISMISSED, version=1, reason="duplicate")]
            barrier = threading.Barrier(CLIENTS, timeout=60)  # a timeout only turns a hang into a failure
            # PostgreSQL: both transactions read version 1 before either writes, so the compare-and-set UPDATE
            # decides. SQLite takes its write lock at BEGIN, so the two cannot overlap: both start together and
            # the second one in reads the winner's version.
            read_then_wait = backend == "postgresql"

            def decide(index: int) -> str:
                who = actor(Role.REVIEWER, [district], username=f"reviewer-{index}")
                if not read_then_wait:
                    barrier.wait()
                with factory() as session:
                    try:
                        with session.begin():
                            if read_then_wait:
                                session.get(EnforcementRecord, record_id)
                                barrier.wait()
                            return transition(session, who, record_id, decisions[index]).status
                    except StaleVersion:
                        return "stale"

            with ThreadPoolExecutor(CLIENTS) as pool:
                outcomes = list(pool.map(decide, range(CLIENTS)))
            assert sorted(outcomes, key=str) in (["confirmed", "stale"], ["dismissed", "stale"])
            with factory() as session:
                stored = session.get(EnforcementRecord, record_id)
                assert (stored.status, stored.version) == (next(o for o in outcomes if o != "stale"), 2)
                assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1
                assert session.scalar(select(func.count()).select_from(RecordEvent)) == 1
        finally:
            engine.dispose()
