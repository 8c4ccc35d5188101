"""Load and soak: `traffic serve` on PostgreSQL with its workers, cameras pushing frames and reviewers working the
queue at the same time, for minutes on end.

1. Setup: a fresh PostgreSQL database with the demo city, a few days of demo history (thousands of records pending
   review) and --cameras extra cameras (SOAK-001...) on the city's segments, each with a key; --reviewers accounts
   (the first a supervisor, the others reviewers of the districts that have records to review).
2. Push (--minutes): every camera posts a real JPEG of the demo footage every 1/--fps s over its own keep-alive
   connection (open loop: latency counts from the moment a frame is due); every reviewer signs in and works the
   queue with 1-3 s of thought between steps: the list, a record, now and then its evidence, a decision (confirm,
   or dismiss with a reason), now and then the statistics summary. Two reviewers deciding one record: one gets 409,
   counted as a conflict, not an error. The server's RSS (with any children) is sampled every 10 s.
3. Drain (up to --drain-minutes): the workers go on until no soak frame is queued or processing.
4. Check: every frame acknowledged with 202 is in ingest_frames exactly once, and nothing else is there.

    PYTHONPATH=. python bench/soak.py [--minutes 10] [--cameras 50] [--fps 1] [--reviewers 20] [--workers 1]
                                      [--drain-minutes 5] [--model PATH] [--json FILE]

Reported: per route count, rate, p50/p99 and errors (5xx, connection errors, unexpected 4xx, and for frames anything
but 202, a 503 included); frames processed per second during the push and the drain and the backlog left; memory
growth from the end of the warm-up (the first minute) to the end of the push. Targets: no error, no frame lost or
duplicated, memory growth under 10%; the exit status is 1 when any of them is missed. One embedded
worker on a small machine cannot detect at 50 frames/s: the backlog is part of the result, not a failure.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import yaml
from sqlalchemy import text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.ingest import CITY, Process, footage, free_port, read_response, request_bytes, wait_until  # noqa: E402
from models import Role  # noqa: E402
from tests.support.auth import TEST_PASSWORD, TEST_PASSWORD_COST, make_user  # noqa: E402
from tests.support.databases import fresh_database  # noqa: E402
from traffic import migrate  # noqa: E402
from traffic.cli.config import apply_city_file  # noqa: E402
from traffic.db import make_engine, make_session_factory, transaction  # noqa: E402
from traffic.services.camera_keys import issue_key  # noqa: E402
from traffic.services.demo_history import seed_history  # noqa: E402
from traffic.services.operations import WAITING  # noqa: E402
from traffic.settings import Settings  # noqa: E402

FRAME_ROUTE = "POST /api/v1/ingest/frames"
HISTORY_DAYS = 3  # recent days only: most of their records are still pending review
DISMISS_REASONS = ("false_detection", "poor_evidence", "duplicate")  # the ones that need no other field
WARM_UP_S = 60.0
SAMPLE_EVERY_S = 10.0
MAX_MEMORY_GROWTH = 0.10


@dataclass
class Tally:
    """Every request's route, status and latency, and what the cameras and reviewers got done."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)  # frame ids, whatever the answer
    accepted: set[str] = field(default_factory=set)  # frame ids answered 202
    duplicate_acks: int = 0
    decisions: Counter = field(default_factory=Counter)

    def add(self, route: str, outcome: int | str, seconds: float, error: bool, detail: str = "") -> None:
        self.latencies[route].append(seconds)
        self.statuses[route][str(outcome)] += 1
        if error:
            self.errors[route] += 1
            if len(self.error_samples) < 10:
                self.error_samples.append(f"{route} -> {outcome} {detail[:200]}")


