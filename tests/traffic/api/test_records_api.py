"""GET /records: filters, keyset pagination (stable under inserts), one record, and the stable error shape."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from models import EnforcementRecord
from tests.support.factories import SHANGHAI, make_city, make_record
from traffic.services.utc import as_utc

BASE = "/api/v1/records"
T0 = dt.datetime(2023, 6, 5, 7, 0, tzinfo=SHANGHAI)


@dataclass
class Dataset:
    records: list[EnforcementRecord]
    cities: list


@pytest.fixture()
def dataset(session) -> Dataset:
    """Nine records over two cities: mixed types, plates and statuses, and two pairs captured at the same instant."""
    east, west = make_city(session, "E"), make_city(session, "W")
    specs = [  # (city, minutes after T0, vehicle type, plate state, status)
        (east, 0, "e_tricycle", "unplated", "pending_review"),
        (east, 5, "fuel_tricycle", "plated", "confirmed"),
        (east, 5, "e_tricycle", "unknown", "pending_review"),
        (west, 10, "e_four_wheeler", "unplated", "dismissed"),
        (west, 15, "e_tricycle", "plated", "pending_review"),
        (east, 20, "e_four_wheeler", "unplated", "pending_review"),
        (west, 20, "fuel_tricycle", "unplated", "confirmed"),
        (west, 25, "e_tricycle", "unplated", "pending_review"),
        (east, 90, "e_tricycle", "plated", "closed"),
    ]
    records = [
        make_record(session, city, T0 + dt.timedelta(minutes=m), vehicle_type=vt, plate_state=ps,
                    plate_text="渝A12345" if ps == "plated" else None, status=st)
        for city, m, vt, ps, st in specs
    ]
    return Dataset(records, [east, west])


def _newest_first(records):
    return [r.id for r in sorted(records, key=lambda r: (r.captured_at, r.id), reverse=True)]


def _all_pages(client, params: dict, limit: int) -> list[int]:
    ids, cursor = [], None
    for _ in range(50):
        response = client.get(BASE, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("limit", [1, 2, 4, 9, 50])
def test_pages_list_every_record_once_newest_first(client, dataset, limit) -> None:
    assert _all_pages(client, {}, limit) == _newest_first(dataset.records)


def test_pages_are_stable_under_inserts(client, session, dataset) -> None:
    first = client.get(BASE, params={"limit": 4}).json()
    expected_rest = _newest_first(dataset.records)[4:]
    east = dataset.cities[0]
    last_seen = max(r.captured_at for r in dataset.records)
    make_record(session, east, last_seen + dt.timedelta(minutes=1))  # newer than every page
    boundary = next(r for r in dataset.records if r.id == first["items"][-1]["id"])
    make_record(session, east, boundary.captured_at)  # same instant as the page's last row, but a newer id
    rest, cursor = [], first["next_cursor"]
    while cursor:
        page = client.get(BASE, params={"limit": 4, "cursor": cursor}).json()
        rest += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert rest == expected_rest


def _select(dataset: Dataset, name: str, value):
    east, west = dataset.cities
    codes = {
        "camera": lambda r: (east if r.camera_id == east.camera.id else west).camera.code,
        "segment": lambda r: (east if r.segment_id == east.segment.id else west).segment.code,
        "district": lambda r: (east if r.district_id == east.district.id else west).district.code,
        "time_slot": lambda r: (east if r.time_slot_id == east.time_slot.id else west).time_slot.code,
    }
    getter = codes.get(name) or (lambda r: getattr(r, name))
    return [r for r in dataset.records if getter(r) == value]


@pytest.mark.parametrize(
    ("name", "value"),
    [("camera", "CAM-W"), ("segment", "S-RM-E"), ("district", "DW"), ("time_slot", "T-PEAK-E"),
     ("vehicle_type", "e_tricycle"), ("vehicle_type", "e_four_wheeler"), ("status", "confirmed"),
     ("status", "pending_review"), ("plate_state", "plated"), ("plate_state", "unknown")],
)
def test_each_filter_selects_its_records(client, dataset, name, value) -> None:
    expected = _newest_first(_select(dataset, name, value))
    assert expected, "the dataset must exercise this filter"
    assert _all_pages(client, {name: value}, 2) == expected


def test_filters_combine_and_period_is_half_open(client, dataset) -> None:
    since, until = T0 + dt.timedelta(minutes=5), T0 + dt.timedelta(minutes=20)
    expected = _newest_first([r for r in dataset.records
                              if since <= as_utc(r.captured_at) < until and r.vehicle_type == "e_tricycle"])
    got = _all_pages(client, {"from": since.isoformat(), "to": until.isoformat(), "vehicle_type": "e_tricycle"}, 1)
    assert got == expected and len(got) == 2


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"vehicle_type": "bus"}, "vehicle_type"),
        ({"status": "archived"}, "status"),
        ({"plate_state": "maybe"}, "plate_state"),
        ({"from": "2023-06-05T07:00:00"}, "offset"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2023-06-05T08:00:00+08:00", "to": "2023-06-05T07:00:00+08:00"}, "earlier"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"camera": ""}, "camera"),
        ({"cursor": ""}, "cursor"),
    ],
)
def test_bad_filter_values_are_422_with_the_error_shape(client, dataset, params, needle) -> None:
    response = client.get(BASE, params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"error", "detail"} and needle in body["detail"]


@pytest.mark.parametrize(("params", "needle"), [({"camera": "NO-SUCH-CAMERA"}, "NO-SUCH-CAMERA"),
                                                ({"time_slot": "NO-SLOT"}, "NO-SLOT")])
def test_a_filter_naming_nothing_is_404(client, dataset, params, needle) -> None:
    response = client.get(BASE, params=params)
    assert response.status_code == 404, response.text
    assert response.json()["error"] == "NotFound" and needle in response.json()["detail"]


def test_a_sightings_cursor_is_refused_here(client, dataset) -> None:
    cursor = client.get("/api/v1/sightings", params={"limit": 1}).json()["next_cursor"]
    assert cursor
    response = client.get(BASE, params={"cursor": cursor})
    assert response.status_code == 422 and response.json()["error"] == "InvalidInput"


def test_one_record_by_id_or_number(client, dataset) -> None:
    record = dataset.records[3]
    by_id = client.get(f"{BASE}/{record.id}")
    assert by_id.status_code == 200
    body = by_id.json()
    assert body["record_no"] == record.record_no and body["camera"] == "CAM-W" and body["district"] == "DW"
    assert body["status"] == "dismissed" and body["rule"] == "R-TRI-W"
    assert body["captured_at"].endswith("Z") and body["verify_url"].endswith(f"/records/{record.id}/verify")
    assert client.get(f"{BASE}/{record.record_no}").json() == body


@pytest.mark.parametrize("path", ["/999999", "/999999/evidence", "/999999/verify", "/NO-SUCH-NUMBER",
                                  "/999999/evidence/vehicle.jpg"])
def test_unknown_records_are_404(client, path) -> None:
    response = client.get(BASE + path)
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"
