"""The audit trail: who did what, when and from where. Entries are only ever appended (the database refuses the rest).

Two kinds of entry: a record's transition (from, to, reason, note) and a configuration change (before and after).
Every service that changes either calls one of the two writers below in the same transaction as the change.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEntry, EnforcementRecord
from traffic.services.actors import Actor
from traffic.services.utc import as_utc, utc_now

RECORD = "record"


def record_change(
    session: Session,
    actor: Actor,
    *,
    entity: str,
    key: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> AuditEntry:
    """Append a configuration change (``entity`` e.g. "rule", "unit", "user"; ``action`` create|update|delete|...).

    ``before`` and ``after`` are JSON-ready dicts (None for a creation or a deletion); never pass secrets in them.
    """
    entry = AuditEntry(
        at=as_utc(now or utc_now()), username=actor.username, role=str(actor.role), client=actor.client,
        entity=entity, entity_key=str(key)[:128], action=action, before=before, after=after, note=note,
    )
    session.add(entry)
    session.flush()
    return entry


def record_transition(
    session: Session,
    actor: Actor,
    record: EnforcementRecord,
    *,
    action: str,
    from_status: str,
    to_status: str,
    reason: str | None,
    note: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> AuditEntry:
    """Append one step of a record's lifecycle (``action`` "transition" or "undo"), its columns before and after."""
    entry = AuditEntry(
        at=as_utc(now or utc_now()), username=actor.username, role=str(actor.role), client=actor.client,
        entity=RECORD, entity_key=record.record_no, record_id=record.id, action=action,
        from_status=str(from_status), to_status=str(to_status), reason=reason, note=note, before=before, after=after,
    )
    session.add(entry)
    session.flush()
    return entry


def entries_of_record(session: Session, record_id: int) -> list[AuditEntry]:
    """A record's entries, oldest first."""
    return list(session.scalars(select(AuditEntry).where(AuditEntry.record_id == record_id).order_by(AuditEntry.id)))


def last_entry_of_record(session: Session, record_id: int) -> AuditEntry | None:
    return session.scalar(
        select(AuditEntry).where(AuditEntry.record_id == record_id).order_by(AuditEntry.id.desc()).limit(1)
    )
