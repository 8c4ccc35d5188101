"""CRUD of the city's reference data over HTTP, with the error shapes a client relies on."""
from __future__ import annotations

import pytest

BASE = "/api/v1"

# (path, key, body to create, field changed by a replace) in dependency order.
KINDS = [
    ("districts", "D9", {"code": "D9", "name": "新区"}, ("name", "新城区")),
    ("segments", "S9", {"code": "S9", "name": "新华路", "district": "D9", "road_class": "arterial"},
     ("road_class", "branch")),
    ("time-slots", "T9", {"code": "T9", "name": "夜间", "start": "22:00", "end": "06:00"}, ("end", "05:30")),
    ("holidays", "2024-10-01", {"date": "2024-10-01", "kind": "holiday", "name": "国庆节"}, ("name", "国庆")),
    ("cameras", "C9", {"code": "C9", "name": "新华路东", "segment": "S9", "direction": "east",
                       "location": {"lat": 30.0, "lon": 120.0}, "zone": [[0, 0.5], [1, 0.5], [1, 1], [0, 1]]},
     ("enabled", False)),
    ("rules", "R9", {"code": "R9", "name": "新华路夜间", "vehicle_types": ["e_tricycle"], "segments": ["S9"],
                     "time_slots": ["T9"], "days": ["fri", "sat"], "effective_from": "2024-01-01",
                     "action": "warning"}, ("action", "penalty")),
    ("units", "U9", {"code": "U9", "name": "新区交警一中队", "district": "D9"}, ("district", None)),
]


def _create_all(client) -> None:
    for path, _, body, _ in KINDS:
        response = client.post(f"{BASE}/{path}", json=body)
        assert response.status_code == 201, response.text


def test_create_get_list_replace_delete_every_kind(client) -> None:
    _create_all(client)
    for path, key, body, (field, value) in KINDS:
        got = client.get(f"{BASE}/{path}/{key}")
        assert got.status_code == 200
        for name, expected in body.items():
            actual = got.json()[name]
            assert actual == expected or [list(p) for p in actual or []] == expected, (path, name)
        assert key in [str(item.get("code", item.get("date"))) for item in client.get(f"{BASE}/{path}").json()]
        replaced = client.put(f"{BASE}/{path}/{key}", json={**body, field: value})
        assert replaced.status_code == 200, replaced.text
        assert client.get(f"{BASE}/{path}/{key}").json()[field] == value
    for path, key, _, _ in reversed(KINDS):
        assert client.delete(f"{BASE}/{path}/{key}").status_code == 204
        missing = client.get(f"{BASE}/{path}/{key}")
        assert missing.status_code == 404
        assert missing.json()["error"] == "NotFound"


@pytest.mark.parametrize(("path", "key", "body", "_change"), KINDS, ids=[k[0] for k in KINDS])
def test_duplicate_create_is_conflict_and_keeps_the_original(client, path, key, body, _change) -> None:
    _create_all(client)
    again = client.post(f"{BASE}/{path}", json=body)
    assert again.status_code == 409
    assert again.json()["error"] == "AlreadyExists"
    assert client.get(f"{BASE}/{path}/{key}").status_code == 200