def prepare(engine, workdir: Path, args) -> tuple[dict[str, str], list[str], tuple[dt.date, dt.date]]:
    """The city, its history, the soak cameras and reviewers: ({camera: key}, usernames, history period)."""
    apply_city_file(engine, CITY, prune=False)
    city = yaml.safe_load(CITY.read_text(encoding="utf-8"))
    tz = ZoneInfo(city["timezone"])
    today = dt.datetime.now(tz).date()
    period = (today - dt.timedelta(days=HISTORY_DAYS), today - dt.timedelta(days=1))
    records = max(2000, 30 * args.reviewers * int(args.minutes + 1))
    # History before the soak cameras exist, so that its seeded frames all belong to the demo cameras.
    with transaction(make_session_factory(engine)) as session:
        seed_history(session, records=records, sightings=3 * records, start=period[0], end=period[1], seed=1,
                     default_timezone=tz.key)
    zone = next(c["zone"] for c in city["cameras"] if c.get("zone"))
    segments = [s["code"] for s in city["segments"]]
    codes = [f"SOAK-{n:03d}" for n in range(1, args.cameras + 1)]
    city["cameras"] += [{"code": code, "name": f"压测相机{n}", "segment": segments[n % len(segments)],
                         "direction": "eastbound", "zone": zone} for n, code in enumerate(codes)]
    soak_city = workdir / "city.yaml"
    soak_city.write_text(yaml.safe_dump(city, allow_unicode=True, sort_keys=False), encoding="utf-8")
    apply_city_file(engine, soak_city, prune=False)
    with transaction(make_session_factory(engine)) as session:
        keys = {code: issue_key(session, code) for code in codes}
        pending = session.execute(text(
            "SELECT d.code FROM enforcement_records r JOIN districts d ON d.id = r.district_id "
            "WHERE r.status = 'pending_review' GROUP BY d.code HAVING count(*) >= 50 ORDER BY count(*) DESC")).scalars()
        districts = list(pending) or ["D1"]
        usernames = [f"soak-reviewer-{n:02d}" for n in range(1, args.reviewers + 1)]
        make_user(session, Role.SUPERVISOR, username=usernames[0])
        for n, name in enumerate(usernames[1:]):
            make_user(session, Role.REVIEWER, [districts[n % len(districts)]], username=name)
    return keys, usernames, period


def start_server(url: str, workdir: Path, args) -> tuple[Process, int]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "TRAFFIC_DATABASE_URL": url,
           "TRAFFIC_DATA_DIR": str(workdir / "data"), "TRAFFIC_EMBEDDED_WORKERS": str(args.workers),
           **{f"TRAFFIC_{name.upper()}": str(value) for name, value in TEST_PASSWORD_COST.items()}}
    if args.model:
        env["TRAFFIC_MODEL_PATH"] = str(args.model)
    server = Process([sys.executable, "-m", "traffic.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
                      "--no-migrate"], env, workdir / "server.log")

    def answers(path: str) -> bool:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited: {(workdir / 'server.log').read_text(errors='replace')[-3000:]}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(lambda: answers("/healthz"), 120)
        wait_until(lambda: answers("/readyz"), 600)  # the workers' model has loaded
    except Exception:
        server.stop()
        raise
    return server, port


async def camera_loop(index: int, code: str, key: str, port: int, shots, args, started: float, stop_at: float,
                      tally: Tally) -> None:
    interval = 1.0 / args.fps
    first_due = started + interval * index / args.cameras  # spread the cameras over the interval
    connection = None
    for n in range(int((stop_at - first_due) / interval) + 1):
        due = first_due + n * interval
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        frame_id = f"{code}-{n:06d}"
        request = request_bytes(port, key, code, frame_id, shots[(index + n) % len(shots)][0],
                                dt.datetime.now(dt.timezone.utc))
        tally.sent.append(frame_id)
        try:
            if connection is None:
                connection = await asyncio.open_connection("127.0.0.1", port)
            reader, writer = connection
            writer.write(request)
            await writer.drain()
            status_line, headers, body = await asyncio.wait_for(read_response(reader), 60)
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError) as exc:
            tally.add(FRAME_ROUTE, type(exc).__name__, time.perf_counter() - due, True, str(exc))
            if connection is not None:
                connection[1].close()
            connection = None
            continue
        status = int(status_line.split()[1])
        tally.add(FRAME_ROUTE, status, time.perf_counter() - due, status != 202,
                  f"{headers.get(b'retry-after', b'')!r} {body[:200]!r}")
        if status == 202:
            tally.accepted.add(frame_id)
            tally.duplicate_acks += json.loads(body).get("duplicate", False)
        if headers.get(b"connection", b"").lower() == b"close":
            connection[1].close()
            connection = None
    if connection is not None:
        connection[1].close()


