"""The same rule-engine cases through POST /api/v1/rules/evaluate, against the database-backed rulebook."""
from __future__ import annotations

from pathlib import Path

import pytest

from traffic.services.city import apply_config
from traffic.services.city_file import load_city_file

from .cases import CASES, Case

CITY_FILE = Path(__file__).with_name("city_for_rules.yaml")


@pytest.fixture()
def rules_city(session):
    apply_config(session, load_city_file(CITY_FILE)[0])
    session.commit()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_evaluate_endpoint_case(client, rules_city, case: Case) -> None:
    response = client.post(
        "/api/v1/rules/evaluate",
        json={"segment": case.segment, "vehicle_type": case.vehicle_type, "plated": case.plated, "at": case.at},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["restricted"] is (case.rule is not None), body
    assert (body["rule"], body["time_slot"], body["action"]) == (case.rule, case.time_slot, case.action)
    if case.reason:
        assert any(case.reason in r for r in body["reasons"]), body["reasons"]


@pytest.mark.parametrize(
    ("payload", "status", "kind", "detail"),
    [
        ({"segment": "NOPE", "vehicle_type": "e_tricycle", "plated": False, "at": "2023-06-05T07:30:00+08:00"},
         404, "NotFound", "NOPE"),
        ({"segment": "S1", "vehicle_type": "bicycle", "plated": False, "at": "2023-06-05T07:30:00+08:00"},
         422, "ValidationError", "vehicle_type"),
        ({"segment": "S1", "vehicle_type": "e_tricycle", "plated": False, "at": "2023-06-05T07:30:00"},
         422, "ValidationError", "UTC offset"),
        ({"segment": "S1", "vehicle_type": "e_tricycle", "at": "2023-06-05T07:30:00+08:00"},
         422, "ValidationError", "plated"),
        ({"segment": "S1", "vehicle_type": "e_tricycle", "plated": False, "at": "yesterday"},
         422, "ValidationError", "at"),
        ({"segment": "S1", "vehicle_type": "e_tricycle", "plated": False, "at": "2023-06-05T07:30:00+08:00",
          "extra": 1}, 422, "ValidationError", "extra"),
    ],
)
def test_evaluate_rejects_bad_requests(client, rules_city, payload, status, kind, detail) -> None:
    response = client.post("/api/v1/rules/evaluate", json=payload)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == kind
    assert detail in body["detail"]


def test_evaluate_rejects_non_json(client, rules_city) -> None:
    response = client.post("/api/v1/rules/evaluate", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"] == "ValidationError"