@pytest.mark.parametrize(
    ("path", "key", "users"),
    [("districts", "D9", "segment S9"), ("districts", "D9", "unit U9"), ("segments", "S9", "camera C9"),
     ("time-slots", "T9", "rule R9")],
)
def test_delete_in_use_is_conflict(client, path, key, users) -> None:
    _create_all(client)
    response = client.delete(f"{BASE}/{path}/{key}")
    assert response.status_code == 409
    assert response.json() == {"error": "Conflict", "detail": response.json()["detail"]}
    assert users in response.json()["detail"]
    assert client.get(f"{BASE}/{path}/{key}").status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "status", "kind", "detail"),
    [
        ("segments", {"code": "S8", "name": "x", "district": "NOPE", "road_class": "arterial"}, 404, "NotFound",
         "NOPE"),
        ("segments", {"code": "S8", "name": "x", "district": "D9", "road_class": "motorway"}, 422,
         "ValidationError", "road_class"),
        ("segments", {"code": "bad code!", "name": "x", "district": "D9", "road_class": "arterial"}, 422,
         "ValidationError", "code"),
        ("time-slots", {"code": "T8", "name": "x", "start": "25:00", "end": "06:00"}, 422, "ValidationError",
         "start"),
        ("time-slots", {"code": "T8", "name": "x", "start": "07:00", "end": "07:00"}, 422, "ValidationError",
         "equal"),
        ("cameras", {"code": "C8", "name": "x", "segment": "S9", "zone": [[0, 0], [2, 0], [1, 1]]}, 422,
         "ValidationError", "zone"),
        ("cameras", {"code": "C8", "name": "x", "segment": "S9", "zone": [[0, 0], [1, 1]]}, 422,
         "ValidationError", "at least 3"),
        ("rules", {"code": "R8", "name": "x", "vehicle_types": ["e_tricycle"], "time_slots": ["T9"],
                   "effective_from": "2024-01-01", "action": "warning"}, 422, "ValidationError", "scope"),
        ("rules", {"code": "R8", "name": "x", "vehicle_types": ["e_tricycle"], "segments": ["S9"],
                   "time_slots": ["NOPE"], "effective_from": "2024-01-01", "action": "warning"}, 404, "NotFound",
         "NOPE"),
        ("rules", {"code": "R8", "name": "x", "vehicle_types": ["e_tricycle"], "segments": ["S9"],
                   "time_slots": ["T9"], "days": ["funday"], "effective_from": "2024-01-01", "action": "warning"},
         422, "ValidationError", "days"),
        ("rules", {"code": "R8", "name": "x", "vehicle_types": ["e_tricycle"], "segments": ["S9"],
                   "time_slots": ["T9"], "effective_from": "2024-01-01", "effective_to": "2023-01-01",
                   "action": "warning"}, 422, "ValidationError", "effective_to"),
        ("holidays", {"date": "2024-02-30", "kind": "holiday"}, 422, "ValidationError", "date"),
        ("districts", {"code": "D8", "name": "x", "colour": "red"}, 422, "ValidationError", "colour"),
    ],
)
def test_bad_payloads_are_clear_4xx(client, path, body, status, kind, detail) -> None:
    _create_all(client)
    response = client.post(f"{BASE}/{path}", json=body)
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error", "detail"}
    assert response.json()["error"] == kind
    assert detail in response.json()["detail"]


def test_replace_cannot_rename_and_unknown_paths_are_json_404(client) -> None:
    _create_all(client)
    renamed = client.put(f"{BASE}/districts/D9", json={"code": "D10", "name": "x"})
    assert renamed.status_code == 422
    assert renamed.json()["error"] == "InvalidInput"
    not_a_date = client.get(f"{BASE}/holidays/not-a-date")
    assert not_a_date.status_code == 422 and not_a_date.json()["error"] == "ValidationError"
    assert "YYYY-MM-DD" in not_a_date.json()["detail"]
    nowhere = client.get(f"{BASE}/no-such-thing")
    assert nowhere.status_code == 404
    assert nowhere.json()["error"] == "NotFound"


def test_healthz(client, backend) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == backend


def test_a_whole_day_slot_is_written_00_00_to_24_00(client) -> None:
    """The message for an empty slot tells the user to write 00:00-24:00; that slot must then be accepted."""
    whole_day = {"code": "ALLDAY", "name": "全天", "start": "00:00", "end": "24:00"}
    response = client.post(f"{BASE}/time-slots", json=whole_day)
    assert response.status_code == 201, response.text
    assert (response.json()["start"], response.json()["end"]) == ("00:00", "24:00")
