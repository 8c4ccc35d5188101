"""Moving records through their lifecycle: one step or many, audited, announced, and safe against races.

The table (services/transitions.py) says what may happen; this module loads the record in the actor's scope, writes
the step with a compare-and-set on `version` (UPDATE ... WHERE version = :seen, so of two clients that read the same
version exactly one wins), appends the audit entry and emits `record.status_changed`, all in the caller's transaction.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import District, EnforcementRecord, Unit
from models.enums import RecordEventKind, RecordStatus
from traffic.errors import Conflict, Forbidden, InvalidInput, TrafficError
from traffic.metrics import REVIEW_ACTIONS, count_on_commit
from traffic.services import audit, events
from traffic.services.actors import Actor
from traffic.services.listing import find_record
from traffic.services.record_state import DeadlineClock
from traffic.services.stats import rollup
from traffic.services.transitions import DECIDING_ROLES, REQUEST_FIELDS, Step, plan
from traffic.services.utc import as_utc, utc_now

# The columns a step may change; an audit entry keeps them before and after, which is what an undo restores.
LIFECYCLE_COLUMNS = ("status", "reviewed_at", "reviewed_by", "dismiss_reason", "corrected_vehicle_type", "unit_id",
                     "assigned_at", "due_date", "action_taken", "actioned_at", "closed_at")
_INSTANTS = {"reviewed_at", "assigned_at", "actioned_at", "closed_at"}


class StaleVersion(Conflict):
    """The record changed since the client read it (409); nothing was changed."""


@dataclass(frozen=True)
class TransitionRequest:
    to: RecordStatus
    version: int
    reason: str | None = None
    note: str | None = None
    unit: str | None = None
    due_date: dt.date | None = None
    action_taken: str | None = None
    vehicle_type: str | None = None

    def given(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in REQUEST_FIELDS}


@dataclass(frozen=True)
class BulkOutcome:
    id: int
    record: EnforcementRecord | None = None
    error: TrafficError | None = None


def transition(session: Session, actor: Actor, ref: str | int, request: TransitionRequest,
               *, now: dt.datetime | None = None) -> EnforcementRecord:
    """Make one step; raises NotFound, Forbidden, StaleVersion, IllegalTransition or InvalidInput, changing nothing."""
    record = find_record(session, ref, actor=actor)
    if actor.role not in DECIDING_ROLES:
        raise Forbidden(f"a {actor.role} may not change records")
    if request.version != record.version:
        raise StaleVersion(f"record {record.record_no} is at version {record.version}, not {request.version}: "
                           "reload it and decide again")
    step = plan(RecordStatus(record.status), request.to, actor.role, request.given())
    now = as_utc(now or utc_now())
    before = snapshot(record)
    _compare_and_set(session, record, request.version, _changes(session, step, record, request, actor, now))
    audit.record_transition(
        session, actor, record, action="transition", from_status=before["status"], to_status=record.status,
        reason=request.reason, note=request.note, before=before, after=snapshot(record), now=now,
    )
    _announce(session, record, before["status"], actor, step.name, now)
    return record


def transition_many(session: Session, actor: Actor, items: list[tuple[int, int]], request: TransitionRequest,
                    *, now: dt.datetime | None = None) -> list[BulkOutcome]:
    """The same step on many (id, version) items; each item is all or nothing (a savepoint each)."""
    outcomes = []
    for record_id, version in items:
        try:
            with session.begin_nested():
                record = transition(session, actor, record_id, _with_version(request, version), now=now)
            outcomes.append(BulkOutcome(record_id, record=record))
        except TrafficError as exc:
            outcomes.append(BulkOutcome(record_id, error=exc))
    return outcomes


def undo_last(session: Session, actor: Actor, ref: str | int, *, version: int | None = None, within_s: float = 30,
              now: dt.datetime | None = None) -> EnforcementRecord:
    """Take back the actor's own last step on a record within ``within_s`` seconds, written to the trail as "undo".

    With ``version`` (the record's version as the caller last read it), a record changed since is refused as stale.
    """
    record = find_record(session, ref, actor=actor)
    if version is not None and version != record.version:
        raise StaleVersion(f"record {record.record_no} is at version {record.version}, not {version}: "
                           "reload it; there is nothing of yours to undo on what you saw")
    now = as_utc(now or utc_now())
    last = audit.last_entry_of_record(session, record.id)
    if last is None or last.action != "transition" or last.username != actor.username or last.before is None:
        raise Conflict(f"there is no step of yours on record {record.record_no} to undo")
    if (now - as_utc(last.at)).total_seconds() > within_s:
        raise Conflict(f"your last step on record {record.record_no} is older than {within_s:g} s: make a new one")
    current = snapshot(record)
    _compare_and_set(session, record, record.version, _restore(last.before, now))
    audit.record_transition(session, actor, record, action="undo", from_status=current["status"],
                            to_status=record.status, reason=None, note=f"undo of audit entry {last.id}",
                            before=current, after=snapshot(record), now=now)
    _announce(session, record, current["status"], actor, "undo", now)
    return record


def snapshot(record: EnforcementRecord) -> dict[str, Any]:
    """The lifecycle columns as JSON-ready values."""
    values = {}
    for name in LIFECYCLE_COLUMNS:
        value = getattr(record, name)
        if isinstance(value, dt.datetime):
            value = as_utc(value).isoformat()
        elif isinstance(value, dt.date):
            value = value.isoformat()
        values[name] = value
    return values


def _restore(saved: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    values: dict[str, Any] = {"updated_at": now}
    for name in LIFECYCLE_COLUMNS:
        value = saved.get(name)
        if value is not None and name in _INSTANTS:
            value = dt.datetime.fromisoformat(value)
        elif value is not None and name == "due_date":
            value = dt.date.fromisoformat(value)
        values[name] = value
    return values


def _with_version(request: TransitionRequest, version: int) -> TransitionRequest:
    return TransitionRequest(**{**asdict(request), "version": version})


def _changes(session: Session, step: Step, record: EnforcementRecord, request: TransitionRequest, actor: Actor,
             now: dt.datetime) -> dict[str, Any]:
    """Column values of ``step`` (the table has checked which fields are given)."""
    changes: dict[str, Any] = {"status": step.target, "updated_at": now}
    if step.name in ("confirm", "dismiss"):
        changes |= {"reviewed_at": now, "reviewed_by": actor.username}
        if step.name == "dismiss":
            changes |= {"dismiss_reason": request.reason, "corrected_vehicle_type": request.vehicle_type}
    elif step.name in ("assign", "reassign"):
        unit = _unit_for(session, record, request.unit)
        if step.name == "reassign" and unit.id == record.unit_id:
            raise InvalidInput(f"record {record.record_no} is already assigned to unit {request.unit}")
        changes |= {"unit_id": unit.id, "assigned_at": now}
        if request.due_date is not None:
            if request.due_date < DeadlineClock.of_city(session, now=now).today:
                raise InvalidInput(f"due_date {request.due_date} is in the past")
            changes["due_date"] = request.due_date
    elif step.name == "act":
        changes |= {"action_taken": request.action_taken, "actioned_at": now}
    elif step.name == "close":
        changes["closed_at"] = now
    elif step.name == "reopen":  # back to an undecided record; the audit trail keeps what it was
        changes |= {name: None for name in LIFECYCLE_COLUMNS if name != "status"}
    return changes


def _unit_for(session: Session, record: EnforcementRecord, code: str | None) -> Unit:
    """A unit may take records of its own district; a city-level unit (no district) takes any."""
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise InvalidInput(f"unit {code!r} does not exist")
    if unit.district_id is not None and unit.district_id != record.district_id:
        raise InvalidInput(f"unit {code} belongs to another district than record {record.record_no}")
    return unit


def _compare_and_set(session: Session, record: EnforcementRecord, seen: int, changes: dict[str, Any]) -> None:
    """Write ``changes`` only if the row is still at version ``seen``; the database decides who wins a race.

    An SQL update passes the ORM hook by, so the statistics rollup is moved here, in the same transaction."""
    layout, before = rollup.snapshot(session, record)
    result = session.execute(
        update(EnforcementRecord)
        .where(EnforcementRecord.id == record.id, EnforcementRecord.version == seen)
        .values(**changes, version=EnforcementRecord.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleVersion(f"record {record.record_no} was changed by someone else meanwhile: reload it")
    session.refresh(record)
    rollup.record_changed(session, layout, before, record)


def _announce(session: Session, record: EnforcementRecord, from_status: str, actor: Actor, step: str,
              now: dt.datetime) -> None:
    district = session.scalar(select(District.code).where(District.id == record.district_id))
    count_on_commit(session, REVIEW_ACTIONS, step)
    events.emit(session, RecordEventKind.STATUS_CHANGED, record, {
        "id": record.id, "district": district, "from": from_status, "to": record.status, "step": step,
        "version": record.version, "by": actor.username, "role": str(actor.role),
    }, now=now)
