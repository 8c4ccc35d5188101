"""The dashboard in real headless Chromium: the headline and the heatmap show, axe-core finds nothing serious, and a
figure leads into the review queue filtered as the dashboard was."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.browser import run_axe
from tests.traffic.web.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser
JUNE = "/dashboard?from=2023-06-01&to=2023-06-30"


def test_dashboard_shows_figures_and_a_figure_opens_the_filtered_queue(page, live) -> None:
    sign_in(page, "chief", "/review")
    page.get_by_role("link", name="统计看板").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/dashboard"
    page.goto(JUNE)
    records = page.locator('[data-figure="records"] .value')
    expect(records).to_have_text("5")  # four records in the east, one in the west, all pending
    expect(page.locator('[data-figure="status-pending_review"] .value')).to_have_text("5")
    heatmap = page.locator("#heatmap")
    expect(heatmap).to_be_visible()
    assert heatmap.locator("tbody tr").count() == 2  # one row per segment
    assert page.locator("#trend-title").is_visible() and page.locator("#ranking-districts").is_visible()
    assert run_axe(page) == []
    screenshot(page, "dashboard")

    page.get_by_label("辖区").select_option(live.town.east.district.code)
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    expect(records).to_have_text("4")
    records.click()
    page.wait_for_load_state()
    query = parse_qs(urlsplit(page.url).query)
    assert urlsplit(page.url).path == "/review"
    assert query["district"] == [live.town.east.district.code] and query["status"] == ["all"]
    assert query["from"] == ["2023-06-01"] and query["to"] == ["2023-06-30"]
    expect(page.locator("#queue-list li")).to_have_count(4)
    assert page.locator("#record-link").inner_text() == live.town.east_records[0].record_no
    expect(page.get_by_label("状态")).to_have_value("all")
    assert page.console_errors == []


def test_dashboard_for_one_district_is_accessible_in_english_too(page, live) -> None:
    sign_in(page, "west_reviewer")
    page.goto(JUNE)
    expect(page.locator('[data-figure="records"] .value')).to_have_text("1")
    assert live.town.east.camera.code not in page.content()
    page.locator("#switch-language").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Statistics dashboard")
    assert run_axe(page) == []
    assert page.console_errors == []
