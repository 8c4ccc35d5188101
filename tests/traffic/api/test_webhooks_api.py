"""Webhook subscriptions over HTTP: create, list, get, deliveries, delete, and refused bodies."""
from __future__ import annotations

import datetime as dt

import pytest

from models.enums import RecordEventKind
from tests.support.factories import SHANGHAI, make_city, make_record
from traffic.services.events import emit

BASE = "/api/v1/webhooks"
BODY = {"url": "https://example.org/hooks/traffic", "secret": "whsec-0123456789abcdef", "events": ["record.created"]}


def test_create_list_get_deliveries_delete(client, session) -> None:
    created = client.post(BASE, json=BODY)
    assert created.status_code == 201, created.text
    hook = created.json()
    assert hook["url"] == BODY["url"] and hook["events"] == ["record.created"] and hook["active"] is True
    assert "secret" not in hook
    assert [h["id"] for h in client.get(BASE).json()] == [hook["id"]]
    assert client.get(f"{BASE}/{hook['id']}").json() == hook

    record = make_record(session, make_city(session), dt.datetime(2023, 6, 5, 7, 30, tzinfo=SHANGHAI))
    event = emit(session, RecordEventKind.CREATED, record, {})
    session.flush()
    [delivery] = client.get(f"{BASE}/{hook['id']}/deliveries").json()
    assert delivery["event_id"] == event.id and delivery["status"] == "pending" and delivery["attempts"] == 0

    assert client.delete(f"{BASE}/{hook['id']}").status_code == 204
    assert client.get(f"{BASE}/{hook['id']}").status_code == 404
    assert client.get(BASE).json() == []


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"events": ["record.exploded"]}, "Input should be 'record.created' or 'record.status_changed'"),
        ({"events": []}, "events"),
        ({"url": "ftp://example.org/x"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "http://[bA7]/hook"}, "url"),
        ({"secret": "short"}, "secret"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_bodies_are_422(client, change, needle) -> None:
    response = client.post(BASE, json={**BODY, **change})
    assert response.status_code == 422
    assert set(response.json()) == {"error", "detail"} and needle in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), [("get", "/424242"), ("delete", "/424242"),
                                              ("get", "/424242/deliveries")])
def test_unknown_ids_are_404(client, method, path) -> None:
    response = getattr(client, method)(BASE + path)
    assert response.status_code == 404 and response.json()["error"] == "NotFound"
