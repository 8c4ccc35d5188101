"""Legal holds: a supervisor or admin keeps a record's frames past retention (docs/operations.md).

A hold is one row while it lasts; setting and lifting it each append an audit entry on the record, with the reason.
A hold changes nothing in the record's lifecycle: it only tells retention to keep the record's frames.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import EnforcementRecord, LegalHold
from models.enums import Role
from traffic.errors import Conflict, Forbidden, InvalidInput
from traffic.services.actors import Actor
from traffic.services.audit import record_transition
from traffic.services.listing import find_record
from traffic.services.utc import as_utc, iso_utc, utc_now

HOLDERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
MAX_REASON = 500


def _check(actor: Actor, reason: str) -> str:
    if actor.role not in HOLDERS:
        raise Forbidden(f"legal holds are set and lifted by supervisors and admins; you are {actor.role.value}")
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(f"reason: say why, in 1 to {MAX_REASON} characters")
    return reason


def hold_of(session: Session, record_id: int) -> LegalHold | None:
    return session.get(LegalHold, record_id)


def holds_of(session: Session, record_ids: Iterable[int]) -> dict[int, LegalHold]:
    """The holds on these records, by record id (for a page of records in one query)."""
    ids = list(record_ids)
    if not ids:
        return {}
    return {h.record_id: h for h in session.scalars(select(LegalHold).where(LegalHold.record_id.in_(ids)))}


def _audit(session: Session, actor: Actor, record: EnforcementRecord, action: str, reason: str,
           before: dict | None, after: dict | None, now: dt.datetime) -> None:
    # On the record's own trail, its status unchanged; the reason, free text, goes in the note.
    record_transition(session, actor, record, action=action, from_status=record.status, to_status=record.status,
                      reason=None, note=reason, before=before, after=after, now=now)


def _shape(hold: LegalHold) -> dict:
    return {"reason": hold.reason, "set_by": hold.set_by, "set_at": iso_utc(as_utc(hold.set_at))}


def set_hold(session: Session, actor: Actor, record_ref: str, reason: str,
             now: dt.datetime | None = None) -> tuple[EnforcementRecord, LegalHold]:
    """Put a record (within the actor's districts) on hold; Conflict when it already is."""
    reason = _check(actor, reason)
    record = find_record(session, record_ref, actor=actor)
    if hold_of(session, record.id) is not None:
        raise Conflict(f"record {record.record_no} is already on legal hold")
    now = as_utc(now or utc_now())
    hold = LegalHold(record_id=record.id, reason=reason, set_by=actor.username, set_at=now)
    session.add(hold)
    _audit(session, actor, record, "legal_hold", reason, None, _shape(hold), now)
    session.flush()
    return record, hold


def lift_hold(session: Session, actor: Actor, record_ref: str, reason: str,
              now: dt.datetime | None = None) -> EnforcementRecord:
    """Lift a record's hold; Conflict when it has none. Its frames then follow retention again."""
    reason = _check(actor, reason)
    record = find_record(session, record_ref, actor=actor)
    hold = hold_of(session, record.id)
    if hold is None:
        raise Conflict(f"record {record.record_no} is not on legal hold")
    _audit(session, actor, record, "legal_hold_lift", reason, _shape(hold), None, as_utc(now or utc_now()))
    session.delete(hold)
    session.flush()
    return record
