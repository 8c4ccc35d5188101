"""POST /records/{id}/undo: a user takes back their own last step, as one more audited entry; nothing else."""
from __future__ import annotations

from sqlalchemy import select

from models import EnforcementRecord, RecordEvent
from models.enums import RecordStatus, Role
from tests.support.auth import auth_headers, make_user
from tests.support.lifecycle import make_world, record_at

BASE = "/api/v1/records"


def _setup(session):
    world = make_world(session)
    record = record_at(session, world, RecordStatus.PENDING_REVIEW)
    reviewer = auth_headers(session, make_user(session, Role.REVIEWER, [world.north.district.code]))
    return world, record, reviewer


def _confirm(client, record, headers) -> dict:
    answer = client.post(f"{BASE}/{record.id}/transitions", json={"to": "confirmed", "version": record.version},
                         headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_undo_takes_back_the_users_last_step_and_audits_it(client, session) -> None:
    _, record, reviewer = _setup(session)
    confirmed = _confirm(client, record, reviewer)
    answer = client.post(f"{BASE}/{record.id}/undo", json={"version": confirmed["version"]}, headers=reviewer)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["version"]) == ("pending_review", confirmed["version"] + 1)
    trail = client.get(f"{BASE}/{record.id}/audit", headers=reviewer).json()
    assert [(e["action"], e["from_status"], e["to_status"]) for e in trail] == [
        ("transition", "pending_review", "confirmed"), ("undo", "confirmed", "pending_review")]
    assert trail[0]["username"] == trail[1]["username"] != "tests"
    steps = session.scalars(select(RecordEvent.payload).where(RecordEvent.record_id == record.id)
                            .order_by(RecordEvent.id)).all()
    assert [p["step"] for p in steps] == ["confirm", "undo"]


def test_a_stale_version_is_409_and_changes_nothing(client, session) -> None:
    _, record, reviewer = _setup(session)
    confirmed = _confirm(client, record, reviewer)
    answer = client.post(f"{BASE}/{record.id}/undo", json={"version": confirmed["version"] - 1}, headers=reviewer)
    assert answer.status_code == 409 and answer.json()["error"] == "StaleVersion"
    session.expire_all()
    assert session.get(EnforcementRecord, record.id).status == "confirmed"


def test_only_your_own_last_step_can_be_undone(client, session) -> None:
    world, record, reviewer = _setup(session)
    untouched = record_at(session, world, RecordStatus.PENDING_REVIEW)
    nothing = client.post(f"{BASE}/{untouched.id}/undo", json={"version": untouched.version}, headers=reviewer)
    assert nothing.status_code == 409 and nothing.json()["error"] == "Conflict"
    confirmed = _confirm(client, record, reviewer)
    colleague = auth_headers(session, make_user(session, Role.SUPERVISOR))
    answer = client.post(f"{BASE}/{record.id}/undo", json={"version": confirmed["version"]}, headers=colleague)
    assert answer.status_code == 409 and "no step of yours" in answer.json()["detail"]


def test_a_record_outside_the_users_districts_is_404(client, session) -> None:
    world, record, _ = _setup(session)
    south = auth_headers(session, make_user(session, Role.REVIEWER, [world.south.district.code]))
    answer = client.post(f"{BASE}/{record.id}/undo", json={"version": record.version}, headers=south)
    assert answer.status_code == 404 and answer.json()["error"] == "NotFound"


def test_the_body_must_name_a_version(client, session) -> None:
    _, record, reviewer = _setup(session)
    for body in ({}, {"version": 0}, {"version": 1, "to": "confirmed"}):
        answer = client.post(f"{BASE}/{record.id}/undo", json=body, headers=reviewer)
        assert answer.status_code == 422, body
