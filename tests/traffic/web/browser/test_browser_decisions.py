"""Clearing a queue from the keyboard in Chromium, with every decision checked in the audit through the API.

The browser signs in on the form and calls the lifecycle API (transitions, the bulk route, undo, the audit) with
its session cookie, through the real `current_actor`: the audit names the user who decided.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.traffic.web.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def _current(page):
    return page.locator("#record-link")


def _audit(page, record_id: int) -> list[dict]:
    answer = page.request.get(f"/api/v1/records/{record_id}/audit")
    assert answer.ok, answer.text()
    body = answer.json()
    return body if isinstance(body, list) else body["items"]


def _steps(entries: list[dict]) -> list[tuple[str, str | None, str | None, str]]:
    return [(e["action"], e["from_status"], e["to_status"], e["username"]) for e in entries]


def test_clear_a_queue_from_the_keyboard(page, live) -> None:
    r0, r1, r2, r3 = live.town.east_records
    sign_in(page, "east_reviewer", "/review")
    expect(_current(page)).to_have_text(r0.record_no)

    page.keyboard.press("y")
    expect(_current(page)).to_have_text(r1.record_no)
    expect(page.locator("#status-line")).to_contain_text(r0.record_no)

    page.keyboard.press("n")
    page.keyboard.press("6")  # 6 = duplicate, in the lifecycle's order
    expect(page.locator("#reason-6")).to_be_checked()
    screenshot(page, "review-dismiss-picked")
    page.keyboard.press("Enter")
    expect(_current(page)).to_have_text(r2.record_no)

    page.keyboard.press("z")  # undo the dismissal: the record comes back where it was
    expect(_current(page)).to_have_text(r1.record_no)

    page.keyboard.press("a")
    page.get_by_label("责任单位").select_option(live.town.unit.code)
    page.get_by_label("办结期限").fill("2030-01-31")
    page.get_by_role("button", name="交办", exact=True).last.click()
    expect(_current(page)).to_have_text(r2.record_no)

    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator("#selection-line")).to_contain_text("2")
    page.keyboard.press("Shift+Y")
    expect(page.locator("#queue-empty")).to_be_visible()
    assert page.console_errors == [] or all("409" not in e for e in page.console_errors)

    who = "east_reviewer"
    assert _steps(_audit(page, r0.id)) == [("transition", "pending_review", "confirmed", who)]
    r1_steps = _steps(_audit(page, r1.id))
    assert r1_steps[0] == ("transition", "pending_review", "dismissed", who)
    assert r1_steps[1][0] == "undo" and r1_steps[1][3] == who
    assert r1_steps[2:] == [("transition", "pending_review", "confirmed", who),
                            ("transition", "confirmed", "assigned", who)]
    assert _audit(page, r1.id)[0]["reason"] == "duplicate"
    for record in (r2, r3):
        assert _steps(_audit(page, record.id)) == [("transition", "pending_review", "confirmed", who)]

    page.goto(f"/records/{r1.record_no}")
    timeline = page.locator("#audit-timeline")
    expect(timeline).to_contain_text("重复记录")
    expect(timeline).to_contain_text("撤销")
    expect(page.locator("#record-status")).to_have_text("已交办")


def test_a_stale_version_is_shown_plainly_and_refreshed(page, chromium, live) -> None:
    record = live.town.west_records[0]
    sign_in(page, "west_reviewer", "/review")
    expect(_current(page)).to_have_text(record.record_no)

    other = chromium.new_context(base_url=live.url)
    rival = other.new_page()
    sign_in(rival, "chief")
    token = re.search(r'name="csrf_token" value="([^"]+)"', rival.content()).group(1)
    answer = rival.request.post(f"/api/v1/records/{record.id}/transitions", headers={"X-CSRF-Token": token},
                                data={"to": "confirmed", "version": record.version})
    assert answer.ok, answer.text()
    other.close()

    page.keyboard.press("y")  # this page still holds the old version
    expect(page.locator("#status-line")).to_contain_text("已被他人处理")
    expect(page.locator("#queue-empty")).to_be_visible()  # refreshed: it is no longer pending review
    # Only the rival's decision was stored, under the rival's name; the stale one changed nothing.
    assert _steps(_audit(page, record.id)) == [("transition", "pending_review", "confirmed", "chief")]


def test_a_reviewer_cannot_fetch_another_districts_images(page, live) -> None:
    sign_in(page, "west_reviewer", "/review")
    east = live.town.east_records[0]
    for name in ("composite.jpg", "panorama-1.jpg"):
        assert page.request.get(f"/api/v1/records/{east.id}/evidence/{name}").status == 404
    assert page.request.get(f"/api/v1/records/{east.id}").status == 404
