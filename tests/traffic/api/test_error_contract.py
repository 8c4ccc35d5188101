"""What the fuzz test cannot see by itself: the 500 answer and its log line, the Allow header, the published errors."""
from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from traffic.api.openapi import OPEN_PATHS
from traffic.services import city as city_service

BASE = "/api/v1"


@pytest.fixture()
def quiet_client(app, admin_headers):
    """A client that gets the 500 answer instead of the server's exception."""
    with TestClient(app, raise_server_exceptions=False, headers=admin_headers) as client:
        yield client


def _explode(*_args, **_kwargs):
    raise RuntimeError("disk on fire")


def test_an_unexpected_error_is_json_500_with_the_request_id_it_is_logged_under(
        quiet_client, monkeypatch, caplog) -> None:
    monkeypatch.setattr(city_service, "get", _explode)
    with caplog.at_level(logging.ERROR, logger="traffic.api.errors"):
        response = quiet_client.get(f"{BASE}/districts/D1", headers={"X-Request-ID": "desk-42.7"})
    assert response.status_code == 500
    assert response.json() == {"error": "InternalError",
                               "detail": "an unexpected error; it is logged under request id desk-42.7"}
    assert response.headers["X-Request-ID"] == "desk-42.7"
    [record] = [r for r in caplog.records if "desk-42.7" in r.getMessage()]
    assert record.exc_info and "disk on fire" in str(record.exc_info[1])


def test_a_request_id_is_generated_when_none_or_an_unsafe_one_is_sent(client) -> None:
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    replaced = client.get("/healthz", headers={"X-Request-ID": "forged\tline"}).headers["X-Request-ID"]
    assert replaced != "forged\tline" and len(replaced) == 32


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("post", f"{BASE}/districts/D1", "DELETE, GET, PUT"),
        ("delete", f"{BASE}/districts", "GET, POST"),
        ("patch", f"{BASE}/webhooks/1", "DELETE, GET"),
        ("options", f"{BASE}/rules/evaluate", "POST"),
    ],
)
def test_405_names_every_method_of_the_path(client, method, path, allow) -> None:
    response = client.request(method.upper(), path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    assert response.json()["error"] == "MethodNotAllowed"


@pytest.mark.parametrize("path", [f"{BASE}/districts", f"{BASE}/holidays"])
def test_a_huge_offset_is_refused_as_invalid_not_a_server_error(client, path) -> None:
    response = client.get(path, params={"offset": 53943127523652368696447336448})
    assert response.status_code == 422
    assert response.json()["error"] == "ValidationError" and "offset" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"{BASE}/webhooks/99999999999999999999/deliveries", 422),
        (f"{BASE}/records/99999999999999999999", 404),
        (f"{BASE}/records/\u00b2", 404),  # a digit to str.isdigit(), not to int()
    ],
)
def test_ids_past_any_stored_key_are_4xx_not_an_overflow(client, path, status) -> None:
    response = client.get(path)
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error", "detail"}


def test_every_operation_publishes_its_errors_in_the_one_shape(client) -> None:
    document = client.get("/openapi.json").json()
    assert set(document["components"]["schemas"]["ErrorOut"]["required"]) == {"error", "detail"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            errors = {code: r for code, r in responses.items() if int(code) >= 400}
            expected = {"500"} | (set() if path in OPEN_PATHS else {"401", "403"})
            assert expected <= set(errors), f"{method.upper()} {path} declares only {sorted(errors)}"
            for code, response in errors.items():
                schema = response["content"]["application/json"]["schema"]
                if path == "/readyz" and code == "503":  # the one shape with each check's result added
                    not_ready = document["components"]["schemas"]["NotReadyOut"]
                    assert {"error", "detail"} <= set(not_ready["required"])
                    continue
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, f"{method.upper()} {path} {code}"


def test_schema_states_the_constraints_that_used_to_surprise_clients(client) -> None:
    document = client.get("/openapi.json").json()
    schemas, paths = document["components"]["schemas"], document["paths"]
    holiday_key = paths[f"{BASE}/holidays/{{key}}"]["get"]["parameters"][0]["schema"]
    assert holiday_key["format"] == "date"
    zone_point = schemas["CameraIn"]["properties"]["zone"]["anyOf"][0]["items"]["prefixItems"][0]
    assert (zone_point["minimum"], zone_point["maximum"]) == (0.0, 1.0)
    assert {tuple(alt["required"]) for alt in schemas["RuleIn"]["anyOf"]} == {("segments",), ("districts",)}
    records_camera = next(p for p in paths[f"{BASE}/records"]["get"]["parameters"] if p["name"] == "camera")
    assert records_camera["schema"]["anyOf"][0]["minLength"] == 1


def test_an_events_stream_ends_after_its_lifetime_so_clients_resume(app, client) -> None:
    app.state.settings = app.state.settings.model_copy(update={"events_stream_max_s": 0})
    response = client.get(f"{BASE}/events", params={"after": 0})
    assert response.status_code == 200
    assert response.text.startswith("retry: 3000\n: stream after 0\n\n")
