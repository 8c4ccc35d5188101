"""POST /records/transitions: one decision on many records, answered item by item, each all or nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from models import AuditEntry, EnforcementRecord, RecordEvent
from models.enums import RecordStatus, Role
from tests.support.actors import act_as, actor
from tests.support.lifecycle import make_world, record_at

BULK = "/api/v1/records/transitions"


def test_bulk_review_answers_per_item_and_fails_items_alone(client, app, session) -> None:
    world = make_world(session)
    act_as(app, actor(Role.REVIEWER, [world.north.district.id], username="wang.fang"))
    fresh = [record_at(session, world, RecordStatus.PENDING_REVIEW) for _ in range(3)]
    confirmed = record_at(session, world, RecordStatus.CONFIRMED)
    elsewhere = record_at(session, world, RecordStatus.PENDING_REVIEW, city=world.south)
    items = [{"id": r.id, "version": 1} for r in fresh]
    items[1]["version"] = 3  # this client saw an older state of the second record
    items += [{"id": confirmed.id, "version": 1}, {"id": elsewhere.id, "version": 1}, {"id": 999999, "version": 1}]

    response = client.post(BULK, json={"items": items, "to": "dismissed", "reason": "poor_evidence"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["succeeded"], body["failed"]) == (2, 4)
    answers = {item["id"]: item for item in body["items"]}
    assert [item["id"] for item in body["items"]] == [i["id"] for i in items]  # in the order asked
    for record in (fresh[0], fresh[2]):
        assert answers[record.id]["ok"] and answers[record.id]["record"]["status"] == "dismissed"
        assert answers[record.id]["record"]["dismiss_reason"] == "poor_evidence"
    assert (answers[fresh[1].id]["status_code"], answers[fresh[1].id]["error"]) == (409, "StaleVersion")
    assert (answers[confirmed.id]["status_code"], answers[confirmed.id]["error"]) == (409, "IllegalTransition")
    assert (answers[elsewhere.id]["status_code"], answers[elsewhere.id]["error"]) == (404, "NotFound")
    assert answers[999999]["status_code"] == 404 and answers[999999]["record"] is None

    session.expire_all()
    stored = {r.id: session.get(EnforcementRecord, r.id) for r in (*fresh, confirmed, elsewhere)}
    assert [stored[r.id].status for r in fresh] == ["dismissed", "pending_review", "dismissed"]
    assert stored[confirmed.id].status == "confirmed" and stored[elsewhere.id].status == "pending_review"
    failed_ids = [fresh[1].id, confirmed.id, elsewhere.id]
    for table in (AuditEntry, RecordEvent):
        assert session.scalar(select(func.count()).select_from(table).where(table.record_id.in_(failed_ids))) == 0
        assert session.scalar(select(func.count()).select_from(table)
                              .where(table.record_id.in_([fresh[0].id, fresh[2].id]))) == 2


def test_an_item_that_fails_late_leaves_no_trace(client, app, session) -> None:
    """A unit of another district fails after the record was read and checked: its savepoint undoes it all."""
    world = make_world(session)
    act_as(app, actor(Role.SUPERVISOR, None))
    north = record_at(session, world, RecordStatus.CONFIRMED)
    south = record_at(session, world, RecordStatus.CONFIRMED, city=world.south)
    response = client.post(BULK, json={"items": [{"id": north.id, "version": 1}, {"id": south.id, "version": 1}],
                                       "to": "assigned", "unit": "U-N1", "due_date": "2099-01-31"})
    answers = response.json()["items"]
    assert [a["ok"] for a in answers] == [True, False]
    assert answers[1]["status_code"] == 422 and "another district" in answers[1]["detail"]
    session.expire_all()
    assert session.get(EnforcementRecord, south.id).unit_id is None
    assert session.get(EnforcementRecord, south.id).version == 1


def test_bulk_by_a_viewer_is_refused_whole_and_bad_bodies_are_422(client, app, session) -> None:
    world = make_world(session)
    record = record_at(session, world, RecordStatus.PENDING_REVIEW)
    act_as(app, actor(Role.VIEWER, None))
    refused = client.post(BULK, json={"items": [{"id": record.id, "version": 1}], "to": "confirmed"})
    assert refused.status_code == 403 and refused.json()["error"] == "Forbidden"
    session.expire_all()
    assert session.get(EnforcementRecord, record.id).status == RecordStatus.PENDING_REVIEW
    act_as(app, actor(Role.REVIEWER, None))
    assert client.post(BULK, json={"items": [], "to": "confirmed"}).status_code == 422
    assert client.post(BULK, json={"items": [{"id": record.id}], "to": "confirmed"}).status_code == 422
