"""Push-ingest speed over real HTTP, on SQLite and on PostgreSQL.

1. Acceptance (queueing only): uvicorn on 127.0.0.1 serving the app with no workers; a bounded client keeps
   --concurrency keep-alive connections busy, each sending one multipart snapshot at a time (real JPEGs of camera
   footage, ~150 kB each); reported: frames accepted per second and p50/p99 latency (request sent -> 202 read).
2. End to end: the same server with its embedded worker (database queue), or, with --redis, `traffic worker`
   processes on a Redis stream; frames are posted as fast as they are accepted and the clock stops when the last
   one is done in the database; reported: frames per second through the real pipeline and recorder, and its ratio
   to a bare ultralytics predict loop over the same decoded frames with the same model and arguments, timed in
   this process just before and just after (the mean of the two).

    PYTHONPATH=. python bench/ingest.py [--requests 1500] [--concurrency 8] [--backends sqlite,postgresql]
                                        [--e2e-frames 40] [--redis] [--skip-e2e | --skip-accept]

The client is a minimal HTTP/1.1 writer over asyncio streams with prepared requests, so that on a 2-core machine
it takes as little CPU as possible away from the server it measures.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import cv2
import httpx
from sqlalchemy import func, select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models import IngestFrame  # noqa: E402
from tests.support.databases import fresh_database  # noqa: E402
from traffic import migrate  # noqa: E402
from traffic.cli.config import apply_city_file  # noqa: E402
from traffic.db import make_engine, make_session_factory, transaction  # noqa: E402
from traffic.services.camera_keys import issue_key  # noqa: E402

DATA = REPO / ".." / "shared" / "data"
DEMO_VIDEO = REPO / "traffic" / "demo" / "demo.mp4"
STREET_VIDEO = DATA / "video_jakarta_street_traffic" / "jakarta_street_traffic_20s.mp4"
COCO_MODEL = DATA / "yolo11n_coco_int8_openvino" / "yolo11n_int8_openvino_model"
CITY = REPO / "traffic" / "demo" / "city.yaml"
CAMERAS = ("CAM-001", "CAM-002")
BOUNDARY = "bench-boundary-7d1f"
START = dt.datetime(2023, 6, 5, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def app_from_env():
    """uvicorn --factory entry point: the app as `traffic serve` builds it, from TRAFFIC_* variables."""
    from traffic.app import create_app
    from traffic.settings import Settings

    return create_app(Settings(), run_workers=True)


def footage(count: int, stride: int) -> tuple[Path, list[tuple[bytes, dt.datetime]]]:
    """``count`` JPEG snapshots (every ``stride``-th frame) of the demo footage, or of the street clip without it."""
    video = DEMO_VIDEO if DEMO_VIDEO.exists() else STREET_VIDEO
    capture = cv2.VideoCapture(str(video))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    shots, index = [], 0
    while len(shots) < count:
        ok, image = capture.read()
        if not ok:
            break
        if index % stride == 0:
            shots.append((cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes(),
                          START + dt.timedelta(seconds=index / fps)))
        index += 1
    capture.release()
    return video, shots


def request_bytes(port: int, key: str, camera: str, frame_id: str, jpeg: bytes, at: dt.datetime) -> bytes:
    fields = [("camera", camera), ("captured_at", at.isoformat()), ("frame_id", frame_id)]
    body = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ) + (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="f.jpg"\r\n'
         f"Content-Type: image/jpeg\r\n\r\n").encode() + jpeg + f"\r\n--{BOUNDARY}--\r\n".encode()
    head = (f"POST /api/v1/ingest/frames HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Camera-Key: {key}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[bytes, dict[bytes, bytes], bytes]:
    """(status line, headers by lower-case name, body) of one HTTP/1.1 response that has a Content-Length."""
    status = await reader.readline()
    if not status:
        raise ConnectionResetError("the server closed the connection")
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, await reader.readexactly(int(headers.get(b"content-length", 0)))


async def _connection(port: int, requests, latencies: list[float]) -> None:
    """Send each (due time or None, request) in turn; latency counts from the due time when there is one."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        async for due, request in requests:
            started = due if due is not None else time.perf_counter()
            writer.write(request)
            await writer.drain()
            status, _headers, body = await read_response(reader)
            latencies.append(time.perf_counter() - started)
            if b" 202 " not in status:
                raise RuntimeError(f"unexpected answer {status!r}: {body[:200]!r}")
    finally:
        writer.close()


