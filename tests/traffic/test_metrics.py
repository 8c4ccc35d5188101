"""Counts of created rows and review steps reach the metrics only when their transaction commits."""
from __future__ import annotations

from prometheus_client import Counter

from models.enums import Role
from tests.support.actors import act_as, actor
from tests.support.lifecycle import make_world, record_at
from tests.traffic.lifecycle.cases import P
from traffic.metrics import REGISTRY, count_on_commit

PROBE = Counter("traffic_test_probe", "counts of this test only", ["kind"], registry=REGISTRY)


def _value(kind: str) -> float:
    return REGISTRY.get_sample_value("traffic_test_probe_total", {"kind": kind}) or 0.0


def test_counted_on_commit_and_forgotten_on_rollback(session_factory) -> None:
    before = {kind: _value(kind) for kind in ("kept", "dropped", "released")}  # the registry outlives a test
    with session_factory() as session:
        count_on_commit(session, PROBE, "kept")
        assert _value("kept") == before["kept"]  # not before the commit
        session.commit()
        count_on_commit(session, PROBE, "dropped")
        session.rollback()
        with session.begin_nested():
            count_on_commit(session, PROBE, "released")  # a savepoint released inside a transaction rolled back
        session.rollback()
        session.commit()  # nothing pending is left to count
    assert {kind: _value(kind) - value for kind, value in before.items()} == {"kept": 1, "dropped": 0, "released": 0}


def test_a_review_step_is_counted_by_its_name(client, app, session) -> None:
    world = make_world(session)
    act_as(app, actor(Role.REVIEWER, [world.north.district.id]))
    record = record_at(session, world, P)
    confirmed = {"action": "confirm"}
    before = REGISTRY.get_sample_value("traffic_review_actions_total", confirmed) or 0.0
    response = client.post(f"/api/v1/records/{record.id}/transitions", json={"version": record.version,
                                                                               "to": "confirmed"})
    assert response.status_code == 200, response.text
    assert REGISTRY.get_sample_value("traffic_review_actions_total", confirmed) == before + 1
