"""The pages in real headless Chromium: sign-in, the queue from the keyboard, the record page, language, scope,
and axe-core on every page."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.support.browser import run_axe
from traffic.services.city_repository import KINDS
from tests.traffic.web.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def _current(page) -> str:
    return page.locator("#record-link").inner_text()


def test_sign_in_and_open_on_the_oldest_record_with_its_evidence(page, live) -> None:
    page.goto("/review")
    assert page.url.endswith("/login?next=/review")
    screenshot(page, "login")
    sign_in(page, "east_reviewer", "/review")
    assert page.url.endswith("/review")
    oldest = live.town.east_records[0]
    assert _current(page) == oldest.record_no
    main = page.locator("#main-image")
    assert f"/api/v1/records/{oldest.id}/evidence/composite.jpg" in main.get_attribute("src")
    main.evaluate("img => img.decode()")  # evaluate, unlike wait_for_function, is not refused by the page's CSP
    assert page.locator("#thumbs img").count() >= 3
    assert page.locator("#overdue-flag").is_visible()
    screenshot(page, "review-queue")
    assert page.console_errors == []


def test_j_and_k_move_through_the_queue_and_prefetch_the_next_images(page, live) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, "east_reviewer", "/review")
    page.wait_for_load_state("networkidle")
    records = live.town.east_records
    for ahead in records[1:4]:  # the next records' images are fetched before they are shown
        assert any(u.endswith(f"/api/v1/records/{ahead.id}/evidence/composite.jpg") for u in requested), ahead.id
    page.keyboard.press("j")
    assert _current(page) == records[1].record_no
    page.keyboard.press("j")
    assert _current(page) == records[2].record_no
    page.keyboard.press("k")
    assert _current(page) == records[1].record_no
    assert page.locator("#queue-list li[aria-current=true]").inner_text().endswith(records[1].record_no)
    page.keyboard.press("?")
    assert page.locator("#help-dialog").is_visible()
    screenshot(page, "review-keys")
    page.keyboard.press("Escape")
    assert not page.locator("#help-dialog").is_visible()
    page.keyboard.press("n")  # the reason picker opens even before the lifecycle API is there
    assert page.locator("#dismiss-dialog").is_visible()
    page.keyboard.press("8")
    assert page.locator("#reason-8").is_checked()
    page.keyboard.press("Enter")  # "other" without a note is refused in place
    assert page.locator("#dismiss-error").is_visible()
    screenshot(page, "review-dismiss")
    page.keyboard.press("Escape")
    assert page.console_errors == []


def test_record_page_shows_audit_and_verification(page, live) -> None:
    sign_in(page, "east_reviewer")
    record = live.town.east_records[0]
    page.goto(f"/records/{record.record_no}")
    assert page.locator("#verification").inner_text() == "完整，未被篡改"
    assert page.locator("#audit-timeline li").count() >= 1
    page.locator(".gallery img").evaluate_all("images => Promise.all(images.map(i => i.decode()))")
    assert page.get_by_role("button", name="确认").is_visible()
    screenshot(page, "record-page")
    assert page.console_errors == []


def test_record_page_outlines_the_vehicle_on_each_panorama(page, live) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from models import EvidenceFile

    record = live.town.east_records[0]
    with Session(live.engine) as session:
        boxes = {f.name: f.box_xyxy for f in session.scalars(select(EvidenceFile).where(
            EvidenceFile.record_id == record.id, EvidenceFile.kind == "panorama"))}
    sign_in(page, "east_reviewer")
    page.goto(f"/records/{record.record_no}")
    assert len(boxes) >= 2
    for name, (x1, y1, x2, y2) in boxes.items():
        frame = page.locator(".boxed-image").filter(has=page.locator(f'img[src$="/{name}"]'))
        image = frame.locator("img")
        image.evaluate("img => img.decode()")
        outline = page.get_by_role("img", name=f"车辆位置框 {name}")
        expect(outline).to_be_visible()
        shown, drawn = image.bounding_box(), outline.bounding_box()
        natural_width, natural_height = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        sx, sy = shown["width"] / natural_width, shown["height"] / natural_height
        # the outline sits where the vehicle is in the displayed (scaled) panorama, within a pixel of rounding
        assert drawn["x"] == pytest.approx(shown["x"] + x1 * sx, abs=1.5)
        assert drawn["y"] == pytest.approx(shown["y"] + y1 * sy, abs=1.5)
        assert drawn["width"] == pytest.approx((x2 - x1) * sx, abs=1.5)
        assert drawn["height"] == pytest.approx((y2 - y1) * sy, abs=1.5)
    assert page.console_errors == []


def test_switch_to_english(page, live) -> None:
    sign_in(page, "east_reviewer", "/review")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#queue-title").inner_text() == "Queue 4"
    page.goto(f"/records/{live.town.east_records[0].record_no}")
    assert page.locator("#verification").inner_text() == "Intact, not altered"
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def test_a_reviewer_never_sees_another_districts_record(page, live) -> None:
    sign_in(page, "west_reviewer", "/review")
    west, east = live.town.west_records[0], live.town.east_records
    assert page.locator("#queue-list li").count() == 1 and _current(page) == west.record_no
    for record in east:
        assert record.record_no not in page.content()
        assert page.goto(f"/records/{record.record_no}").status == 404


def test_no_serious_accessibility_violation_on_any_page(page, live) -> None:
    page.goto("/login")
    assert run_axe(page) == []
    sign_in(page, "east_reviewer", "/review")
    for path in ("/review", "/review?status=dismissed", f"/records/{live.town.east_records[0].record_no}",
                 "/review?vehicle_type=bus"):
        page.goto(path)
        assert run_axe(page) == [], path
    page.goto("/review")
    page.keyboard.press("n")
    assert run_axe(page) == [], "reason picker"
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    assert run_axe(page) == [], "assign"
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    assert run_axe(page) == [], "keys"
    for username, paths in (("chief", ("/supervision", f"/records/{live.town.east_records[0].record_no}")),
                            ("admin", ("/admin/cameras", "/admin/users", f"/admin/cameras/{live.town.east.camera.code}/zone",
                                       f"/admin/cameras/{live.town.west.camera.code}/zone",
                                       *(f"/admin/config/{kind.plural}" for kind in KINDS)))):
        page.context.clear_cookies()
        sign_in(page, username)
        for path in paths:
            page.goto(path)
            assert run_axe(page) == [], path


def test_pages_fit_a_laptop_screen(page, live) -> None:
    sign_in(page, "east_reviewer", "/review")
    width, height = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert width <= 1366 and height <= 768
    assert page.locator("#actions").is_visible() and page.locator("#main-image").is_visible()


def test_draw_a_camera_zone_and_read_it_back_through_the_api(page, live) -> None:
    camera = live.town.east.camera.code
    sign_in(page, "admin")
    assert page.url.endswith("/admin/cameras")
    page.get_by_role("link", name="绘制区域").first.click()
    page.locator("#zone-frame").evaluate("img => img.decode()")
    corners = [(0.1, 0.9), (0.4, 0.45), (0.6, 0.45), (0.9, 0.9)]
    box = page.locator("#zone-canvas").bounding_box()
    for x, y in corners:
        page.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])
    expect(page.locator("#zone-points")).to_have_text("已选 4 个点")
    screenshot(page, "admin-zone")
    page.get_by_role("button", name="保存区域").click()
    expect(page.locator("#status-line")).to_have_text("已保存（4 个点）")
    stored = page.request.get(f"/api/v1/cameras/{camera}").json()["zone"]
    assert len(stored) == 4
    for (x, y), (sx, sy) in zip(corners, stored, strict=True):
        assert abs(sx - x) < 0.01 and abs(sy - y) < 0.01
    page.reload()
    expect(page.locator("#zone-points")).to_have_text("已选 4 个点")  # the page draws the stored zone
    assert page.console_errors == []


def test_supervision_lists_for_a_supervisor(page, live) -> None:
    sign_in(page, "chief")
    assert page.url.endswith("/supervision")
    expect(page.get_by_role("heading", name="超期事项")).to_be_visible()
    assert page.locator("table.records").first.locator("tbody tr").count() == 5  # every record is past review
    screenshot(page, "supervision")


def test_admin_adds_a_district_and_previews_a_rule_change(page, live) -> None:
    sign_in(page, "admin", "/admin/config/districts")
    page.get_by_label("编号").fill("D-NEW")
    page.get_by_label("名称").fill("新城区")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#config-list")).to_contain_text("新城区")
    assert page.request.get("/api/v1/districts/D-NEW").json() == {"code": "D-NEW", "name": "新城区"}

    town = live.town
    page.goto("/admin/config/rules")
    page.get_by_role("button", name=f"修改 {town.east.rule.code}").click()
    preview = page.locator("#rule-preview")
    expect(preview.locator("[data-preview=segments]")).to_contain_text(town.east.segment.code)
    page.locator(f'input[name=districts][value="{town.west.district.code}"]').check()
    expect(preview.locator('[data-preview="added_segments added_time_slots"]')).to_contain_text(
        town.west.segment.code)
    screenshot(page, "admin-rule-preview")
    assert page.console_errors == []


def test_the_queue_fetches_the_next_page_as_the_reviewer_moves_on(page, live) -> None:
    from models.enums import Role
    from tests.support.factories import make_city, make_record
    from tests.traffic.web.conftest import FIRST_CAPTURE
    from traffic.db import make_session_factory, transaction
    from tests.support.auth import make_user
    from tests.traffic.web.conftest import PASSWORD
    from traffic.services.review_queue import QUEUE_PAGE

    count = QUEUE_PAGE + 5
    with transaction(make_session_factory(live.engine)) as session:
        city = make_city(session, "P")
        numbers = [make_record(session, city, FIRST_CAPTURE + dt.timedelta(minutes=m)).record_no
                   for m in range(count)]
        session.flush()
        make_user(session, Role.REVIEWER, [city.district.code], username="paging_reviewer", password=PASSWORD)
    sign_in(page, "paging_reviewer", "/review")
    assert page.locator("#queue-list li").count() == QUEUE_PAGE
    for number in numbers[1:]:
        page.keyboard.press("j")
        expect(page.locator("#record-link")).to_have_text(number)
    expect(page.locator("#queue-count")).to_have_text(str(count))  # the last page came: no "+" any more
