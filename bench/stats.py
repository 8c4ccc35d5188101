"""Statistics query speed on PostgreSQL: p50/p95 per dashboard query at two scales, and the cost ratio between them.

Data is generated inside PostgreSQL with generate_series (a year of sightings over 60 cameras on 30 segments in
3 districts, every tenth one a record in one of the six states, processed frames for the last weeks), so that even
10 million rows load in minutes, not hours. Each query is the service call the API makes (no HTTP), over the last
28 days (the dashboard's default view); `summary_rate` is the last 7 days with exposure.

    PYTHONPATH=. python bench/stats.py [--sightings 10000000] [--records 1000000] [--divisor 10] [--repeat 20]
                                       [--coverage-days 14]

It runs the large scale and the large scale ÷ divisor, each in a fresh database, and prints a table. The issue's
targets: every dashboard query under 100 ms p95, and at 10 M within 1.5× of its cost at 1 M.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import models  # noqa: E402
from models.enums import Role  # noqa: E402
from tests.support.databases import fresh_database  # noqa: E402
from traffic import migrate  # noqa: E402
from traffic.db import make_engine, make_session_factory, transaction  # noqa: E402
from traffic.services.detector_versions import weightless_version  # noqa: E402
from traffic.services.actors import Actor  # noqa: E402
from traffic.services.stats import campaign, figures  # noqa: E402
from traffic.services.stats.facts import StatsFilters, resolve  # noqa: E402
from traffic.services.stats.local_time import Period  # noqa: E402
from traffic.services.stats.rollup_build import rebuild  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
FIRST_DAY = dt.date(2023, 1, 1)
DAYS = 365
ADMIN = Actor(user_id=None, username="bench", role=Role.ADMIN, district_ids=None)


def build_city(session: Session) -> None:
    districts = [models.District(code=f"D{i}", name=f"区{i}") for i in range(3)]
    session.add_all(districts)
    session.flush()
    segments = [models.RoadSegment(code=f"S{i:02d}", name=f"路段{i}", district_id=districts[i % 3].id,
                                   road_class=models.RoadClass.ARTERIAL) for i in range(30)]
    session.add_all(segments)
    session.flush()
    session.add_all([models.Camera(code=f"C{i:02d}", name=f"点位{i}", segment_id=segments[i % 30].id)
                     for i in range(60)])
    slots = [models.TimeSlot(code=code, name=code, start_minute=start, end_minute=end) for code, start, end in (
        ("AM_PEAK", 420, 540), ("PM_PEAK", 1020, 1170), ("DAYTIME", 420, 1440), ("NIGHT", 1320, 360))]
    session.add_all(slots)
    session.add_all([models.Unit(code=f"U{i}", name=f"中队{i}", district_id=d.id) for i, d in enumerate(districts)])
    rule = models.RestrictionRule(code="R1", name="规则", vehicle_types=["e_tricycle"], days="all",
                                  effective_from=FIRST_DAY + dt.timedelta(days=180), action=models.Action.WARNING)
    session.add(rule)
    session.flush()
    session.execute(models.rule_segments.insert(), [{"rule_id": rule.id, "segment_id": s.id} for s in segments])
    session.execute(models.rule_time_slots.insert(), [{"rule_id": rule.id, "time_slot_id": slots[0].id}])


def generate(session: Session, sightings: int, records: int, coverage_days: int) -> None:
    session.execute(text(
        "CREATE TEMP TABLE bench_cameras AS SELECT row_number() OVER (ORDER BY c.id) - 1 AS k, c.id, c.segment_id, "
        "s.district_id FROM cameras c JOIN road_segments s ON s.id = c.segment_id"))
    start = dt.datetime.combine(FIRST_DAY, dt.time(), TZ)
    # Instants spread over the year in a scrambled order (multiplying by a prime modulo n), cameras round robin.
    session.execute(text("""
        INSERT INTO sightings (camera_id, segment_id, district_id, track_key, status, source, first_seen, last_seen,
                               vehicle_type, votes, confidence, plate_state, moved, detector_version_id,
                               created_at)
        SELECT c.id, c.segment_id, c.district_id, 'b:' || g, 'closed', 'push', t.at, t.at + interval '3 seconds',
               (ARRAY['e_tricycle', 'fuel_tricycle', 'e_four_wheeler'])[1 + g % 3], '{}'::json, 0.8, 'unplated',
               true, :version, t.at
        FROM generate_series(1, :n) AS g
        CROSS JOIN LATERAL (SELECT CAST(:start AS timestamptz)
                            + ((g::bigint * 7919) % :n) * (:span / :n) * interval '1 second' AS at) AS t
        JOIN bench_cameras c ON c.k = g % 60
    """), {"n": sightings, "start": start, "span": DAYS * 86400.0,
           "version": weightless_version(session, "bench", "1", "bench rows").id})
    rule_id = session.scalar(text("SELECT id FROM restriction_rules"))
    slot_id = session.scalar(text("SELECT id FROM time_slots WHERE code = 'AM_PEAK'"))
    every = max(1, sightings // max(records, 1))
    session.execute(text("""
        INSERT INTO enforcement_records (record_no, sighting_id, camera_id, segment_id, district_id, rule_id,
            time_slot_id, action, vehicle_type, plate_state, captured_at, review_deadline, status, reasons,
            created_at, updated_at, version, reviewed_at, reviewed_by, unit_id, due_date, detector_version_id)
        SELECT 'B-' || s.id, s.id, s.camera_id, s.segment_id, s.district_id, :rule, :slot, 'warning', s.vehicle_type,
               s.plate_state, s.first_seen, s.first_seen + interval '10 days',
               (ARRAY['pending_review', 'confirmed', 'dismissed', 'assigned', 'actioned', 'closed'])[1 + s.id % 6],
               '[]'::json, s.first_seen, s.first_seen, 1,
               CASE WHEN s.id % 6 > 0 THEN s.first_seen + (s.id % 13) * interval '1 day' END, 'bench',
               (SELECT id FROM units ORDER BY id LIMIT 1 OFFSET s.district_id % 3),
               CAST(s.first_seen + interval '17 days' AS date), s.detector_version_id
        FROM sightings s WHERE s.id % :every = 0 ORDER BY s.id LIMIT :records
    """), {"rule": rule_id, "slot": slot_id, "every": every, "records": records})
    coverage_start = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=DAYS - coverage_days), dt.time(), TZ)
    session.execute(text("""
        INSERT INTO ingest_frames (frame_id, camera_id, captured_at, received_at, content_type, sha256, size, width,
                                   height, image_path, status, attempts, processed_at)
        SELECT 'f:' || c.id || ':' || m, c.id, t.at, t.at, 'image/jpeg', repeat('0', 64), 0, 1920, 1080,
               '00/00/' || repeat('0', 64) || '.jpg', 'done',
               1, t.at
        FROM bench_cameras c CROSS JOIN generate_series(0, :minutes - 1) AS m
        CROSS JOIN LATERAL (SELECT CAST(:start AS timestamptz) + m * interval '1 minute' AS at) AS t
    """), {"minutes": coverage_days * 1440, "start": coverage_start})


def queries(session: Session) -> dict:
    scope = resolve(session, StatsFilters(), ADMIN)
    last = FIRST_DAY + dt.timedelta(days=DAYS - 1)
    month = Period(last - dt.timedelta(days=27), last, TZ)
    week = Period(last - dt.timedelta(days=6), last, TZ)
    now = dt.datetime.combine(last, dt.time(23), TZ)
    return {
        "summary": lambda: figures.summary(session, month, scope, now),
        "summary_rate (7 d)": lambda: figures.summary(session, week, scope, now, rate=True),
        "timeseries day": lambda: figures.timeseries(session, month, scope, "day"),
        "breakdown segment": lambda: figures.breakdown(session, month, scope, ("segment",)),
        "breakdown time_slot": lambda: figures.breakdown(session, month, scope, ("time_slot",)),
        "heatmap": lambda: figures.heatmap(session, month, scope),
        "rectification": lambda: campaign.rectification(session, month, scope),
        "ranking": lambda: campaign.ranking(session, month, scope, now),
    }


def measure(sightings: int, records: int, coverage_days: int, repeat: int) -> dict[str, tuple[float, float]]:
    with tempfile.TemporaryDirectory() as workdir, fresh_database("postgresql", Path(workdir)) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        began = time.perf_counter()
        with transaction(factory) as session:
            build_city(session)
            generate(session, sightings, records, coverage_days)
            generated = time.perf_counter()
            rebuild(session)  # bulk SQL passes the rollup's hook by: count it once, in the same transaction
        print(f"  generated in {generated - began:.0f} s, rollup rebuilt in {time.perf_counter() - generated:.0f} s",
              flush=True)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        print(f"  {sightings:,} sightings, {records:,} records loaded in {time.perf_counter() - began:.0f} s",
              flush=True)
        results = {}
        with factory() as session:
            for name, run in queries(session).items():
                run()  # warm the caches once
                times = []
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    run()
                    times.append((time.perf_counter() - t0) * 1000)
                times.sort()
                results[name] = (statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)])
        engine.dispose()
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sightings", type=int, default=10_000_000)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--divisor", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--coverage-days", type=int, default=14)
    args = parser.parse_args()
    scales = [(args.sightings // args.divisor, args.records // args.divisor), (args.sightings, args.records)]
    measured = []
    for sightings, records in scales:
        print(f"scale {sightings:,} sightings:", flush=True)
        measured.append(measure(sightings, records, args.coverage_days, args.repeat))
        for name, (p50, p95) in measured[-1].items():  # as it comes: a long second scale may not finish
            print(f"  {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
    small, large = measured
    print(f"\n| query | p50 ms @{scales[0][0]:,} | p95 ms @{scales[0][0]:,} | p50 ms @{scales[1][0]:,} | "
          f"p95 ms @{scales[1][0]:,} | cost ratio (p50) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in small:
        ratio = large[name][0] / small[name][0] if small[name][0] else float("nan")
        print(f"| {name} | {small[name][0]:.1f} | {small[name][1]:.1f} | {large[name][0]:.1f} | "
              f"{large[name][1]:.1f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
