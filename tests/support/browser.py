"""Browser-test support: the app served by uvicorn on a free port over a fresh, committed database; Debian's
Chromium driven by Playwright; axe-core taken from the npm registry's own package."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from tests.support.data import unavailable
from traffic import app as app_module
from traffic.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
AXE_VERSION = "4.10.3"
AXE_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "traffic-tests" / f"axe-core-{AXE_VERSION}"


def require_chromium() -> Path:
    if not CHROMIUM.is_file():
        unavailable(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)")
    return CHROMIUM


@cache
def axe_source() -> str:
    """axe.min.js from the npm package axe-core (fetched once with `npm pack`, kept in the user's cache)."""
    target = AXE_CACHE / "axe.min.js"
    if not target.is_file():
        npm = shutil.which("npm")
        if npm is None:
            unavailable("npm is needed once to fetch axe-core for the accessibility checks")
        with tempfile.TemporaryDirectory() as work:
            subprocess.run([npm, "pack", f"axe-core@{AXE_VERSION}", "--silent"], cwd=work, check=True,
                           capture_output=True, timeout=120)
            with tarfile.open(Path(work) / f"axe-core-{AXE_VERSION}.tgz") as archive:
                member = archive.extractfile("package/axe.min.js")
                data = member.read()
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return target.read_text(encoding="utf-8")


def run_axe(page) -> list[dict]:
    """The serious and critical axe-core violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())  # evaluated over the DevTools protocol, which the page's CSP does not govern
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@cache
def _route_paths() -> frozenset[str]:
    app = app_module.create_app(Settings(env="test", database_url="sqlite://", data_dir=Path(tempfile.gettempdir())))
    return frozenset(app.openapi()["paths"])  # routers included in routers do not list their routes in app.routes


def app_has_route(path: str) -> bool:
    return path in _route_paths()


def lifecycle_routes_exist() -> bool:
    """Whether this build has the lifecycle API (issue 8): the review decisions need it."""
    return any(p.startswith("/api/v1/records/") and p.endswith("/transitions") for p in _route_paths())


@dataclass
class LiveServer:
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(app: FastAPI) -> LiveServer:
    """Serve the app in a thread; returns once uvicorn accepts connections."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    # uvicorn sets `started` from its own loop; wait on the thread rather than guess a delay.
    while not server.started and thread.is_alive():
        started.wait(0.02)
    if not server.started:
        raise RuntimeError("uvicorn did not start")
    return LiveServer(f"http://127.0.0.1:{port}", server, thread)
