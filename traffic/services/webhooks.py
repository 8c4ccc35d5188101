"""Webhook subscriptions: who wants which record events, and the secret their payloads are signed with."""
from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import WebhookDelivery, WebhookSubscription
from traffic.errors import InvalidInput, NotFound
from traffic.services.events import ALL_KINDS, EVENT_KINDS
from traffic.services.utc import utc_now

MIN_SECRET_LENGTH = 16


def create_subscription(session: Session, url: str, secret: str, events: list[str]) -> WebhookSubscription:
    """Subscribe ``url`` to ``events`` (kinds from EVENT_KINDS, or "*" for all)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a bracketed host that is no IPv6 address
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"url {url!r} must be an absolute http(s) URL")
    if len(secret) < MIN_SECRET_LENGTH:
        raise InvalidInput(f"secret must be at least {MIN_SECRET_LENGTH} characters")
    unknown = sorted(set(events) - {*EVENT_KINDS, ALL_KINDS})
    if not events or unknown:
        raise InvalidInput(
            f"events must name at least one of {', '.join(EVENT_KINDS)} or {ALL_KINDS!r}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    subscription = WebhookSubscription(url=url, secret=secret, event_kinds=sorted(set(events)), active=True,
                                       created_at=utc_now())
    session.add(subscription)
    session.flush()
    return subscription


def list_subscriptions(session: Session) -> list[WebhookSubscription]:
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def get_subscription(session: Session, subscription_id: int) -> WebhookSubscription:
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound(f"webhook {subscription_id} does not exist")
    return subscription


def delete_subscription(session: Session, subscription_id: int) -> None:
    """Remove the subscription and its queued deliveries."""
    subscription = get_subscription(session, subscription_id)
    session.execute(WebhookDelivery.__table__.delete().where(WebhookDelivery.subscription_id == subscription.id))
    session.delete(subscription)
    session.flush()


def recent_deliveries(session: Session, subscription_id: int, limit: int = 50) -> list[WebhookDelivery]:
    get_subscription(session, subscription_id)
    return list(session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)
    ))
