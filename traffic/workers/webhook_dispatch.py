"""Sending queued webhook deliveries: signed POSTs, retried with exponential back-off, given up after N attempts.

Each pass claims due deliveries in a short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) by pushing their
``next_attempt_at`` past a lease, so several dispatchers never send the same delivery at once, and a dispatcher that
dies mid-pass leaves its claims to be retried when the lease ends. Delivery is at least once: receivers dedup on
``X-Traffic-Event-Id``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import RecordEvent, WebhookDelivery, WebhookSubscription
from models.enums import DeliveryStatus
from traffic.db import transaction
from traffic.services.events import envelope
from traffic.services.evidence_manifest import canonical_json
from traffic.services.utc import as_utc, utc_now

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Traffic-Signature"
EVENT_ID_HEADER = "X-Traffic-Event-Id"
EVENT_KIND_HEADER = "X-Traffic-Event"
USER_AGENT = "traffic-enforcement-webhooks/1"


def sign(secret: str, body: bytes) -> str:
    """The signature header value: ``sha256=<hex HMAC-SHA256 of the raw body under the subscription secret>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class RetryPolicy:
    """Waits base, 2·base, 4·base … (capped at ``max_delay``) between attempts; gives up after ``max_attempts``."""

    max_attempts: int = 8
    base_delay: float = 30.0
    max_delay: float = 6 * 3600.0

    def delay_after(self, attempts: int) -> dt.timedelta:
        return dt.timedelta(seconds=min(self.base_delay * 2 ** (attempts - 1), self.max_delay))


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    event_id: int
    kind: str
    url: str
    secret: str
    body: bytes


@dataclass
class DispatchReport:
    """What one pass did."""

    delivered: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retried + self.failed


class WebhookDispatcher:
    """Sends due deliveries; drive ``run_once`` with an explicit ``now`` (tests) or ``run_forever`` (servers)."""

    def __init__(self, policy: RetryPolicy | None = None, *, timeout: float = 10.0, batch: int = 50):
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self.batch = batch
        self.lease = dt.timedelta(seconds=2 * timeout + 30)

    @classmethod
    def from_settings(cls, settings) -> WebhookDispatcher:
        policy = RetryPolicy(settings.webhook_max_attempts, settings.webhook_backoff_base, settings.webhook_backoff_max)
        return cls(policy, timeout=settings.webhook_timeout)

    def run_once(self, session_factory: sessionmaker[Session], http_client: httpx.Client,
                 now: dt.datetime) -> DispatchReport:
        """Send every delivery due at ``now`` once; returns how many were delivered, rescheduled or given up."""
        now = as_utc(now)
        report = DispatchReport()
        for job in self.claim(session_factory, now):
            error = self._send(http_client, job)
            with transaction(session_factory) as session:
                self._record(session, job, error, now, report)
        return report

    def claim(self, session_factory: sessionmaker[Session], now: dt.datetime) -> list[_Job]:
        """Take the due deliveries for this pass (their lease hides them from other dispatchers)."""
        with transaction(session_factory) as session:
            rows = session.execute(
                select(WebhookDelivery, RecordEvent, WebhookSubscription)
                .join(RecordEvent, RecordEvent.id == WebhookDelivery.event_id)
                .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
                .where(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= as_utc(now),
                       WebhookSubscription.active.is_(True))
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(self.batch)
                .with_for_update(of=WebhookDelivery, skip_locked=True)
            ).all()
            jobs = []
            for delivery, event, subscription in rows:
                delivery.next_attempt_at = as_utc(now) + self.lease
                jobs.append(_Job(delivery.id, event.id, event.kind, subscription.url, subscription.secret,
                                 canonical_json(envelope(event))))
            return jobs

    def _send(self, client: httpx.Client, job: _Job) -> str | None:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(job.secret, job.body),
            EVENT_ID_HEADER: str(job.event_id),
            EVENT_KIND_HEADER: job.kind,
        }
        try:
            response = client.post(job.url, content=job.body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:1000]
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}: {response.text[:500]}"

    def _record(self, session: Session, job: _Job, error: str | None, now: dt.datetime,
                report: DispatchReport) -> None:
        delivery = session.get(WebhookDelivery, job.delivery_id)
        if delivery is None:
            return  # the subscription was deleted meanwhile
        delivery.attempts += 1
        if error is None:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.last_error = None
            report.delivered += 1
        elif delivery.attempts >= self.policy.max_attempts:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = error
            report.failed += 1
            log.warning("webhook delivery %s to %s given up after %s attempts: %s", delivery.id, job.url,
                        delivery.attempts, error)
        else:
            delivery.next_attempt_at = now + self.policy.delay_after(delivery.attempts)
            delivery.last_error = error
            report.retried += 1

    def run_forever(self, session_factory: sessionmaker[Session], http_client: httpx.Client,
                    stop: threading.Event, interval: float = 2.0,
                    clock: Callable[[], dt.datetime] = utc_now) -> None:
        """Pass after pass until ``stop`` is set; a failing pass is logged, never fatal."""
        while not stop.is_set():
            try:
                report = self.run_once(session_factory, http_client, clock())
            except Exception:  # noqa: BLE001 - a database hiccup must not end the loop
                log.exception("webhook dispatch pass failed")
                report = DispatchReport()
            if report.attempted < self.batch:
                stop.wait(interval)


def start_dispatcher_thread(settings, session_factory: sessionmaker[Session]) -> threading.Event:
    """Run the dispatcher in a daemon thread (the embedded deployment); set the returned event to stop it."""
    stop = threading.Event()
    dispatcher = WebhookDispatcher.from_settings(settings)

    def loop() -> None:
        with httpx.Client(follow_redirects=False) as client:
            dispatcher.run_forever(session_factory, client, stop, settings.webhook_poll_interval)

    threading.Thread(target=loop, name="webhook-dispatcher", daemon=True).start()
    return stop
