"""POST /records/{id}/transitions: every move of the lifecycle over HTTP, who may make it, and what it refuses."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import AuditEntry, EnforcementRecord, RecordEvent, WebhookDelivery
from models.enums import Role
from tests.support.actors import act_as, actor
from tests.support.lifecycle import make_world, record_at
from tests.traffic.lifecycle.cases import ALLOWED, ALLOWED_IDS, ILLEGAL, ILLEGAL_IDS, A, C, D, P, S, X, Z
from traffic.services.transitions import allowed_targets
from traffic.services.webhooks import create_subscription

BASE = "/api/v1/records"


@pytest.fixture()
def world(session):
    return make_world(session)


def _post(client, record, **body):
    return client.post(f"{BASE}/{record.id}/transitions", json={"version": record.version, **body})


def _unchanged(session, record, status) -> None:
    session.expire_all()
    stored = session.get(EnforcementRecord, record.id)
    assert (stored.status, stored.version) == (status, 1)
    assert session.scalars(select(AuditEntry).where(AuditEntry.record_id == record.id)).all() == []


@pytest.mark.parametrize(("source", "target", "name", "roles", "fields"), ALLOWED, ids=ALLOWED_IDS)
def test_every_allowed_transition_moves_the_record_audits_and_announces(
    client, app, session, world, source, target, name, roles, fields
) -> None:
    who = act_as(app, actor(S, [world.north.district.id], username="zhang.wei", client="10.1.2.3"))
    record = record_at(session, world, source)
    response = _post(client, record, to=target, **fields)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["version"]) == (target, 2)
    trail = client.get(f"{BASE}/{record.id}/audit").json()
    assert [(e["action"], e["from_status"], e["to_status"]) for e in trail] == [("transition", source, target)]
    entry = trail[0]
    assert (entry["username"], entry["role"], entry["client"]) == (who.username, "supervisor", "10.1.2.3")
    assert (entry["reason"], entry["note"]) == (fields.get("reason"), fields.get("note"))
    assert entry["before"]["status"] == source and entry["after"]["status"] == target
    event = session.scalars(select(RecordEvent).where(RecordEvent.record_id == record.id)).one()
    assert event.kind == "record.status_changed"
    assert {k: event.payload[k] for k in ("from", "to", "step", "version", "district")} == {
        "from": source, "to": target, "step": name, "version": 2, "district": world.north.district.code}


@pytest.mark.parametrize(("source", "target"), ILLEGAL, ids=ILLEGAL_IDS)
def test_every_illegal_transition_is_409_naming_the_allowed_targets(client, app, session, world, source,
                                                                     target) -> None:
    act_as(app, actor(S, [world.north.district.id]))
    record = record_at(session, world, source)
    response = _post(client, record, to=target, reason="false_detection")
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "IllegalTransition"
    assert response.json()["detail"].endswith("allowed: " + (", ".join(allowed_targets(source)) or "none"))
    _unchanged(session, record, source)


def test_each_step_writes_what_it_decided(client, app, session, world) -> None:
    act_as(app, actor(Role.REVIEWER, [world.north.district.id], username="li.na"))
    record = record_at(session, world, P)
    dismissed = _post(client, record, to="dismissed", reason="wrong_vehicle_type", vehicle_type="e_four_wheeler")
    assert dismissed.status_code == 200, dismissed.text
    body = dismissed.json()
    assert (body["dismiss_reason"], body["corrected_vehicle_type"], body["reviewed_by"]) == (
        "wrong_vehicle_type", "e_four_wheeler", "li.na")
    assert body["reviewed_at"] is not None and body["vehicle_type"] == "e_tricycle"  # the capture stays as seen

    other = record_at(session, world, P)
    steps = [({"to": "confirmed"}, "confirmed"),
             ({"to": "assigned", "unit": "U-CITY", "due_date": "2099-06-20"}, "assigned"),
             ({"to": "actioned", "action_taken": "penalty", "note": "罚款50元"}, "actioned"),
             ({"to": "closed", "note": "已销号"}, "closed")]
    version = 1
    for body_in, status in steps:
        response = client.post(f"{BASE}/{other.id}/transitions", json={"version": version, **body_in})
        assert response.status_code == 200, response.text
        assert response.json()["version"] == version + 1
        version += 1
    final = client.get(f"{BASE}/{other.id}").json()
    assert (final["status"], final["unit"], final["due_date"], final["action_taken"]) == (
        "closed", "U-CITY", "2099-06-20", "penalty")
    assert final["closed_at"] and final["actioned_at"] and final["assigned_at"]
    trail = client.get(f"{BASE}/{other.id}/audit").json()
    assert [e["to_status"] for e in trail] == ["confirmed", "assigned", "actioned", "closed"]
    assert [e["id"] for e in trail] == sorted(e["id"] for e in trail)
    assert trail[2]["note"] == "罚款50元"


def test_reopen_clears_the_decisions_and_reassign_changes_the_unit(client, app, session, world) -> None:
    act_as(app, actor(S, [world.north.district.id]))
    closed = record_at(session, world, Z)
    body = _post(client, closed, to="pending_review", reason="整改反弹").json()
    assert (body["status"], body["unit"], body["action_taken"], body["reviewed_by"], body["closed_at"]) == (
        "pending_review", None, None, None, None)
    assigned = record_at(session, world, A)
    moved = _post(client, assigned, to="assigned", unit="U-N2", due_date="2099-07-01").json()
    assert (moved["unit"], moved["due_date"], moved["version"]) == ("U-N2", "2099-07-01", 2)
    same = client.post(f"{BASE}/{assigned.id}/transitions", json={"version": 2, "to": "assigned", "unit": "U-N2"})
    assert same.status_code == 422 and "already assigned" in same.json()["detail"]


def test_stale_version_is_409_and_changes_nothing(client, app, session, world) -> None:
    act_as(app, actor(Role.REVIEWER, [world.north.district.id]))
    record = record_at(session, world, P)
    response = client.post(f"{BASE}/{record.id}/transitions", json={"version": 2, "to": "confirmed"})
    assert response.status_code == 409
    assert response.json()["error"] == "StaleVersion"
    assert "version 1" in response.json()["detail"]
    _unchanged(session, record, P)
    assert _post(client, record, to="confirmed").status_code == 200
    again = _post(client, record, to="dismissed", reason="duplicate")  # still version 1: someone moved it meanwhile
    assert again.status_code == 409 and again.json()["error"] == "StaleVersion"


@pytest.mark.parametrize(("role", "source", "body"), [
    (Role.VIEWER, P, {"to": "confirmed"}),
    (Role.ADMIN, P, {"to": "confirmed"}),
    (Role.ADMIN, Z, {"to": "pending_review", "reason": "x"}),
    (Role.REVIEWER, A, {"to": "assigned", "unit": "U-N2"}),
    (Role.REVIEWER, D, {"to": "pending_review", "reason": "申诉"}),
    (Role.REVIEWER, Z, {"to": "pending_review", "reason": "申诉"}),
], ids=["viewer-confirm", "admin-confirm", "admin-reopen", "reviewer-reassign", "reviewer-reopen-dismissed",
        "reviewer-reopen-closed"])
def test_a_role_that_may_not_make_the_step_gets_403(client, app, session, world, role, source, body) -> None:
    act_as(app, actor(role, None if role == Role.ADMIN else [world.north.district.id]))
    record = record_at(session, world, source)
    response = _post(client, record, **body)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "Forbidden"
    _unchanged(session, record, source)


def test_out_of_scope_record_is_404_like_a_missing_one(client, app, session, world) -> None:
    act_as(app, actor(Role.SUPERVISOR, [world.south.district.id]))
    record = record_at(session, world, P)
    for response, ref in ((_post(client, record, to="confirmed"), record.id),
                          (client.get(f"{BASE}/{record.id}/audit"), record.id),
                          (client.post(f"{BASE}/999999/transitions", json={"version": 1, "to": "confirmed"}), 999999),
                          (client.get(f"{BASE}/999999/audit"), 999999)):
        assert response.status_code == 404
        assert response.json() == {"error": "NotFound", "detail": f"record {ref} does not exist"}
    _unchanged(session, record, P)


@pytest.mark.parametrize(("source", "body", "detail"), [
    (P, {"to": "dismissed"}, "give reason"),
    (P, {"to": "dismissed", "reason": "other"}, "needs a note"),
    (P, {"to": "dismissed", "reason": "sunny_day"}, "not a dismissal reason"),
    (C, {"to": "assigned", "due_date": "2099-06-20"}, "give unit"),
    (C, {"to": "assigned", "unit": "U-S1", "due_date": "2099-06-20"}, "another district"),
    (C, {"to": "assigned", "unit": "U-NOPE", "due_date": "2099-06-20"}, "does not exist"),
    (C, {"to": "assigned", "unit": "U-N1", "due_date": "2001-01-01"}, "in the past"),
    (A, {"to": "actioned", "action_taken": "warning"}, "give note"),
    (D, {"to": "pending_review"}, "give reason"),
])
def test_missing_or_wrong_fields_are_422(client, app, session, world, source, body, detail) -> None:
    act_as(app, actor(S, [world.north.district.id]))
    record = record_at(session, world, source)
    response = _post(client, record, **body)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "InvalidInput" and detail in response.json()["detail"]
    _unchanged(session, record, source)


def test_unknown_target_or_field_is_a_validation_error(client, app, session, world) -> None:
    act_as(app, actor(S, None))
    record = record_at(session, world, P)
    assert _post(client, record, to="approved").json()["error"] == "ValidationError"
    assert _post(client, record, to="confirmed", colour="red").json()["error"] == "ValidationError"
    assert client.post(f"{BASE}/{record.id}/transitions", json={"to": "confirmed"}).status_code == 422
    _unchanged(session, record, P)


def test_record_states_are_listed_and_filtered(client, app, session, world) -> None:
    act_as(app, actor(Role.VIEWER, None))
    ids = {status: record_at(session, world, status).id for status in (X, C, D)}
    for status, record_id in ids.items():
        listed = client.get(BASE, params={"status": str(status)}).json()["items"]
        assert [item["id"] for item in listed] == [record_id]


def test_a_step_is_queued_for_webhook_subscribers(client, app, session, world) -> None:
    act_as(app, actor(Role.REVIEWER, None))
    create_subscription(session, "http://127.0.0.1:9/hook", "whsec-0123456789abcdef", ["record.status_changed"])
    create_subscription(session, "http://127.0.0.1:9/other", "whsec-0123456789abcdef", ["record.created"])
    record = record_at(session, world, P)
    assert _post(client, record, to="confirmed").status_code == 200
    [event] = session.scalars(select(RecordEvent).where(RecordEvent.record_id == record.id)).all()
    assert session.scalars(select(WebhookDelivery.event_id)).all() == [event.id]
