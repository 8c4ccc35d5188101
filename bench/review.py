"""Review speed on PostgreSQL with many records: server time of the queue page, the record page and a decision,
and the time from a keypress to the next record shown in Chromium.

    PYTHONPATH=. python bench/review.py [--records 1000000] [--samples 200] [--backend postgresql]

Records are generated in the database with generate_series (one sighting each, spread over a year, three
districts); the first two districts' records have real evidence files only where the record page needs them (the
sampled ones). Server time is measured in process around each request (the ASGI app, its database work and the
template), median and p95 over --samples requests. A decision needs the lifecycle API (issue 8); without it the
line says so. Targets: each server median under 50 ms, the keypress median under 150 ms.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fastapi.testclient import TestClient  # noqa: E402

from models.enums import Role  # noqa: E402
from tests.support.auth import TEST_PASSWORD, TEST_PASSWORD_COST, make_user  # noqa: E402
from tests.support.browser import CHROMIUM, lifecycle_routes_exist, serve  # noqa: E402
from tests.support.databases import fresh_database  # noqa: E402
from tests.support.factories import make_city  # noqa: E402
from traffic import migrate  # noqa: E402
from traffic.app import create_app  # noqa: E402
from traffic.db import make_engine, make_session_factory, transaction  # noqa: E402
from traffic.services.detector_versions import weightless_version  # noqa: E402
from traffic.settings import Settings  # noqa: E402

PASSWORD = TEST_PASSWORD
SEED_SQL = """
INSERT INTO sightings (camera_id, segment_id, district_id, time_slot_id, track_key, status, source, first_seen,
                       last_seen, vehicle_type, votes, confidence, plate_state, moved, detector_version_id, created_at)
SELECT c.camera_id, c.segment_id, c.district_id, c.slot_id, 'bench:' || g, 'closed', 'video',
       TIMESTAMPTZ '2023-06-01 00:00:00+00' + (g * INTERVAL '31 seconds'),
       TIMESTAMPTZ '2023-06-01 00:00:02+00' + (g * INTERVAL '31 seconds'),
       'e_tricycle', '{"e_tricycle": 5}', 0.8, 'unplated', true,
       (SELECT id FROM detector_versions WHERE name = 'bench'), now()
FROM generate_series(1, :n) AS g
JOIN (SELECT row_number() OVER () - 1 AS k, * FROM bench_cities) AS c ON c.k = g % 3;

INSERT INTO enforcement_records (record_no, sighting_id, camera_id, segment_id, district_id, rule_id, time_slot_id,
       action, vehicle_type, plate_state, captured_at, review_deadline, status, reasons, created_at, updated_at,
       detector_version_id)
SELECT 'B' || s.id, s.id, s.camera_id, s.segment_id, s.district_id, c.rule_id, s.time_slot_id, 'warning',
       s.vehicle_type, 'unplated', s.first_seen, s.first_seen + INTERVAL '10 days', 'pending_review', '["bench"]',
       s.first_seen, s.first_seen, s.detector_version_id
