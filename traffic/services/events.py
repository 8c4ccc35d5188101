"""The record outbox: every change worth announcing becomes a RecordEvent in the same transaction as the change.

Server-sent events read the outbox in id order; webhook deliveries are queued here, one per matching active
subscription, and sent later by the dispatcher (traffic/workers/webhook_dispatch.py).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import EnforcementRecord, RecordEvent, WebhookDelivery, WebhookSubscription
from models.enums import DeliveryStatus, RecordEventKind
from traffic.services.utc import as_utc, iso_utc, parse_iso_utc, utc_now

EVENT_KINDS: tuple[str, ...] = tuple(RecordEventKind)
ALL_KINDS = "*"


def emit(
    session: Session,
    kind: str,
    record: EnforcementRecord,
    payload: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> RecordEvent:
    """Add an event to the outbox and queue a delivery for each active subscription to ``kind``; flushes only."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}; known: {', '.join(EVENT_KINDS)}")
    if record.id is None:
        session.flush()
    at = as_utc(now or utc_now())
    event = RecordEvent(kind=kind, record_id=record.id, payload={"record_no": record.record_no, **payload},
                        created_at=at)
    session.add(event)
    session.flush()
    subscriptions = session.scalars(select(WebhookSubscription).where(WebhookSubscription.active.is_(True)))
    session.add_all(
        WebhookDelivery(subscription_id=s.id, event_id=event.id, status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=at)
        for s in subscriptions
        if kind in s.event_kinds or ALL_KINDS in s.event_kinds
    )
    session.flush()
    return event


def envelope(event: RecordEvent) -> dict[str, Any]:
    """The JSON an event is announced as, over SSE and in webhook bodies."""
    return {
        "id": event.id,
        "kind": event.kind,
        "record_id": event.record_id,
        "created_at": iso_utc(event.created_at),
        "data": event.payload,
    }


def latest_event_id(session: Session) -> int:
    return session.scalar(select(func.max(RecordEvent.id))) or 0


def events_after(session: Session, after_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """Envelopes of the events after ``after_id``, oldest first."""
    rows = session.scalars(select(RecordEvent).where(RecordEvent.id > after_id).order_by(RecordEvent.id).limit(limit))
    return [envelope(r) for r in rows]


class OutboxCursor:
    """Follows the outbox in id order without losing events committed out of order.

    On PostgreSQL an id is taken when a row is inserted, not when it is committed: a reader may see event 11 before
    event 10 commits. The cursor holds back at such a gap while the event after it is younger than ``gap_timeout``
    seconds; an older gap will never fill (a rolled-back transaction, a deleted record) and is passed at once.
    """

    def __init__(self, position: int, gap_timeout: float = 10.0, clock: Callable[[], dt.datetime] = utc_now):
        self.position = position
        self._gap_timeout = dt.timedelta(seconds=gap_timeout)
        self._clock = clock

    def accept(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The events that may be announced now, in order; the position moves past them."""
        ready = []
        for event in events:
            if event["id"] <= self.position:
                continue
            waited = self._clock() - parse_iso_utc(event["created_at"])
            if event["id"] != self.position + 1 and waited < self._gap_timeout:
                break
            ready.append(event)
            self.position = event["id"]
        return ready


