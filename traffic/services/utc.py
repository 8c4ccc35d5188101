"""One convention for instants: stored and compared in UTC.

SQLite keeps no offset (SQLAlchemy writes the wall time it is given and reads back a naive value), PostgreSQL keeps
the instant; converting every instant to UTC before it is stored or bound makes both behave the same.
"""
from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """The current instant, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """The same instant in UTC; a naive value (as SQLite returns them) is taken to be UTC already."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


ISO_UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso_utc(value: dt.datetime) -> str:
    """A fixed-width, sortable ISO 8601 text of the instant in UTC, e.g. 2023-06-05T00:15:02.120000Z."""
    return as_utc(value).strftime(ISO_UTC_FORMAT)


def parse_iso_utc(text: str) -> dt.datetime:
    """The aware UTC instant of a text written by ``iso_utc``; ValueError for any other text."""
    return dt.datetime.strptime(text, ISO_UTC_FORMAT).replace(tzinfo=dt.UTC)