async def call(client: httpx.AsyncClient, tally: Tally, route: str, url: str, expected=(200,),
               **kwargs) -> httpx.Response | None:
    """One request of ``route`` ("METHOD /template"), tallied; the answer if its status is an expected one."""
    started = time.perf_counter()
    try:
        response = await client.request(route.split()[0], url, **kwargs)
    except httpx.HTTPError as exc:
        tally.add(route, type(exc).__name__, time.perf_counter() - started, True, str(exc))
        return None
    status = response.status_code
    tally.add(route, status, time.perf_counter() - started, status not in expected, response.text)
    return response if status in expected else None


async def reviewer_loop(name: str, port: int, rng: random.Random, period, stop_at: float, tally: Tally) -> None:
    async def think() -> None:
        await asyncio.sleep(max(0.0, min(rng.uniform(1.0, 3.0), stop_at - time.perf_counter())))

    await asyncio.sleep(rng.uniform(0.0, 5.0))  # reviewers arrive over the first seconds, not all at one instant
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        signed_in = await call(client, tally, "POST /api/v1/auth/token", "/api/v1/auth/token", data={"username": name, "password": TEST_PASSWORD})
        if signed_in is None:
            return
        client.headers["Authorization"] = f"Bearer {signed_in.json()['access_token']}"
        steps = 0
        while time.perf_counter() < stop_at:
            steps += 1
            if steps % 8 == 0:
                await call(client, tally, "GET /api/v1/stats/summary", "/api/v1/stats/summary",
                           params={"from": period[0].isoformat(), "to": period[1].isoformat()})
                await think()
            page = await call(client, tally, "GET /api/v1/records", "/api/v1/records",
                              params={"status": "pending_review", "limit": 50})
            await think()
            if page is None or not page.json()["items"] or time.perf_counter() >= stop_at:
                continue
            ref = rng.choice(page.json()["items"])["id"]
            record = await call(client, tally, "GET /api/v1/records/{ref}", f"/api/v1/records/{ref}")
            await think()
            if record is None or time.perf_counter() >= stop_at:
                continue
            if rng.random() < 0.3:
                evidence = await call(client, tally, "GET /api/v1/records/{ref}/evidence",
                                      f"/api/v1/records/{ref}/evidence")
                if evidence is not None and evidence.json()["items"]:  # seeded history has no files; live records do
                    await call(client, tally, "GET /api/v1/records/{ref}/evidence/{name}",
                               evidence.json()["items"][0]["url"])
                await think()
            decision = {"to": "confirmed"} if rng.random() < 0.8 else \
                {"to": "dismissed", "reason": rng.choice(DISMISS_REASONS)}
            # 409: another reviewer decided it since we read it (stale version or no longer pending).
            done = await call(client, tally, "POST /api/v1/records/{ref}/transitions",
                              f"/api/v1/records/{ref}/transitions", expected=(200, 409),
                              json={**decision, "version": record.json()["version"]})
            if done is not None:
                tally.decisions[decision["to"] if done.status_code == 200 else "conflict (409)"] += 1
            await think()


def family_rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants, from /proc."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue  # the process has ended
    return total


