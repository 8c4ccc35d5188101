"""Webhook deliveries against a real HTTP receiver: signatures, back-off, giving up, and claims between dispatchers.

Time is driven explicitly: each pass gets its ``now``, so nothing sleeps.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket

import httpx
import pytest
from sqlalchemy import select

from models import WebhookDelivery
from models.enums import RecordEventKind
from tests.support.factories import SHANGHAI, make_city, make_record
from tests.support.http_receiver import http_receiver
from traffic.errors import InvalidInput
from traffic.services.events import emit
from traffic.services.utc import as_utc
from traffic.workers.webhook_dispatch import RetryPolicy, WebhookDispatcher
from traffic.services.webhooks import create_subscription

SECRET = "whsec-0123456789abcdef"
NOW = dt.datetime(2023, 6, 5, 0, 0, tzinfo=dt.UTC)


@pytest.fixture()
def record(session):
    return make_record(session, make_city(session), dt.datetime(2023, 6, 5, 7, 30, tzinfo=SHANGHAI))


@pytest.fixture()
def http():
    with httpx.Client() as client:
        yield client


def _deliveries(session):
    session.expire_all()
    return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_emit_queues_one_delivery_per_matching_active_subscription(session, record) -> None:
    created = create_subscription(session, "http://127.0.0.1:9/a", SECRET, [RecordEventKind.CREATED])
    changed = create_subscription(session, "http://127.0.0.1:9/b", SECRET, [RecordEventKind.STATUS_CHANGED])
    everything = create_subscription(session, "http://127.0.0.1:9/c", SECRET, ["*"])
    inactive = create_subscription(session, "http://127.0.0.1:9/d", SECRET, ["*"])
    inactive.active = False
    event = emit(session, RecordEventKind.CREATED, record, {"status": "pending_review"}, now=NOW)

    assert event.payload == {"record_no": record.record_no, "status": "pending_review"}
    deliveries = _deliveries(session)
    assert sorted(d.subscription_id for d in deliveries) == sorted([created.id, everything.id])
    assert all(d.status == "pending" and d.attempts == 0 and d.event_id == event.id for d in deliveries)
    assert changed.id not in {d.subscription_id for d in deliveries}
    with pytest.raises(ValueError, match="unknown event kind"):
        emit(session, "record.exploded", record, {})


def test_delivery_is_signed_and_names_the_event(session, session_factory, record, http) -> None:
    with http_receiver() as receiver:
        create_subscription(session, receiver.url, SECRET, [RecordEventKind.CREATED])
        event = emit(session, RecordEventKind.CREATED, record, {"status": "pending_review"}, now=NOW)
        session.commit()
        report = WebhookDispatcher().run_once(session_factory, http, NOW)

    assert report.delivered == 1 and len(receiver.received) == 1
    got = receiver.received[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert got.headers["x-traffic-signature"] == expected
    assert got.headers["x-traffic-event-id"] == str(event.id)
    assert got.headers["content-type"] == "application/json"
    body = json.loads(got.body)
    assert body["id"] == event.id and body["kind"] == RecordEventKind.CREATED and body["record_id"] == record.id
    assert body["data"]["record_no"] == record.record_no
    [delivery] = _deliveries(session)
    assert delivery.status == "delivered" and delivery.attempts == 1 and delivery.last_error is None


def test_failures_are_retried_with_exponential_back_off(session, session_factory, record, http) -> None:
    dispatcher = WebhookDispatcher(RetryPolicy(max_attempts=5, base_delay=30, max_delay=3600))
    with http_receiver(statuses=[500, 503]) as receiver:
        create_subscription(session, receiver.url, SECRET, [RecordEventKind.CREATED])
        emit(session, RecordEventKind.CREATED, record, {}, now=NOW)
        session.commit()

        assert dispatcher.run_once(session_factory, http, NOW).retried == 1
        [delivery] = _deliveries(session)
        assert delivery.attempts == 1 and as_utc(delivery.next_attempt_at) == NOW + dt.timedelta(seconds=30)
        assert "HTTP 500" in delivery.last_error

        assert dispatcher.run_once(session_factory, http, NOW + dt.timedelta(seconds=29)).attempted == 0
        assert dispatcher.run_once(session_factory, http, NOW + dt.timedelta(seconds=30)).retried == 1
        [delivery] = _deliveries(session)
        assert as_utc(delivery.next_attempt_at) == NOW + dt.timedelta(seconds=90)  # 30 s + 60 s
        assert "HTTP 503" in delivery.last_error

        assert dispatcher.run_once(session_factory, http, NOW + dt.timedelta(seconds=89)).attempted == 0
        assert dispatcher.run_once(session_factory, http, NOW + dt.timedelta(seconds=90)).delivered == 1

    assert len(receiver.received) == 3
    assert len({r.headers["x-traffic-event-id"] for r in receiver.received}) == 1  # receivers dedup on it
    [delivery] = _deliveries(session)
    assert delivery.status == "delivered" and delivery.attempts == 3


def test_gives_up_after_the_last_attempt(session, session_factory, record, http) -> None:
    dispatcher = WebhookDispatcher(RetryPolicy(max_attempts=3, base_delay=10, max_delay=15))
    with http_receiver(statuses=[500] * 10) as receiver:
        create_subscription(session, receiver.url, SECRET, ["*"])
        emit(session, RecordEventKind.STATUS_CHANGED, record, {"from": "pending_review", "to": "confirmed"}, now=NOW)
        session.commit()
        reports = [dispatcher.run_once(session_factory, http, NOW + dt.timedelta(seconds=s)) for s in (0, 10, 25)]
        later = dispatcher.run_once(session_factory, http, NOW + dt.timedelta(days=1))

    assert [(r.retried, r.failed) for r in reports] == [(1, 0), (1, 0), (0, 1)]  # waits 10 s, then 15 s (capped)
    assert later.attempted == 0 and len(receiver.received) == 3
    [delivery] = _deliveries(session)
    assert delivery.status == "failed" and delivery.attempts == 3 and "HTTP 500" in delivery.last_error


def test_an_unreachable_receiver_is_retried(session, session_factory, record, http) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    create_subscription(session, f"http://127.0.0.1:{port}/hook", SECRET, [RecordEventKind.CREATED])
    emit(session, RecordEventKind.CREATED, record, {}, now=NOW)
    session.commit()
    report = WebhookDispatcher(timeout=2).run_once(session_factory, http, NOW)
    [delivery] = _deliveries(session)
    assert report.retried == 1 and delivery.status == "pending" and "ConnectError" in delivery.last_error


def test_a_claimed_delivery_is_not_sent_by_another_dispatcher(session, session_factory, record, http) -> None:
    with http_receiver() as receiver:
        create_subscription(session, receiver.url, SECRET, [RecordEventKind.CREATED])
        emit(session, RecordEventKind.CREATED, record, {}, now=NOW)
        session.commit()
        first, second = WebhookDispatcher(), WebhookDispatcher()
        claimed = first.claim(session_factory, NOW)  # first dies here, before sending
        assert len(claimed) == 1
        assert second.run_once(session_factory, http, NOW).attempted == 0
        after_lease = second.run_once(session_factory, http, NOW + first.lease)
    assert after_lease.delivered == 1 and len(receiver.received) == 1


def test_a_url_that_does_not_even_split_is_invalid_input_not_a_crash(session) -> None:
    with pytest.raises(InvalidInput, match="absolute http"):
        create_subscription(session, "http://[bA7]/hook", SECRET, [RecordEventKind.CREATED])
