"""Deciding on records: one transition, many at once, and a record's audit trail (docs/lifecycle.md)."""
from __future__ import annotations

from fastapi import APIRouter, Request

from traffic.api.auth import CurrentActor, DecidingActor
from traffic.api.deps import DbSession
from traffic.api.records import record_response
from traffic.schemas.lifecycle import (
    AuditEntryOut,
    BulkItemOut,
    BulkTransitionIn,
    BulkTransitionOut,
    TransitionFields,
    TransitionIn,
    UndoIn,
)
from traffic.schemas.records import RecordOut
from traffic.services import audit, lifecycle
from traffic.services.listing import find_record
from traffic.services.lifecycle import TransitionRequest
from traffic.services.utc import as_utc

router = APIRouter(prefix="/records", tags=["records"])


def _request(body: TransitionFields, version: int) -> TransitionRequest:
    fields = body.model_dump(include={"to", "reason", "note", "unit", "due_date", "action_taken", "vehicle_type"})
    return TransitionRequest(version=version, **fields)


@router.post("/transitions", response_model=BulkTransitionOut,
             summary="The same step on many records; each item succeeds or fails on its own")
def transition_many(body: BulkTransitionIn, request: Request, session: DbSession,
                    actor: DecidingActor) -> BulkTransitionOut:
    outcomes = lifecycle.transition_many(session, actor, [(i.id, i.version) for i in body.items], _request(body, 1))
    items = [
        BulkItemOut(id=o.id, ok=True, status_code=200, record=record_response(request, session, o.record))
        if o.error is None else
        BulkItemOut(id=o.id, ok=False, status_code=o.error.status_code, error=o.error.kind, detail=o.error.detail)
        for o in outcomes
    ]
    succeeded = sum(item.ok for item in items)
    return BulkTransitionOut(succeeded=succeeded, failed=len(items) - succeeded, items=items)


@router.post("/{record_ref}/transitions", response_model=RecordOut,
             summary="Move a record to its next state (confirm, dismiss, assign, act, close, reopen, reassign)")
def transition_one(record_ref: str, body: TransitionIn, request: Request, session: DbSession,
                   actor: DecidingActor) -> RecordOut:
    record = lifecycle.transition(session, actor, record_ref, _request(body, body.version))
    return record_response(request, session, record)


@router.post("/{record_ref}/undo", response_model=RecordOut,
             summary="Take back your own last step on a record within 30 seconds (written to the audit as undo)")
def undo_one(record_ref: str, body: UndoIn, request: Request, session: DbSession, actor: DecidingActor) -> RecordOut:
    record = lifecycle.undo_last(session, actor, record_ref, version=body.version)
    return record_response(request, session, record)


@router.get("/{record_ref}/audit", response_model=list[AuditEntryOut], summary="A record's audit trail, oldest first")
def record_audit(record_ref: str, session: DbSession, actor: CurrentActor) -> list[AuditEntryOut]:
    record = find_record(session, record_ref, actor=actor)
    return [
        AuditEntryOut(id=e.id, at=as_utc(e.at), username=e.username, role=e.role, client=e.client, action=e.action,
                      from_status=e.from_status, to_status=e.to_status, reason=e.reason, note=e.note,
                      before=e.before, after=e.after)
        for e in audit.entries_of_record(session, record.id)
    ]
