"""The users page in real Chromium: an admin creates a user on the form, who then signs in; a signed-in user's
language follows them to another browser."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import run_axe
from tests.traffic.web.browser.conftest import VIEWPORT, screenshot, sign_in

pytestmark = pytest.mark.browser
NEWCOMER_PASSWORD = "newcomer-password-1"


def test_admin_creates_a_user_on_the_page_who_then_signs_in(page, live, chromium) -> None:
    sign_in(page, "admin", "/admin/users")
    form = page.locator("#create-user")
    form.get_by_label("用户名").fill("newcomer")
    form.get_by_label("角色").select_option("reviewer")
    form.get_by_label(live.town.east.district.code).check()
    form.get_by_label("初始密码").fill(NEWCOMER_PASSWORD)
    form.get_by_label("再次输入密码").fill(NEWCOMER_PASSWORD)
    form.get_by_role("button", name="新建用户").click()
    expect(page.get_by_role("status")).to_have_text("用户已创建。")
    row = page.locator('tr[data-user="newcomer"]')
    expect(row).to_contain_text("审核员")
    expect(row).to_contain_text(live.town.east.district.code)
    assert NEWCOMER_PASSWORD not in page.content()
    assert run_axe(page) == []
    screenshot(page, "admin-users")
    assert page.console_errors == []

    context = chromium.new_context(viewport=VIEWPORT, base_url=live.url, locale="zh-CN")
    try:
        newcomer = context.new_page()
        newcomer.goto("/login?next=/review")
        newcomer.get_by_label("用户名").fill("newcomer")
        newcomer.get_by_label("密码").fill(NEWCOMER_PASSWORD)
        newcomer.get_by_role("button", name="登录").click()
        newcomer.wait_for_load_state()
        assert newcomer.url.endswith("/review")
        expect(newcomer.locator(".who")).to_contain_text("newcomer")
    finally:
        context.close()


def test_the_language_follows_the_user_to_a_new_browser(page, live, chromium) -> None:
    sign_in(page, "chief")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"

    context = chromium.new_context(viewport=VIEWPORT, base_url=live.url, locale="zh-CN")
    try:
        elsewhere = context.new_page()
        elsewhere.goto("/login")
        assert elsewhere.locator("html").get_attribute("lang") == "zh-CN"  # nobody signed in: the default
        sign_in(elsewhere, "chief")
        assert elsewhere.url.endswith("/supervision")
        assert elsewhere.locator("html").get_attribute("lang") == "en"
        elsewhere.get_by_role("button", name="中文").click()
        elsewhere.wait_for_load_state()
    finally:
        context.close()
    page.reload()
    assert page.locator("html").get_attribute("lang") == "zh-CN"  # and back again, in the first browser too
