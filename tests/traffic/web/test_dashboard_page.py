"""The dashboard as the server renders it: its figures are the statistics services' figures (and hand-counted ones) on
a small fixed dataset, every figure links into the review queue with the same filters, and scope holds."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.support.factories import SHANGHAI, make_sighting_row
from tests.traffic.web.conftest import Town, add_camera_frame
from tests.traffic.web.signin import sign_in
from traffic.app import create_app
from traffic.services.stats import figures
from traffic.services.stats.facts import StatsFilters, resolve
from traffic.services.stats.local_time import Period
from traffic.settings import Settings
from traffic.web.app import content_security_policy

JUNE = "from=2023-06-01&to=2023-06-30"
FIGURE = re.compile(r'<a href="([^"]+)" data-figure="([^"]+)">.*?data-value="([^"]*)"', re.S)
HREF = re.compile(r'href="(/review\?[^"]*)"')


@pytest.fixture()
def june(session, town: Town) -> Town:
    """East: pending, assigned (due 2023-06-10, so overdue), dismissed, closed, and one sighting with no record on
    Tuesday 08:00; its camera has coordinates. West: one pending record, a camera without coordinates."""
    east = town.east_records
    east[1].status, east[1].unit_id, east[1].due_date = "assigned", town.unit.id, dt.date(2023, 6, 10)
    east[2].status = "dismissed"
    east[3].status = "closed"
    make_sighting_row(session, town.east, dt.datetime(2023, 6, 6, 8, 0, tzinfo=SHANGHAI))
    town.east.camera.lat, town.east.camera.lon = 30.12, 120.34
    session.flush()
    return town


def _figures(text: str) -> dict[str, tuple[str, str]]:
    """data-figure -> (href, data-value) of the headline figures."""
    return {name: (unescape(href), value) for href, name, value in FIGURE.findall(text)}


def _query(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def _queue_numbers(client: TestClient, href: str) -> list[str]:
    page = client.get(href)
    assert page.status_code == 200, page.text
    return re.findall(r'<li data-id="\d+"><a href="/records/([^"]+)"', page.text)


def _service_summary(session, actor, **codes) -> dict:
    period = Period(dt.date(2023, 6, 1), dt.date(2023, 6, 30), ZoneInfo("Asia/Shanghai"))
    now = dt.datetime.now(dt.UTC)
    return figures.summary(session, period, resolve(session, StatsFilters(**codes), actor), now)


def test_headline_figures_are_the_services_and_the_hand_counted_ones(client, session, june) -> None:
    sign_in(client, "chief")
    shown = _figures(client.get(f"/dashboard?{JUNE}").text)
    expected = _service_summary(session, june.users["chief"])
    # By hand: 5 records and 6 sightings; pending 2, assigned 1, dismissed 1, closed 1; overdue: the two pending
    # (ten days to review, long past) and the assigned one (due 2023-06-10); closed 1 of 2 confirmed or later.
    assert expected["records"] == 5 and expected["sightings"] == 6 and expected["overdue"] == 3
    assert expected["by_status"] == {"pending_review": 2, "confirmed": 0, "dismissed": 1, "assigned": 1,
                                      "actioned": 0, "closed": 1}
    assert expected["closure_rate"] == 0.5
    for name in ("sightings", "records", "overdue", "closure_rate"):
        assert shown[name][1] == str(expected[name]), name
    for status, n in expected["by_status"].items():
        assert shown[f"status-{status}"][1] == str(n), status


def test_every_link_into_the_queue_carries_the_filters(client, june) -> None:
    sign_in(client, "chief")
    page = client.get(f"/dashboard?{JUNE}&district=DE&vehicle_type=e_tricycle&time_slot=T-PEAK-E").text
    links = [unescape(h) for h in HREF.findall(page)]
    assert len(links) > 40  # headline, statuses, trend points and rows, heatmap, map, ranking
    for href in links:
        query = _query(href)
        assert query["district"] == "DE" and query["vehicle_type"] == "e_tricycle", href
        assert query["time_slot"] == "T-PEAK-E" and "status" in query, href
        assert "2023-06-01" <= query["from"] <= query["to"] <= "2023-06-30", href
    shown = _figures(page)
    assert _query(shown["records"][0])["status"] == "all"
    assert _query(shown["status-closed"][0])["status"] == "closed"
    assert _query(shown["overdue"][0])["overdue"] == "1" and _query(shown["overdue"][0])["status"] == "all"
    assert any(_query(h).get("camera") == "CAM-E" for h in links)  # the map's site
    assert any(_query(h).get("segment") == "S-RM-E" for h in links)  # the heatmap's row
    assert any(_query(h).get("unit") == "U-E-1" for h in links)  # the unit ranking
    assert any(_query(h)["from"] == _query(h)["to"] == "2023-06-05" for h in links)  # the trend's Monday


def test_following_a_figure_shows_exactly_the_records_it_counts(client, june) -> None:
    sign_in(client, "chief")
    shown = _figures(client.get(f"/dashboard?{JUNE}&district=DE").text)
    east = [r.record_no for r in june.east_records]
    assert _queue_numbers(client, shown["records"][0]) == east and shown["records"][1] == "4"
    assert _queue_numbers(client, shown["overdue"][0]) == east[:2] and shown["overdue"][1] == "2"
    assert _queue_numbers(client, shown["status-closed"][0]) == east[3:]
    page = client.get(f"/dashboard?{JUNE}").text
    site = unescape(re.search(r'<a href="([^"]+)" data-camera="CAM-E"', page).group(1))
    assert _queue_numbers(client, site) == east


def test_heatmap_trend_map_and_ranking_show_the_counts(client, june) -> None:
    sign_in(client, "chief")
    page = client.get(f"/dashboard?{JUNE}&district=DE").text
    row = re.search(r'<tr data-segment="S-RM-E">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r'<td class="heat-(\d)[^"]*">([^<]*)</td>', row)
    assert len(cells) == 168
    assert cells[7] == ("5", "4")  # Monday 07:00-08:00: the four records' sightings, the hottest cell
    assert cells[24 + 8] == ("2", "1")  # Tuesday 08:00: the sighting without a record
    assert sum(int(v) for _, v in cells if v) == 5 and 'data-value="5"' in row
    assert 'aria-label="2023-06-05：4"' in page and 'aria-label="2023-06-06：1"' in page
    assert '<circle class="site"' in page and "（无坐标）" not in page
    unit_row = re.search(r'<tr data-key="U-E-1">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'data-value="(\d+)"', unit_row) == ["1", "1", "1"]  # records, open, overdue
    west = client.get(f"/dashboard?{JUNE}&district=DW").text
    assert "没有登记坐标的点位" in west and "（无坐标）" in west


def test_a_one_district_user_sees_only_theirs_and_a_foreign_filter_is_answered_as_the_api_does(client, june) -> None:
    sign_in(client, "east_reviewer")
    page = client.get(f"/dashboard?{JUNE}").text
    assert _figures(page)["records"][1] == "4"
    assert "CAM-W" not in page and "城东区W" not in page
    for foreign in ("district=DW", "segment=S-RM-W", "camera=CAM-W"):
        api = client.get(f"/api/v1/stats/summary?{JUNE}&{foreign}")
        assert api.status_code == 404
        assert client.get(f"/dashboard?{JUNE}&{foreign}").status_code == api.status_code, foreign


@pytest.mark.parametrize("query", ["from=2023-13-01", "from=2023-06-30&to=2023-06-01", "from=2010-01-01&to=2023-06-01",
                                   "interval=month", "vehicle_type=bus"])
def test_bad_input_is_a_clear_422(client, june, query: str) -> None:
    sign_in(client, "chief")
    answer = client.get(f"/dashboard?{query}")
    assert answer.status_code == 422 and "<h1>" in answer.text


def test_the_default_period_is_the_last_28_days_and_every_role_has_the_link(client, session, june) -> None:
    sign_in(client, "east_reviewer")
    page = client.get("/dashboard")
    assert page.status_code == 200
    today = dt.datetime.now(SHANGHAI).date()
    assert f'name="to" value="{today.isoformat()}"' in page.text
    assert f'name="from" value="{(today - dt.timedelta(days=27)).isoformat()}"' in page.text
    assert 'href="/dashboard" aria-current="page"' in page.text


def test_rates_per_100_camera_hours_follow_the_processed_frames(client, session, june) -> None:
    add_camera_frame(session, june.east, client.app.state.frame_store)  # one processed camera-minute at the first capture
    sign_in(client, "chief")
    page = client.get(f"/dashboard?{JUNE}&district=DE&rate=true").text
    # 5 sightings over 1 camera-minute: 5 × 6000 per 100 camera-hours.
    assert "每百摄像头小时 30,000.00" in page and "0.02 小时" in page
    assert 'name="rate" value="true" checked' in page


def test_exports_are_linked_for_the_same_filters(client, june) -> None:
    sign_in(client, "east_reviewer")
    page = client.get(f"/dashboard?{JUNE}&segment=S-RM-E").text
    exports = dict(re.findall(r'<a href="([^"]+)" data-export="(\w+)"', page))
    assert sorted(exports.values()) == ["csv", "html", "pdf", "xlsx"]
    csv_link = unescape(next(href for href, fmt in exports.items() if fmt == "csv"))
    assert _query(csv_link) == {"segment": "S-RM-E", "from": "2023-06-01", "to": "2023-06-30", "format": "csv"}
    ledger = client.get(csv_link)
    assert ledger.status_code == 200
    assert all(r.record_no in ledger.text for r in june.east_records)


def test_a_city_tile_server_draws_beneath_the_map_and_is_the_one_origin_allowed(settings, migrated_engine,
                                                                                  session_factory, june) -> None:
    tiled = settings.model_copy(update={"map_tile_url": "https://tiles.city.example/{z}/{x}/{y}.png"})
    app = create_app(tiled, engine=migrated_engine)
    app.state.session_factory = session_factory
    with TestClient(app) as client:
        sign_in(client, "chief")
        page = client.get(f"/dashboard?{JUNE}")
    assert page.headers["content-security-policy"] == content_security_policy("https://tiles.city.example")
    assert "img-src 'self' data: https://tiles.city.example;" in page.headers["content-security-policy"]
    assert re.search(r'<image href="https://tiles\.city\.example/15/\d+/\d+\.png"', page.text)


@pytest.mark.parametrize("url", ["ftp://tiles/{z}/{x}/{y}.png", "https://tiles.example/{z}/{x}.png",
                                 "https://{s}.tiles.example/{z}/{x}/{y}.png", "/tiles/{z}/{x}/{y}.png"])
def test_a_tile_url_that_cannot_be_one_origin_is_refused(url: str) -> None:
    with pytest.raises(ValidationError):
        Settings(env="test", map_tile_url=url)


def test_an_empty_period_offers_the_days_up_to_the_latest_record(client, june) -> None:
    sign_in(client, "east_reviewer")
    page = client.get("/dashboard?from=2024-01-01&to=2024-01-28&vehicle_type=e_tricycle").text
    link = unescape(re.search(r'<p class="notice" id="latest">.*?2023-06-05.*?<a href="([^"]+)"', page, re.S).group(1))
    assert _query(link) == {"vehicle_type": "e_tricycle", "interval": "day", "from": "2023-05-09", "to": "2023-06-05"}
    assert _figures(client.get(link).text)["records"][1] == "4"
    assert 'id="latest"' not in client.get(f"/dashboard?{JUNE}").text