class MemorySampler(threading.Thread):
    """(seconds since the push began, RSS in KiB) every SAMPLE_EVERY_S until stopped."""

    def __init__(self, pid: int, started: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.started, self.samples, self.stopped = pid, started, [], threading.Event()

    def run(self) -> None:
        while True:
            self.samples.append((time.perf_counter() - self.started, family_rss_kib(self.pid)))
            if self.stopped.wait(SAMPLE_EVERY_S):
                return


def frame_counts(engine, codes: list[str]) -> Counter:
    with engine.connect() as connection:
        return Counter(dict(connection.execute(text(
            "SELECT f.status, count(*) FROM ingest_frames f JOIN cameras c ON c.id = f.camera_id "
            "WHERE c.code = ANY(:codes) GROUP BY f.status"), {"codes": codes}).all()))


def check_frames(engine, codes: list[str], tally: Tally) -> dict:
    """Lost, duplicated and unexpected frames of the soak cameras, and where the stored ones are."""
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT f.frame_id, f.camera_id, f.captured_at, f.status FROM ingest_frames f "
            "JOIN cameras c ON c.id = f.camera_id WHERE c.code = ANY(:codes)"), {"codes": codes}).all()
    stored = Counter(row.frame_id for row in rows)
    same_shot = Counter((row.camera_id, row.captured_at) for row in rows)  # one capture stored under two ids
    sent = set(tally.sent)
    return {"rows": len(rows), "by_status": dict(Counter(row.status for row in rows)),
            "lost": len(tally.accepted - stored.keys()),
            "duplicated": sum(n - 1 for counter in (stored, same_shot) for n in counter.values() if n > 1),
            "unexpected": len(stored.keys() - sent),
            "stored_without_202": len((stored.keys() & sent) - tally.accepted)}


def logged_errors(log: Path) -> list[str]:
    """The server's ERROR and CRITICAL lines (JSON), and any traceback printed outside the log."""
    return [line for line in log.read_text(errors="replace").splitlines()
            if any(mark in line for mark in ('"level": "ERROR"', '"level": "CRITICAL"', "Traceback"))]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def summarize(args, tally: Tally, push_s: float, drain: dict, frames: dict, samples, load) -> dict:
    routes = {route: {"count": len(times), "per_s": len(times) / push_s, "p50_ms": percentile(times, 0.5) * 1000,
                      "p99_ms": percentile(times, 0.99) * 1000, "errors": tally.errors[route],
                      "statuses": dict(tally.statuses[route])} for route, times in sorted(tally.latencies.items())}
    push_samples = [kib for at, kib in samples if at <= push_s + SAMPLE_EVERY_S / 2]
    warm = next((kib for at, kib in samples if at >= min(WARM_UP_S, push_s / 3)), push_samples[0])
    memory = {"warm_mib": warm / 1024, "end_of_push_mib": push_samples[-1] / 1024, "end_mib": samples[-1][1] / 1024,
              "growth": push_samples[-1] / warm - 1, "series_mib": [round(kib / 1024) for _, kib in samples]}
    errors = sum(tally.errors.values())
    return {"settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "model": str(args.model or Settings().model_path), "cpus": os.cpu_count(), "load_average": load,
            "push_s": push_s, "routes": routes, "errors": errors, "error_samples": tally.error_samples,
            "frames_sent": len(tally.sent), "frames_accepted": len(tally.accepted),
            "duplicate_acks": tally.duplicate_acks, "decisions": dict(tally.decisions),
            "drain": drain, "frames": frames, "memory": memory,
            "passed": errors == 0 and frames["lost"] == 0 and frames["duplicated"] == 0 and frames["unexpected"] == 0
            and memory["growth"] < MAX_MEMORY_GROWTH}


