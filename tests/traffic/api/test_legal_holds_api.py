"""Legal holds over HTTP: supervisors and admins set and lift them with a reason, in their districts, audited."""
from __future__ import annotations

import pytest

from models.enums import RecordStatus, Role
from tests.support.actors import act_as, actor
from tests.support.lifecycle import make_world, record_at

BASE = "/api/v1/records"


@pytest.fixture()
def world(session):
    return make_world(session)


def _hold(client, record, reason="法院调取证据 court case 2023-17"):
    return client.post(f"{BASE}/{record.record_no}/legal-hold", json={"reason": reason})


def _lift(client, record, reason="案件已结 case closed"):
    return client.delete(f"{BASE}/{record.record_no}/legal-hold", params={"reason": reason})


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_a_hold_is_set_shown_lifted_and_audited(client, app, session, world, role) -> None:
    record = record_at(session, world, RecordStatus.CLOSED)
    act_as(app, actor(role, None if role == Role.ADMIN else [world.north.district.id], username="li.na"))
    assert client.get(f"{BASE}/{record.id}").json()["legal_hold"] is None

    response = _hold(client, record)
    assert response.status_code == 200, response.text
    hold = response.json()["legal_hold"]
    assert (hold["reason"], hold["set_by"]) == ("法院调取证据 court case 2023-17", "li.na")
    assert client.get(f"{BASE}/{record.id}").json()["legal_hold"] == hold
    listed = client.get(BASE).json()["items"]
    assert [i["legal_hold"] for i in listed if i["id"] == record.id] == [hold]
    assert _hold(client, record).status_code == 409  # already on hold

    assert _lift(client, record).status_code == 204
    assert client.get(f"{BASE}/{record.id}").json()["legal_hold"] is None
    assert _lift(client, record).status_code == 409  # nothing to lift

    trail = client.get(f"{BASE}/{record.id}/audit").json()
    assert [(e["action"], e["username"], e["role"], e["note"]) for e in trail] == [
        ("legal_hold", "li.na", role.value, "法院调取证据 court case 2023-17"),
        ("legal_hold_lift", "li.na", role.value, "案件已结 case closed"),
    ]
    assert trail[0]["from_status"] == trail[0]["to_status"] == "closed", "a hold is not a lifecycle step"
    assert trail[0]["after"]["reason"] == trail[1]["before"]["reason"]


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.VIEWER])
def test_reviewers_and_viewers_may_not_hold(client, app, session, world, role) -> None:
    record = record_at(session, world, RecordStatus.PENDING_REVIEW)
    act_as(app, actor(role, [world.north.district.id]))
    assert _hold(client, record).status_code == 403
    assert _lift(client, record).status_code == 403


def test_a_record_of_another_district_cannot_be_held(client, app, session, world) -> None:
    record = record_at(session, world, RecordStatus.CONFIRMED)
    act_as(app, actor(Role.SUPERVISOR, [world.south.district.id]))
    response = _hold(client, record)
    assert response.status_code == 404 and response.json()["error"] == "NotFound"


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_hold_needs_a_reason(client, app, session, world, reason) -> None:
    record = record_at(session, world, RecordStatus.CONFIRMED)
    act_as(app, actor(Role.SUPERVISOR, [world.north.district.id]))
    assert _hold(client, record, reason).status_code == 422
    assert client.get(f"{BASE}/{record.id}").json()["legal_hold"] is None
    assert client.get(f"{BASE}/{record.id}/audit").json() == []
    assert _lift(client, record, reason).status_code == 422
