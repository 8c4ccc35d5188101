"""Local wall-clock arithmetic in SQL that behaves the same on SQLite and PostgreSQL.

A timestamp is turned into integer "local seconds": seconds since 1970-01-01 00:00 on the city's wall clock. From
there a local day number, minute of the day and hour number are plain integer divisions, so grouping needs no
database timezone support. The UTC offset is a constant when the zone keeps one offset over the period (Asia/Shanghai),
else a CASE over the offset changes (daylight saving) found with zoneinfo.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Integer, case, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

EPOCH_DAY = dt.date(1970, 1, 1)
SECONDS_PER_DAY = 86400


def day_number(day: dt.date) -> int:
    return (day - EPOCH_DAY).days


def day_from_number(number: int) -> dt.date:
    return EPOCH_DAY + dt.timedelta(days=number)


@dataclass(frozen=True)
class Period:
    """Local dates ``start``..``end`` (both inclusive) in a timezone."""

    start: dt.date
    end: dt.date
    tz: ZoneInfo

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def local_midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), self.tz)

    def utc_bounds(self, *, slack_days: int = 0) -> tuple[dt.datetime, dt.datetime]:
        """[first instant, last instant) in UTC, widened by ``slack_days`` after the end for slots that cross
        midnight (their early-morning part belongs to the day before)."""
        lo = self.local_midnight(self.start).astimezone(dt.UTC)
        hi = self.local_midnight(self.end + dt.timedelta(days=1 + slack_days)).astimezone(dt.UTC)
        return lo, hi

    def shifted(self, days: int) -> Period:
        return Period(self.start + dt.timedelta(days=days), self.end + dt.timedelta(days=days), self.tz)

    def previous(self) -> Period:
        """The period of equal length just before this one."""
        return self.shifted(-self.days)

    def ending_before(self, day: dt.date) -> Period:
        """The period of equal length that ends the day before ``day``."""
        return Period(day - dt.timedelta(days=self.days), day - dt.timedelta(days=1), self.tz)


def epoch_seconds(column, dialect_name: str) -> ColumnElement:
    """Whole UTC seconds since the epoch of a stored timestamp (flooring keeps whole-minute boundaries exact)."""
    if dialect_name == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(func.floor(func.extract("epoch", column)), BigInteger)


def offset_changes(tz: ZoneInfo, lo: dt.datetime, hi: dt.datetime) -> list[tuple[int, int]]:
    """[(utc epoch second from which it applies, offset seconds)] over [lo, hi], first entry from ``lo``."""
    def offset_at(epoch: int) -> int:
        return int(dt.datetime.fromtimestamp(epoch, tz).utcoffset().total_seconds())

    start, stop = int(lo.timestamp()), int(hi.timestamp())
    changes = [(start, offset_at(start))]
    step = 6 * 3600  # zones change offset at most a few times a year, never twice within six hours
    at = start
    while at < stop:
        nxt = min(at + step, stop)
        if offset_at(nxt) != changes[-1][1]:
            low, high = at, nxt  # the change lies in (low, high]: bisect to the second
            while high - low > 1:
                mid = (low + high) // 2
                low, high = (mid, high) if offset_at(mid) == changes[-1][1] else (low, mid)
            changes.append((high, offset_at(high)))
        at = nxt
    return changes


def local_seconds(epoch: ColumnElement, tz: ZoneInfo, lo: dt.datetime, hi: dt.datetime) -> ColumnElement:
    """Wall-clock seconds of an epoch expression for instants in [lo, hi]."""
    changes = offset_changes(tz, lo, hi)
    if len(changes) == 1:
        return epoch + literal(changes[0][1])
    whens = [(epoch >= since, epoch + literal(offset)) for since, offset in reversed(changes[1:])]
    return case(*whens, else_=epoch + literal(changes[0][1]))
