"""The audit trail: the database refuses to edit or delete it, configuration changes leave before and after, and an
undo is one more entry, never an erasure."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from models import AuditEntry, EnforcementRecord
from models.enums import RecordStatus, Role
from tests.support.actors import act_as, actor
from tests.support.lifecycle import make_world, record_at
from traffic.errors import Conflict
from traffic.services import audit
from traffic.services.lifecycle import TransitionRequest, transition, undo_last

NOW = dt.datetime(2023, 6, 6, 2, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET note = 'rewritten', username = 'someone-else'",
    "DELETE FROM audit_entries",
])
def test_the_database_refuses_to_change_or_delete_audit_entries(session, statement) -> None:
    entry = audit.record_change(session, actor(Role.ADMIN), entity="rule", key="R-1", action="update",
                                before={"action": "warning"}, after={"action": "penalty"})
    with pytest.raises(DBAPIError, match="append-only"):
        with session.begin_nested():
            session.execute(text(statement))
    session.expire_all()
    kept = session.get(AuditEntry, entry.id)
    assert (kept.username, kept.note, kept.after) == ("test-admin", None, {"action": "penalty"})


def test_configuration_changes_over_http_leave_before_and_after(client, app, session) -> None:
    act_as(app, actor(Role.ADMIN))
    assert client.post("/api/v1/districts", json={"code": "NORTH", "name": "北城区"}).status_code == 201
    unit = {"code": "U-N1", "name": "北城交警一中队", "district": "NORTH"}
    assert client.post("/api/v1/units", json=unit).status_code == 201
    assert client.put("/api/v1/units/U-N1", json={**unit, "district": None}).status_code == 200
    assert client.delete("/api/v1/units/U-N1").status_code == 204
    trail = session.scalars(select(AuditEntry).where(AuditEntry.entity != "user").order_by(AuditEntry.id)).all()
    assert [(e.entity, e.entity_key, e.action) for e in trail] == [
        ("district", "NORTH", "create"), ("unit", "U-N1", "create"), ("unit", "U-N1", "update"),
        ("unit", "U-N1", "delete")]
    assert all((e.username, e.role) == ("test-admin", "admin") for e in trail)
    assert (trail[1].before, trail[1].after) == (None, unit)
    assert (trail[2].before["district"], trail[2].after["district"]) == ("NORTH", None)
    assert (trail[3].before["code"], trail[3].after) == ("U-N1", None)


def test_a_refused_change_leaves_no_entry(client, app, session) -> None:
    response = client.post("/api/v1/units", json={"code": "U-X", "name": "x", "district": "NOWHERE"})
    assert response.status_code == 404
    for role in (Role.SUPERVISOR, Role.REVIEWER, Role.VIEWER):  # only admins configure
        act_as(app, actor(role, None))
        refused = client.post("/api/v1/units", json={"code": "U-X", "name": "x"})
        assert refused.status_code == 403 and refused.json()["error"] == "Forbidden"
        assert client.delete("/api/v1/districts/NONE").status_code == 403
    assert client.get("/api/v1/units").json() == []
    assert session.scalars(select(AuditEntry).where(AuditEntry.entity != "user")).all() == []


def test_undo_takes_back_ones_own_last_step_within_the_window(session) -> None:
    world = make_world(session)
    reviewer = actor(Role.REVIEWER, [world.north.district.id], username="li.na")
    record = record_at(session, world, RecordStatus.PENDING_REVIEW)
    transition(session, reviewer, record.id, TransitionRequest(to=RecordStatus.DISMISSED, version=1,
                                                               reason="wrong_vehicle_type",
                                                               vehicle_type="e_four_wheeler"), now=NOW)
    colleague = actor(Role.SUPERVISOR, None, username="zhang.wei")
    with pytest.raises(Conflict, match="no step of yours"):
        undo_last(session, colleague, record.id, now=NOW + dt.timedelta(seconds=5))
    undone = undo_last(session, reviewer, record.id, now=NOW + dt.timedelta(seconds=5))
    assert (undone.status, undone.version, undone.dismiss_reason, undone.corrected_vehicle_type,
            undone.reviewed_by) == ("pending_review", 3, None, None, None)
    trail = audit.entries_of_record(session, record.id)
    assert [(e.action, e.from_status, e.to_status) for e in trail] == [
        ("transition", "pending_review", "dismissed"), ("undo", "dismissed", "pending_review")]
    with pytest.raises(Conflict):  # an undo is not itself undone
        undo_last(session, reviewer, record.id, now=NOW + dt.timedelta(seconds=6))


def test_undo_is_refused_after_the_window(session) -> None:
    world = make_world(session)
    reviewer = actor(Role.REVIEWER, None)
    record = record_at(session, world, RecordStatus.PENDING_REVIEW)
    transition(session, reviewer, record.id, TransitionRequest(to=RecordStatus.CONFIRMED, version=1), now=NOW)
    with pytest.raises(Conflict, match="older than 30 s"):
        undo_last(session, reviewer, record.id, now=NOW + dt.timedelta(seconds=31))
    assert session.get(EnforcementRecord, record.id).status == "confirmed"
