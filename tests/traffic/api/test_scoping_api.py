"""District scoping: out of a user's districts looks exactly like not there, in lists and details alike."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from models import EnforcementRecord, Role
from tests.support.auth import headers_for
from tests.support.factories import SHANGHAI, make_city, make_record

T0 = dt.datetime(2023, 6, 5, 7, 30, tzinfo=SHANGHAI)


@dataclass
class TwoDistricts:
    north: EnforcementRecord
    south: EnforcementRecord
    reviewer: dict[str, str]  # of the north only
    whole_city_viewer: dict[str, str]


@pytest.fixture()
def world(session) -> TwoDistricts:
    north_city, south_city = make_city(session, "N"), make_city(session, "S")
    north, south = make_record(session, north_city, T0), make_record(session, south_city, T0)
    return TwoDistricts(north, south, headers_for(session, Role.REVIEWER, ["DN"]), headers_for(session, Role.VIEWER))


def _not_there(response, what: str) -> None:
    assert response.status_code == 404, response.text
    assert response.json() == {"error": "NotFound", "detail": f"{what} does not exist"}


def test_another_districts_record_is_404_like_one_that_does_not_exist(anonymous_client, world) -> None:
    get = lambda path: anonymous_client.get(f"/api/v1/records/{path}", headers=world.reviewer)  # noqa: E731
    assert get(str(world.north.id)).status_code == 200
    for ref in (str(world.south.id), world.south.record_no):
        _not_there(get(ref), f"record {ref}")
        _not_there(get(f"{ref}/evidence"), f"record {ref}")
        _not_there(get(f"{ref}/evidence/composite.jpg"), f"record {ref}")
        _not_there(get(f"{ref}/verify"), f"record {ref}")
    _not_there(get("999999"), "record 999999")  # the same answer as for a record that never existed
    assert get(f"{world.north.id}/evidence").status_code == 200


def test_lists_leave_out_other_districts(anonymous_client, world) -> None:
    records = anonymous_client.get("/api/v1/records", headers=world.reviewer).json()["items"]
    assert [r["id"] for r in records] == [world.north.id]
    sightings = anonymous_client.get("/api/v1/sightings", headers=world.reviewer).json()["items"]
    assert [s["district"] for s in sightings] == ["DN"]
    everything = anonymous_client.get("/api/v1/records", headers=world.whole_city_viewer).json()["items"]
    assert {r["id"] for r in everything} == {world.north.id, world.south.id}


def test_filtering_on_another_districts_place_looks_like_an_unknown_place(anonymous_client, world) -> None:
    for name, code in (("district", "DS"), ("segment", "S-RM-S"), ("camera", "CAM-S")):
        outside = anonymous_client.get("/api/v1/records", params={name: code}, headers=world.reviewer)
        assert outside.status_code == 404
        assert outside.json() == {"error": "NotFound", "detail": f"{name} {code!r} does not exist"}
    own = anonymous_client.get("/api/v1/sightings", params={"camera": "CAM-N"}, headers=world.reviewer)
    assert own.status_code == 200 and len(own.json()["items"]) == 1


def test_cameras_segments_and_districts_are_scoped_too(anonymous_client, world) -> None:
    for path, own, other in (("cameras", "CAM-N", "CAM-S"), ("segments", "S-RM-N", "S-RM-S"),
                             ("districts", "DN", "DS")):
        listed = anonymous_client.get(f"/api/v1/{path}", headers=world.reviewer).json()
        assert [item["code"] for item in listed] == [own]
        assert anonymous_client.get(f"/api/v1/{path}/{own}", headers=world.reviewer).status_code == 200
        hidden = anonymous_client.get(f"/api/v1/{path}/{other}", headers=world.reviewer)
        assert hidden.status_code == 404 and hidden.json()["error"] == "NotFound"
    every_camera = anonymous_client.get("/api/v1/cameras", headers=world.whole_city_viewer).json()
    assert {c["code"] for c in every_camera} >= {"CAM-N", "CAM-S"}


def test_rule_evaluation_knows_only_the_segments_in_scope(anonymous_client, world) -> None:
    body = {"vehicle_type": "e_tricycle", "plated": False, "at": "2023-06-05T07:30:00+08:00"}
    own = anonymous_client.post("/api/v1/rules/evaluate", json={**body, "segment": "S-RM-N"}, headers=world.reviewer)
    assert own.status_code == 200 and own.json()["restricted"] is True
    other = anonymous_client.post("/api/v1/rules/evaluate", json={**body, "segment": "S-RM-S"},
                                  headers=world.reviewer)
    assert other.status_code == 404 and other.json()["detail"] == "segment 'S-RM-S' does not exist"
