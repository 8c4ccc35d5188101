"""Webhook subscriptions: create, list, inspect deliveries, delete."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from models import Role, WebhookSubscription
from traffic.api.auth import require_roles
from traffic.api.deps import DbSession
from traffic.db import MAX_ROW_ID
from traffic.schemas.records import WebhookDeliveryOut, WebhookIn, WebhookOut
from traffic.services import webhooks as service
from traffic.services.utc import as_utc

# Webhooks carry every record event of the city, unscoped: only admins manage them.
router = APIRouter(prefix="/webhooks", tags=["webhooks"], dependencies=[Depends(require_roles(Role.ADMIN))])
WebhookId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="the subscription's id")]


def _out(s: WebhookSubscription) -> WebhookOut:
    return WebhookOut(id=s.id, url=s.url, events=s.event_kinds, active=s.active, created_at=as_utc(s.created_at))


@router.post("", response_model=WebhookOut, status_code=status.HTTP_201_CREATED,
             summary="Subscribe a URL to record events (payloads signed with the secret)")
def create_webhook(body: WebhookIn, session: DbSession) -> WebhookOut:
    return _out(service.create_subscription(session, body.url, body.secret, body.events))


@router.get("", response_model=list[WebhookOut], summary="List webhook subscriptions (secrets are never shown)")
def list_webhooks(session: DbSession) -> list[WebhookOut]:
    return [_out(s) for s in service.list_subscriptions(session)]


@router.get("/{webhook_id}", response_model=WebhookOut, summary="One webhook subscription")
def get_webhook(webhook_id: WebhookId, session: DbSession) -> WebhookOut:
    return _out(service.get_subscription(session, webhook_id))


@router.get("/{webhook_id}/deliveries", response_model=list[WebhookDeliveryOut],
            summary="Recent deliveries of a subscription, newest first")
def list_deliveries(webhook_id: WebhookId, session: DbSession, limit: int = Query(50, ge=1, le=500)
                    ) -> list[WebhookDeliveryOut]:
    return [
        WebhookDeliveryOut(id=d.id, event_id=d.event_id, status=d.status, attempts=d.attempts,
                           next_attempt_at=as_utc(d.next_attempt_at), last_error=d.last_error,
                           delivered_at=as_utc(d.delivered_at) if d.delivered_at else None)
        for d in service.recent_deliveries(session, webhook_id, limit)
    ]


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Delete a subscription and its queued deliveries")
def delete_webhook(webhook_id: WebhookId, session: DbSession) -> Response:
    service.delete_subscription(session, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