def send_all(port: int, requests: list[bytes], concurrency: int, rate: float | None = None
             ) -> tuple[float, list[float]]:
    """Send every request over ``concurrency`` keep-alive connections; (elapsed seconds, latencies).

    Without ``rate``: closed loop, each connection sends its next request when the previous is answered (maximum
    throughput). With ``rate``: open loop, request i is due at start + i/rate whether or not the server keeps up,
    and its latency counts from then, so time spent waiting for a free connection is included.
    """
    latencies: list[float] = []

    async def main() -> float:
        started = time.perf_counter()
        pending = iter(enumerate(requests))
        lock = asyncio.Lock()

        async def next_request():
            while True:
                async with lock:  # one connection at a time takes the next due request
                    item = next(pending, None)
                    if item is None:
                        return
                    index, request = item
                    due = None
                    if rate:
                        due = started + index / rate
                        await asyncio.sleep(max(0.0, due - time.perf_counter()))
                yield due, request

        await asyncio.gather(*(_connection(port, next_request(), latencies) for _ in range(concurrency)))
        return time.perf_counter() - started

    return asyncio.run(main()), latencies


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def prepared_database(backend: str, workdir: Path):
    """A fresh database with the demo city and a key per bench camera: (url, engine, {camera: key})."""
    workdir.mkdir(parents=True, exist_ok=True)
    with fresh_database(backend, workdir) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        apply_city_file(engine, CITY, prune=False)
        with transaction(make_session_factory(engine)) as session:
            keys = {camera: issue_key(session, camera) for camera in CAMERAS}
        try:
            yield url, engine, keys
        finally:
            engine.dispose()


