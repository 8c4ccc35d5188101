"""Each statistics endpoint against figures worked out by hand on the fixed week (tests/support/stats_data.py)."""
from __future__ import annotations

import pytest

from tests.support.stats_data import make_fixed, scoped_actor

BASE = "/api/v1/stats"
WEEK = {"from": "2023-06-05", "to": "2023-06-11"}


@pytest.fixture()
def fixed(session):
    return make_fixed(session)


def get(client, path: str, **params):
    response = client.get(f"{BASE}/{path}", params={**WEEK, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_summary_counts_statuses_timeliness_closure_and_overdue(client, act_as, fixed) -> None:
    body = get(client, "summary")
    assert body == {
        "sightings": 6, "records": 4,
        "by_status": {"pending_review": 1, "confirmed": 0, "dismissed": 1, "assigned": 1, "actioned": 0, "closed": 1},
        # due for review: the pending one (deadline passed) and three reviewed; in time: the assigned and dismissed.
        "reviewed_in_time_rate": 0.5,
        "closure_rate": 0.5,  # one closed of the assigned and the closed
        "overdue": 2,  # pending past its review deadline, assigned past its due date
    }


def test_a_slot_filter_counts_the_night_on_the_day_it_starts(client, act_as, fixed) -> None:
    body = get(client, "summary", time_slot="T-NIGHT")
    # 23:30 on 06-05, 01:00 on 06-06 (night of 06-05), 23:00 on 06-11, 02:00 on 06-12 (night of 06-11);
    # not 23:59 on 06-04.
    assert (body["sightings"], body["records"]) == (4, 1)


def test_summary_is_scoped_to_the_callers_districts(client, act_as, fixed) -> None:
    act_as(scoped_actor(fixed.a.district.id))
    body = get(client, "summary")
    assert (body["sightings"], body["records"]) == (4, 2)
    response = client.get(f"{BASE}/summary", params={**WEEK, "district": "DB"})
    assert response.status_code == 404  # outside the caller's districts reads exactly like a code naming nothing
    assert response.json() == {"error": "NotFound", "detail": "district 'DB' does not exist"}


def test_rate_is_per_100_camera_hours_of_processed_frames(client, act_as, fixed) -> None:
    body = get(client, "summary", camera="CAM-A", rate="true")
    # Sixty processed minutes (the doubled minute once, the failed frame not at all) and four sightings.
    assert body["camera_hours"] == 1.0
    assert (body["sightings"], body["sightings_rate"], body["records_rate"]) == (4, 400.0, 200.0)
    assert get(client, "summary", camera="CAM-B", rate="true")["sightings_rate"] is None  # never processed


def test_daily_series_lists_every_day_with_empty_ones_as_zero(client, act_as, fixed) -> None:
    items = get(client, "timeseries", interval="day")["items"]
    assert [item["start"] for item in items] == [f"2023-06-{d:02d}T00:00:00+08:00" for d in range(5, 12)]
    assert [(i["sightings"], i["records"]) for i in items] == [(2, 1), (1, 0), (2, 2), (0, 0), (0, 0), (0, 0), (1, 1)]


def test_weeks_start_on_monday_and_months_on_the_first(client, act_as, fixed) -> None:
    weeks = get(client, "timeseries", interval="week", **{"from": "2023-06-04", "to": "2023-06-11"})["items"]
    assert weeks == [{"start": "2023-05-29T00:00:00+08:00", "sightings": 1, "records": 0},
                     {"start": "2023-06-05T00:00:00+08:00", "sightings": 6, "records": 4}]
    months = get(client, "timeseries", interval="month", **{"from": "2023-05-31", "to": "2023-07-01"})["items"]
    assert [(m["start"], m["sightings"]) for m in months] == [
        ("2023-05-01T00:00:00+08:00", 0), ("2023-06-01T00:00:00+08:00", 8), ("2023-07-01T00:00:00+08:00", 0)]


def test_hourly_series_with_a_night_slot_runs_into_the_next_morning(client, act_as, fixed) -> None:
    items = get(client, "timeseries", interval="hour", time_slot="T-NIGHT")["items"]
    assert len(items) == 7 * 24 + 1
    assert items[-1] == {"start": "2023-06-12T02:00:00+08:00", "sightings": 1, "records": 0}
    assert sum(i["sightings"] for i in items) == 4


def test_breakdown_by_time_slot_counts_overlapping_slots_each(client, act_as, fixed) -> None:
    items = {i["key"]: (i["sightings"], i["records"]) for i in get(client, "breakdown", by="time_slot")["items"]}
    assert items == {"T-NIGHT": (4, 1), "T-MORN": (3, 3), "T-PEAK-A": (2, 2), "T-PEAK-B": (2, 2)}


def test_breakdown_by_status_and_unit_is_about_records_only(client, act_as, fixed) -> None:
    items = get(client, "breakdown", by="unit")["items"]
    assert [(i["key"], i["label"], i["sightings"], i["records"]) for i in items] == [
        (None, "未指派", None, 3), ("U-1", "城东中队", None, 1)]


def test_cross_table_keys_are_pairs_of_codes(client, act_as, fixed) -> None:
    body = get(client, "breakdown", by="district,vehicle_type")
    assert body["by"] == ["district", "vehicle_type"]
    table = {tuple(i["key"]): (i["sightings"], i["records"]) for i in body["items"]}
    assert table == {("DA", "e_tricycle"): (3, 2), ("DA", "fuel_tricycle"): (1, 0),
                     ("DB", "e_four_wheeler"): (1, 1), ("DB", "e_tricycle"): (1, 1)}
    labels = {i["label"] for i in body["items"]}
    assert "城东区A × 燃油三轮车" in labels


def test_breakdown_by_weekday_and_hour_uses_the_local_clock(client, act_as, fixed) -> None:
    weekdays = {i["key"]: i["sightings"] for i in get(client, "breakdown", by="weekday")["items"]}
    assert weekdays == {0: 2, 1: 1, 2: 2, 6: 1}
    hours = {i["key"]: i["sightings"] for i in get(client, "breakdown", by="hour_of_day")["items"]}
    assert hours == {8: 1, 23: 2, 1: 1, 7: 1, 9: 1}


@pytest.mark.parametrize("by", ["colour", "segment,segment", "segment,camera,status", "segment,"])
def test_breakdown_takes_one_or_two_different_known_dimensions(client, act_as, fixed, by) -> None:
    response = client.get(f"{BASE}/breakdown", params={**WEEK, "by": by})
    assert response.status_code == 422
    assert response.json()["error"] == "ValidationError"  # the schema lists every allowed value


def test_heatmap_puts_each_sighting_in_its_hour_of_the_week(client, act_as, fixed) -> None:
    rows = {row["key"]: row for row in get(client, "heatmap")["rows"]}
    assert set(rows) == {"S-RM-A", "S-RM-B"}
    a = rows["S-RM-A"]["sightings"]
    assert len(a) == 168 and sum(a) == 4
    assert (a[8], a[23], a[24 + 1], a[6 * 24 + 23]) == (1, 1, 1, 1)  # Mon 08, Mon 23, Tue 01, Sun 23
    assert rows["S-RM-B"]["records"][2 * 24 + 7] == 1  # Wednesday 07:30


def test_ranking_orders_districts_and_units_as_the_bulletin_does(client, act_as, fixed) -> None:
    body = get(client, "ranking")
    assert [(d["key"], d["open"], d["overdue"], d["closure_rate"], d["reviewed_in_time_rate"], d["rank"])
            for d in body["districts"]] == [("DA", 2, 2, 0.0, 0.5, 1), ("DB", 0, 0, 1.0, 0.5, 2)]
    by_closure = get(client, "ranking", order="closure_rate")["districts"]
    assert [d["key"] for d in by_closure] == ["DB", "DA"]
    assert [(u["key"], u["records"], u["overdue"]) for u in body["units"]] == [("U-1", 1, 1)]
    assert body["unassigned_records"] == 3


def test_period_must_be_in_order(client, act_as, fixed) -> None:
    response = client.get(f"{BASE}/summary", params={"from": "2023-06-11", "to": "2023-06-05"})
    assert response.status_code == 422
    assert response.json()["error"] == "InvalidInput"


@pytest.mark.parametrize(("end", "status"), [("2026-06-06", 200), ("2026-06-07", 422)])
def test_a_period_is_at_most_1098_days(client, act_as, fixed, end, status) -> None:
    response = client.get(f"{BASE}/summary", params={"from": "2023-06-05", "to": end})
    assert response.status_code == status, response.text


@pytest.mark.parametrize("route", ["summary", "ranking", "campaign-effect", "heatmap"])
@pytest.mark.parametrize(("start", "end"), [("0001-01-01", "0001-01-02"), ("1999-12-31", "2000-01-02"),
                                            ("9999-12-30", "9999-12-31")])
def test_days_off_the_covered_range_are_refused_not_a_server_error(client, act_as, fixed, route, start, end) -> None:
    response = client.get(f"{BASE}/{route}", params={"from": start, "to": end})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "InvalidInput" and "2000-01-01" in response.json()["detail"]


def test_the_document_states_what_each_figure_answers(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    answers = {path.rsplit("/", 1)[1]: operation["get"]["responses"]["200"]["content"]["application/json"]["schema"]
               for path, operation in paths.items() if path.startswith(BASE) and not path.endswith("/export")}
    assert answers == {name: {"$ref": f"#/components/schemas/{model}"} for name, model in (
        ("summary", "SummaryOut"), ("timeseries", "TimeseriesOut"), ("breakdown", "BreakdownOut"),
        ("heatmap", "HeatmapOut"), ("rectification", "RectificationOut"), ("ranking", "RankingOut"),
        ("campaign-effect", "CampaignEffectOut"))}
    by = next(p for p in paths[f"{BASE}/breakdown"]["get"]["parameters"] if p["name"] == "by")["schema"]
    assert "segment,time_slot" in by["enum"] and "segment,segment" not in by["enum"] and len(by["enum"]) == 81


def test_statistics_need_a_signed_in_caller(anonymous_client, fixed) -> None:
    assert anonymous_client.get(f"{BASE}/summary", params=WEEK).status_code == 401


def test_rates_follow_the_buckets_and_keys_they_belong_to(client, act_as, fixed) -> None:
    days = get(client, "timeseries", interval="day", rate="true")["items"]
    # Only 06-05 had processed frames (camera A, one hour): its two sightings and one record are per one camera-hour.
    assert (days[0]["camera_hours"], days[0]["sightings_rate"], days[0]["records_rate"]) == (1.0, 200.0, 100.0)
    assert all(day["sightings_rate"] is None for day in days[1:])  # no coverage is unknown, not zero
    segments = {i["key"]: i for i in get(client, "breakdown", by="segment", rate="true")["items"]}
    assert (segments["S-RM-A"]["camera_hours"], segments["S-RM-A"]["sightings_rate"]) == (1.0, 400.0)
    assert segments["S-RM-B"]["sightings_rate"] is None
    # Slots get the processed minutes inside their window: 08:00–08:59 lies in both peaks and the morning slot.
    slots = {i["key"]: i for i in get(client, "breakdown", by="time_slot", rate="true", camera="CAM-A")["items"]}
    assert slots["T-MORN"]["camera_hours"] == 1.0 and slots["T-MORN"]["sightings_rate"] == 100.0
    assert slots["T-NIGHT"]["camera_hours"] == 0.0 and slots["T-NIGHT"]["sightings_rate"] is None
    # Vehicle types share their place's exposure.
    types = {i["key"]: i for i in get(client, "breakdown", by="vehicle_type", rate="true", camera="CAM-A")["items"]}
    assert (types["fuel_tricycle"]["camera_hours"], types["fuel_tricycle"]["sightings_rate"]) == (1.0, 100.0)
    heat = {row["key"]: row for row in get(client, "heatmap", rate="true")["rows"]}
    assert heat["S-RM-A"]["camera_minutes"][8] == 60 and heat["S-RM-A"]["sightings_rate"][8] == 100.0
