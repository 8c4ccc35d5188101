"""GET /sightings: every vehicle pass, with filters, keyset pagination and a link to its record when it has one."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.support.factories import SHANGHAI, make_city, make_record, make_sighting_row

BASE = "/api/v1/sightings"
T0 = dt.datetime(2023, 6, 5, 6, 50, tzinfo=SHANGHAI)


@pytest.fixture()
def sightings(session):
    east, west = make_city(session, "E"), make_city(session, "W")
    rows = []
    for minute, city, vehicle_type, plate_state, in_slot in [
        (0, east, "e_tricycle", "unplated", False),
        (3, west, "fuel_tricycle", "plated", False),
        (12, east, "e_four_wheeler", "unknown", True),
        (12, east, "e_tricycle", "unplated", True),
        (30, west, "e_tricycle", "unplated", True),
    ]:
        rows.append(make_sighting_row(session, city, T0 + dt.timedelta(minutes=minute), vehicle_type=vehicle_type,
                                      plate_state=plate_state, with_time_slot=in_slot))
    record = make_record(session, west, rows[-1].first_seen, sighting=rows[-1])
    return rows, record


def _pages(client, params, limit):
    ids, cursor = [], None
    while True:
        body = client.get(BASE, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})}).json()
        ids += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


def _newest_first(rows):
    return [r.id for r in sorted(rows, key=lambda r: (r.first_seen, r.id), reverse=True)]


def test_pages_cover_every_sighting_once_and_link_records(client, sightings) -> None:
    rows, record = sightings
    assert _pages(client, {}, 2) == _newest_first(rows)
    newest = client.get(BASE, params={"limit": 1}).json()["items"][0]
    assert newest["record_id"] == record.id and newest["record_no"] == record.record_no
    assert newest["camera"] == "CAM-W" and newest["time_slot"] == "T-PEAK-W"
    assert newest["first_seen"].endswith("Z")


@pytest.mark.parametrize(
    ("params", "indexes"),
    [
        ({"camera": "CAM-E"}, [0, 2, 3]),
        ({"district": "DW"}, [1, 4]),
        ({"segment": "S-RM-W"}, [1, 4]),
        ({"time_slot": "T-PEAK-E"}, [2, 3]),
        ({"vehicle_type": "e_tricycle"}, [0, 3, 4]),
        ({"plate_state": "unplated", "camera": "CAM-E"}, [0, 3]),
        ({"from": "2023-06-05T07:00:00+08:00"}, [2, 3, 4]),
        ({"from": "2023-06-04T22:52:00Z", "to": "2023-06-05T07:03:00+08:00"}, [1, 2, 3]),
        ({"from": "2023-06-05T06:53:00+08:00", "to": "2023-06-05T07:02:00+08:00"}, [1]),
    ],
)
def test_filters(client, sightings, params, indexes) -> None:
    rows, _ = sightings
    assert _pages(client, params, 1) == _newest_first([rows[i] for i in indexes])


@pytest.mark.parametrize(
    "params",
    [{"vehicle_type": "car"}, {"plate_state": "x"}, {"to": "2023-06-05T07:00:00"}, {"cursor": "e30"},
     {"district": ""}, {"limit": 1000}],
)
def test_bad_filters_are_422(client, sightings, params) -> None:
    response = client.get(BASE, params=params)
    assert response.status_code == 422
    assert set(response.json()) == {"error", "detail"}
