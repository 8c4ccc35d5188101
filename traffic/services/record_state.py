"""A record's lifecycle as every record response shows it: version, unit, decisions, and how overdue it is.

Deadlines (DOMAIN.md, 定工作时限): a record awaiting review is due at its review_deadline (capture + the city's
review_days); an assigned record is due by the end of its due date, in the city's timezone. Other states have no
deadline. The same rule is written twice, once in Python for one record and once in SQL for the `overdue` filter;
tests hold them together.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import Session

from models import EnforcementRecord
from models.enums import RecordStatus
from traffic.services.city import city_timezone
from traffic.services.utc import as_utc, utc_now

DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class DeadlineClock:
    """The instant and the city's timezone against which deadlines are judged (one per request)."""

    now: dt.datetime
    tz: ZoneInfo

    @classmethod
    def of_city(cls, session: Session, default_tz: str = DEFAULT_TIMEZONE, now: dt.datetime | None = None):
        return cls(as_utc(now or utc_now()), ZoneInfo(city_timezone(session, default_tz)))

    @classmethod
    def default(cls) -> DeadlineClock:
        """Now, in the default timezone: for callers without a session (the city file may name another zone)."""
        return cls(utc_now(), ZoneInfo(DEFAULT_TIMEZONE))

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.tz).date()

    def end_of(self, day: dt.date) -> dt.datetime:
        """The first instant after ``day`` in the city: a task due on ``day`` is late from then on."""
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), self.tz).astimezone(dt.UTC)


def due_at(record: EnforcementRecord, clock: DeadlineClock) -> dt.datetime | None:
    if record.status == RecordStatus.PENDING_REVIEW:
        return as_utc(record.review_deadline)
    if record.status == RecordStatus.ASSIGNED and record.due_date is not None:
        return clock.end_of(record.due_date)
    return None


def overdue_clause(clock: DeadlineClock) -> ColumnElement[bool]:
    """SQL: the records that are overdue at ``clock.now`` (the same rule as `due_at`)."""
    return or_(
        and_(EnforcementRecord.status == RecordStatus.PENDING_REVIEW, EnforcementRecord.review_deadline <= clock.now),
        and_(EnforcementRecord.status == RecordStatus.ASSIGNED, EnforcementRecord.due_date < clock.today),
    )


def deadline_fields(record: EnforcementRecord, clock: DeadlineClock) -> dict[str, Any]:
    """The computed part of a record response: when it is due and how late it is (docs/lifecycle.md)."""
    due = due_at(record, clock)
    late = due is not None and clock.now >= due
    return {"due_at": due, "overdue": late, "overdue_seconds": int((clock.now - due).total_seconds()) if late else 0}