def report(result: dict) -> str:
    s, drain, frames, memory = result["settings"], result["drain"], result["frames"], result["memory"]
    lines = [f"soak: {s['cameras']} cameras x {s['fps']:g} fps for {result['push_s'] / 60:.1f} min, "
             f"{s['reviewers']} reviewers, {s['workers']} embedded worker(s), PostgreSQL; model {result['model']}",
             f"machine: {result['cpus']} CPUs, load average {result['load_average']['start']} at the start, "
             f"{result['load_average']['end']} at the end",
             f"{'route':42} {'count':>7} {'per s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}  statuses"]
    for route, r in result["routes"].items():
        statuses = " ".join(f"{k}:{v}" for k, v in sorted(r["statuses"].items()))
        lines.append(f"{route:42} {r['count']:7} {r['per_s']:7.2f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} "
                     f"{r['errors']:6}  {statuses}")
    lines += [f"errors: {result['errors']}" + "".join(f"\n  {e}" for e in result["error_samples"]),
              f"frames: sent {result['frames_sent']}, acknowledged 202 {result['frames_accepted']} "
              f"(of which duplicate {result['duplicate_acks']})",
              f"processing: {drain['push_rate']:.2f} frames/s during the push, {drain['drain_rate']:.2f} frames/s "
              f"during the drain; backlog {drain['backlog_at_push_end']} at the end of the push, "
              f"{drain['backlog_at_end']} after {drain['drain_s']:.0f} s of drain",
              f"database: {frames['rows']} soak frames "
              f"({', '.join(f'{k} {v}' for k, v in sorted(frames['by_status'].items()))}); lost {frames['lost']}, "
              f"duplicated {frames['duplicated']}, unexpected {frames['unexpected']}, "
              f"stored without a 202 {frames['stored_without_202']}",
              f"reviews: {', '.join(f'{k} {v}' for k, v in sorted(result['decisions'].items())) or 'none'}",
              f"memory (MiB every {SAMPLE_EVERY_S:g} s): {' '.join(map(str, memory['series_mib']))}",
              f"memory growth: {memory['growth']:+.1%} (after warm-up {memory['warm_mib']:.0f} MiB, end of push "
              f"{memory['end_of_push_mib']:.0f} MiB; after the drain {memory['end_mib']:.0f} MiB)",
              f"result: {'PASS' if result['passed'] else 'FAIL'} (targets: no error, nothing lost or duplicated; "
              f"memory growth under {MAX_MEMORY_GROWTH:.0%}: {'yes' if memory['growth'] < MAX_MEMORY_GROWTH else 'NO'})"]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the push")
    parser.add_argument("--cameras", type=int, default=50)
    parser.add_argument("--fps", type=float, default=1.0, help="frames per second per camera")
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="embedded worker threads (TRAFFIC_EMBEDDED_WORKERS)")
    parser.add_argument("--drain-minutes", type=float, default=5.0, help="most time the workers get afterwards")
    parser.add_argument("--model", type=Path, default=None, help="default: the server's (TRAFFIC_MODEL_PATH)")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    load = {"start": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    _, shots = footage(60, 4)
    with fresh_database("postgresql", workdir) as url, ExitStack() as stack:
        engine = make_engine(url)
        stack.callback(engine.dispose)
        migrate.upgrade(engine)
        keys, usernames, period = prepare(engine, workdir, args)
        codes = list(keys)
        server, port = start_server(url, workdir, args)
        stack.callback(server.stop)
        tally, rng = Tally(), random.Random(7)
        started = time.perf_counter()
        sampler = MemorySampler(server.process.pid, started)
        sampler.start()
        stop_at = started + args.minutes * 60

        async def push() -> None:
            await asyncio.gather(
                *(camera_loop(i, code, keys[code], port, shots, args, started, stop_at, tally)
                  for i, code in enumerate(codes)),
                *(reviewer_loop(name, port, random.Random(rng.random()), period, stop_at, tally)
                  for name in usernames))

        asyncio.run(push())
        push_s = time.perf_counter() - started
        at_push_end = counts = frame_counts(engine, codes)
        drain_started, drain_deadline = time.perf_counter(), time.perf_counter() + args.drain_minutes * 60
        while any(counts[s] for s in WAITING) and time.perf_counter() < drain_deadline:
            time.sleep(2)  # polling the queue while the workers drain it
            counts = frame_counts(engine, codes)
        drain_s = time.perf_counter() - drain_started
        sampler.stopped.set()
        sampler.join()
        finished = lambda c: c["done"] + c["failed"]  # noqa: E731
        drain = {"push_rate": finished(at_push_end) / push_s,
                 "drain_rate": (finished(counts) - finished(at_push_end)) / drain_s if drain_s >= 1 else 0.0,
                 "backlog_at_push_end": sum(at_push_end[s] for s in WAITING),
                 "backlog_at_end": sum(counts[s] for s in WAITING), "drain_s": drain_s}
        frames = check_frames(engine, codes, tally)
        load["end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        result = summarize(args, tally, push_s, drain, frames, sampler.samples, load)
    result["server_log_errors"] = logged_errors(workdir / "server.log")
    print(report(result))
    print(f"server log: {workdir / 'server.log'}: {len(result['server_log_errors'])} error lines"
          + "".join(f"\n  {line[:300]}" for line in result["server_log_errors"][:5]))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
