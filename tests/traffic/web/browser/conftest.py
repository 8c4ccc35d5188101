"""Browser fixtures: one live server per test module over its own committed database, and headless Chromium."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.auth import TEST_PASSWORD_COST
from tests.support.browser import LiveServer, require_chromium, serve
from tests.support.databases import fresh_database
from tests.traffic.web.conftest import PASSWORD, Town, add_camera_frame, build_town
from traffic import migrate
from traffic import app as app_module
from traffic.db import make_engine, make_session_factory, transaction
from traffic.services.frame_store import frame_store
from traffic.settings import Settings

VIEWPORT = {"width": 1366, "height": 768}
DOCS_IMAGES = Path(__file__).resolve().parents[4] / "docs" / "images"


@dataclass
class Live:
    url: str
    town: Town
    engine: Engine
    settings: Settings
    server: LiveServer


@pytest.fixture(scope="module")
def live(backend: str, tmp_path_factory) -> Iterator[Live]:
    require_chromium()
    workdir = tmp_path_factory.mktemp("browser")
    with fresh_database(backend, workdir) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        settings = Settings(env="test", database_url=url, data_dir=workdir / "data", **TEST_PASSWORD_COST)
        with transaction(make_session_factory(engine)) as session:
            town = build_town(session, settings)
            add_camera_frame(session, town.east, frame_store(settings))
        # No override: the browser's API calls go through the real current_actor, with the session cookie.
        app = app_module.create_app(settings, engine=engine)
        server = serve(app)
        try:
            yield Live(server.base_url, town, engine, settings, server)
        finally:
            server.stop()
            engine.dispose()


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium for one test module. Playwright's sync API keeps an event loop running in this thread while
    it is started, which would break later tests that call asyncio.run(): it is stopped after each module."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(require_chromium()), headless=True,
                                         args=["--no-sandbox", "--disable-dev-shm-usage"])
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture()
def page(chromium, live):
    """A fresh browser context (no cookies) at a laptop's screen size; fails the test on any console error."""
    context = chromium.new_context(viewport=VIEWPORT, base_url=live.url, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()


def sign_in(page, username: str, next_path: str = "/") -> None:
    page.goto(f"/login?next={next_path}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def screenshot(page, name: str) -> None:
    """Pictures for docs/guide-reviewer.md, refreshed when TRAFFIC_DOCS_SCREENSHOTS=1."""
    import os

    if os.environ.get("TRAFFIC_DOCS_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_IMAGES / f"{name}.jpg"), type="jpeg", quality=80)