FROM sightings AS s JOIN bench_cities AS c ON c.camera_id = s.camera_id;
ANALYZE;
"""


def seed(engine, settings: Settings, records: int) -> None:
    """The records, and two real users who sign in on the form: a reviewer of the first district and a chief."""
    with transaction(make_session_factory(engine)) as session:
        cities = [make_city(session, suffix) for suffix in ("A", "B", "C")]
        weightless_version(session, "bench", "1", "bench rows")
        session.execute(text("CREATE TABLE bench_cities (camera_id int, segment_id int, district_id int, "
                             "slot_id int, rule_id int)"))
        for c in cities:
            session.execute(text("INSERT INTO bench_cities VALUES (:a, :b, :c, :d, :e)"),
                            {"a": c.camera.id, "b": c.segment.id, "c": c.district.id, "d": c.time_slot.id,
                             "e": c.rule.id})
        make_user(session, Role.REVIEWER, [cities[0].district.code], username="reviewer_a", password=PASSWORD)
        make_user(session, Role.SUPERVISOR, username="chief", password=PASSWORD)
    started = time.perf_counter()
    with engine.begin() as connection:
        for statement in SEED_SQL.split(";"):
            if statement.strip():
                connection.execute(text(statement), {"n": records})
    print(f"seeded {records} records in {time.perf_counter() - started:.0f} s")


def timed(samples: int, call) -> tuple[float, float]:
    times = []
    for i in range(samples):
        started = time.perf_counter()
        answer = call(i)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code < 400, (answer.status_code, answer.text[:300])
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def report(name: str, median: float, p95: float, target: float) -> None:
    verdict = "ok" if median < target else "OVER TARGET"
    print(f"{name:<34} median {median:7.1f} ms   p95 {p95:7.1f} ms   (target median < {target:.0f} ms: {verdict})")


def sign_in(client: TestClient, username: str) -> None:
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text


def keypress_times(base_url: str, samples: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{base_url}/login?next=/review")
        page.fill("#username", "reviewer_a")
        page.fill("#password", PASSWORD)
        page.click("form[action=\"/login\"] button[type=submit]")
        page.wait_for_selector("#record-link")
        # In the page: press J, wait until the next record's number is on screen and painted, repeat.
        times = page.evaluate("""async (samples) => {
            const link = document.getElementById('record-link');
            const out = [];
            for (let i = 0; i < samples; i++) {
                const before = link.textContent;
                const shown = new Promise((resolve) => {
                    const observer = new MutationObserver(() => {
                        if (link.textContent !== before) { observer.disconnect(); resolve(); }
                    });
                    observer.observe(link, { childList: true, characterData: true, subtree: true });
                });
                const started = performance.now();
                document.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', bubbles: true }));
                await shown;
                await new Promise((resolve) => requestAnimationFrame(() => resolve()));
                out.push(performance.now() - started);
            }
            return out;
        }""", samples)
        browser.close()
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--backend", default="postgresql", choices=("postgresql",))
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-review-"))
    with fresh_database(args.backend, workdir) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        settings = Settings(env="test", database_url=url, data_dir=workdir / "data", **TEST_PASSWORD_COST)
        seed(engine, settings, args.records)
        app = create_app(settings, engine=engine)
        with TestClient(app) as client:
            sign_in(client, "reviewer_a")
            client.get("/review")  # warm the templates and the connection pool
            numbers = [row[0] for row in engine.connect().execute(text(
                "SELECT record_no FROM enforcement_records ORDER BY random() LIMIT :n"), {"n": args.samples})]
            report("queue page GET /review", *timed(args.samples, lambda i: client.get("/review")), 50)
            report("queue page, one segment", *timed(args.samples, lambda i: client.get(
                "/review?segment=S-RM-A&overdue=true")), 50)
            sign_in(client, "chief")
            report("record page GET /records/{no}", *timed(args.samples, lambda i: client.get(
                f"/records/{numbers[i % len(numbers)]}")), 50)
            if lifecycle_routes_exist():
                ids = [row[0] for row in engine.connect().execute(text(
                    "SELECT id FROM enforcement_records WHERE status = 'pending_review' ORDER BY random() LIMIT :n"),
                    {"n": args.samples})]
                token = client.cookies.get("traffic_session") and __import__("re").search(
                    r'"csrf": "([^"]+)"', client.get("/review").text).group(1)
                report("decision POST .../transitions", *timed(args.samples, lambda i: client.post(
                    f"/api/v1/records/{ids[i]}/transitions", json={"to": "confirmed", "version": 1},
                    headers={"X-CSRF-Token": token})), 50)
            else:
                print("decision POST .../transitions      not measured: this build has no lifecycle API (issue 8)")
        server = serve(app)
        try:
            times = keypress_times(server.base_url, min(args.samples, 35))
        finally:
            server.stop()
        median, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
        print(f"{'keypress J -> next record shown':<34} median {median:7.1f} ms   p95 {p95:7.1f} ms   "
              f"(target median < 150 ms: {'ok' if median < 150 else 'OVER TARGET'})")
        engine.dispose()


if __name__ == "__main__":
    main()
