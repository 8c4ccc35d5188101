"""The outbox: events in id order, and a cursor that waits for ids committed out of order (PostgreSQL)."""
from __future__ import annotations

import datetime as dt

from tests.support.factories import SHANGHAI, make_city, make_record
from models.enums import RecordEventKind
from traffic.services.events import OutboxCursor, emit, events_after, latest_event_id
from traffic.services.utc import iso_utc

NOW = dt.datetime(2023, 6, 5, 0, 0, tzinfo=dt.UTC)


def _event(event_id: int, age_seconds: float) -> dict:
    return {"id": event_id, "kind": RecordEventKind.CREATED, "created_at": iso_utc(NOW - dt.timedelta(seconds=age_seconds))}


def test_events_after_reads_in_id_order(session) -> None:
    city = make_city(session)
    start = latest_event_id(session)
    ids = [emit(session, RecordEventKind.CREATED, make_record(session, city, dt.datetime(2023, 6, 5, 7, m, tzinfo=SHANGHAI)),
                {"n": m}).id for m in range(3)]
    got = events_after(session, start)
    assert [e["id"] for e in got] == ids and [e["data"]["n"] for e in got] == [0, 1, 2]
    assert [e["id"] for e in events_after(session, ids[0], limit=1)] == [ids[1]]
    assert latest_event_id(session) == ids[-1]


def test_cursor_holds_at_a_fresh_gap_until_it_fills() -> None:
    clock = [NOW]
    cursor = OutboxCursor(10, gap_timeout=5, clock=lambda: clock[0])
    assert [e["id"] for e in cursor.accept([_event(11, 1), _event(13, 1)])] == [11]  # 12 may still commit
    assert cursor.position == 11
    assert [e["id"] for e in cursor.accept([_event(12, 1), _event(13, 1)])] == [12, 13]


def test_cursor_passes_a_gap_that_will_never_fill() -> None:
    clock = [NOW]
    cursor = OutboxCursor(10, gap_timeout=5, clock=lambda: clock[0])
    assert cursor.accept([_event(12, 1)]) == []
    clock[0] = NOW + dt.timedelta(seconds=5)  # event 12 is now 6 s old: 11 was rolled back
    assert [e["id"] for e in cursor.accept([_event(12, 1)])] == [12]
    assert [e["id"] for e in OutboxCursor(0, 5, lambda: NOW).accept([_event(7, 60), _event(9, 60)])] == [7, 9]


def test_cursor_skips_what_it_already_sent() -> None:
    cursor = OutboxCursor(5, clock=lambda: NOW)
    assert [e["id"] for e in cursor.accept([_event(4, 0), _event(5, 0), _event(6, 0)])] == [6]