class Process:
    """A child process (the server or a worker) that is stopped with SIGTERM."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log.open("wb")
        self.process = subprocess.Popen(args, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def start_server(env: dict[str, str], port: int, log: Path) -> Process:
    server = Process([sys.executable, "-m", "uvicorn", "bench.ingest:app_from_env", "--factory", "--host",
                      "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"], env, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.process.poll() is not None:
            break
        time.sleep(0.1)  # waiting for the server to listen
    server.stop()
    raise RuntimeError(f"server did not start: {log.read_text(errors='replace')[-2000:]}")


def base_env(url: str, workdir: Path, args) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TRAFFIC_ENV": "test", "TRAFFIC_DATABASE_URL": url,
           "TRAFFIC_DATA_DIR": str(workdir / "data"), "TRAFFIC_MODEL_PATH": str(args.model),
           "TRAFFIC_READ_PLATES": "true" if args.plates else "false"}
    if args.class_map:
        env["TRAFFIC_CLASS_MAP_PATH"] = str(args.class_map)
    return env


def measure_acceptance(backend: str, shots, args, workdir: Path) -> list[tuple[str, float, float, float]]:
    """(label, frames/s, p50 ms, p99 ms) for the closed loop and the open loop at --rate."""
    with prepared_database(backend, workdir) as (url, _engine, keys):
        port = free_port()
        env = {**base_env(url, workdir, args), "TRAFFIC_EMBEDDED_WORKERS": "0"}
        server = start_server(env, port, workdir / f"server-{backend}.log")
        try:
            def batch(tag: str, count: int) -> list[bytes]:
                return [request_bytes(port, keys[CAMERAS[0]], CAMERAS[0], f"{tag}-{i}", *shots[i % len(shots)])
                        for i in range(count)]

            send_all(port, batch("warm", 100), args.concurrency)
            results = []
            for label, rate in (("max", None), (f"at {args.rate:g}/s", args.rate)):
                requests = batch("max" if rate is None else "open", args.requests)
                elapsed, latencies = send_all(port, requests, args.concurrency, rate)
                quantiles = statistics.quantiles(latencies, n=100)
                results.append((label, args.requests / elapsed, quantiles[49] * 1000, quantiles[98] * 1000))
        finally:
            server.stop()
    return results


def _done(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(
            select(func.count()).select_from(IngestFrame).where(IngestFrame.status.in_(("done", "failed")))
        )


def measure_end_to_end(backend: str, shots, args, workdir: Path, redis: bool) -> float:
    cameras = CAMERAS if redis else CAMERAS[:1]
    with prepared_database(backend, workdir) as (url, engine, keys), ExitStack() as stack:
        port = free_port()
        env = base_env(url, workdir, args)
        if redis:
            env.update(TRAFFIC_QUEUE_URL=args.redis_url, TRAFFIC_QUEUE_PREFIX=f"bench-{uuid.uuid4().hex[:8]}",
                       TRAFFIC_EMBEDDED_WORKERS="0")
            for n in range(args.redis_workers):
                worker = Process([sys.executable, "-m", "traffic.cli.main", "worker"], env, workdir / f"w{n}.log")
                stack.callback(worker.stop)
        server = start_server(env, port, workdir / f"server-e2e-{backend}.log")
        stack.callback(server.stop)
        # One frame per camera first, so the model is loaded everywhere before the clock starts.
        warm = [request_bytes(port, keys[c], c, f"warm-{c}", *shots[0]) for c in cameras]
        send_all(port, warm, len(warm))
        wait_until(lambda: _done(engine) >= len(warm), 300)
        frames = [request_bytes(port, keys[c], c, f"e2e-{c}-{i}", *shot)
                  for i, shot in enumerate(shots[1:]) for c in cameras]
        started = time.perf_counter()
        send_all(port, frames, min(args.concurrency, len(cameras)))
        wait_until(lambda: _done(engine) >= len(warm) + len(frames), 900)
        return len(frames) / (time.perf_counter() - started)


def bare_predict_rate(model: Path, shots) -> float:
    """Frames/s of ultralytics' predict alone on the decoded frames, one at a time, as the worker's detector calls it."""
    from detection.detector import Detector
    from traffic.workers.frames import decode_image

    detector = Detector(model)
    args = detector.predict_args()
    images = [decode_image(jpeg) for jpeg, _ in shots]
    detector.model.predict(images[0], **args)
    started = time.perf_counter()
    for image in images:
        detector.model.predict(image, **args)
    return len(images) / (time.perf_counter() - started)


def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out waiting for the workers")
        time.sleep(0.05)  # polling the database for progress


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=8, help="connections (the client's bound)")
    parser.add_argument("--rate", type=float, default=200.0, help="offered frames/s of the open-loop run")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--e2e-frames", type=int, default=40)
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--skip-accept", action="store_true", help="end to end only")
    parser.add_argument("--redis", action="store_true", help="also end to end with `traffic worker` on Redis")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--redis-workers", type=int, default=2)
    parser.add_argument("--model", type=Path, default=None,
                        help="default: the starter model, else the demo model, else COCO yolo11n")
    parser.add_argument("--class-map", type=Path, default=None)
    parser.add_argument("--plates", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    demo_model = REPO / "traffic" / "demo" / "demo_model.pt"
    starter = REPO / "traffic" / "demo" / "starter.pt"
    if args.model is None:
        args.model = next((m for m in (starter, demo_model) if m.exists()), COCO_MODEL)
    if args.model == COCO_MODEL and args.class_map is None:
        args.class_map = workdir / "class_map.yaml"
        args.class_map.write_text("car: e_four_wheeler\nmotorcycle: e_tricycle\n", encoding="utf-8")
    if args.plates is None:
        args.plates = args.model in (starter, demo_model)

    video, shots = footage(60, 2)
    size = sum(len(s[0]) for s in shots) / len(shots) / 1024
    print(f"footage: {video.name}, {len(shots)} distinct snapshots, mean {size:.0f} kB; model {args.model.name}, "
          f"plates {'on' if args.plates else 'off'}; {os.cpu_count()} CPUs")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for backend in backends if not args.skip_accept else ():
        for label, rate, p50, p99 in measure_acceptance(backend, shots, args, workdir / f"accept-{backend}"):
            print(f"accept  {backend:10} {label:10} {rate:7.1f} frames/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                  f"({args.requests} requests, {args.concurrency} connections)")
    if args.skip_e2e:
        return
    e2e_shots = shots[: args.e2e_frames + 1]
    for backend in backends:
        before = bare_predict_rate(args.model, e2e_shots[1:])
        rate = measure_end_to_end(backend, e2e_shots, args, workdir / f"e2e-{backend}", redis=False)
        bare = (before + bare_predict_rate(args.model, e2e_shots[1:])) / 2
        print(f"e2e     {backend:10} {rate:7.2f} frames/s  (embedded worker, database queue, 1 camera, "
              f"{len(e2e_shots) - 1} frames); bare predict {bare:.2f} frames/s; ratio {rate / bare:.2f}")
    if args.redis and "postgresql" in backends:
        rate = measure_end_to_end("postgresql", e2e_shots, args, workdir / "e2e-redis", redis=True)
        print(f"e2e     postgresql {rate:7.2f} frames/s  (Redis, {args.redis_workers} `traffic worker`, 2 cameras, "
              f"{2 * (len(e2e_shots) - 1)} frames)")


if __name__ == "__main__":
    main()
