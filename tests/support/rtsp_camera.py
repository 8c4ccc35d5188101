"""A real RTSP camera for the tests: tests/support/rtsp_server.py run by Debian's python3 on a free local port.

GStreamer and its Python bindings are test tools (.ci/run installs them): in CI a missing piece fails the test,
elsewhere it skips it with the reason.
"""
from __future__ import annotations

import selectors
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.data import unavailable

SERVER = Path(__file__).with_name("rtsp_server.py")
SYSTEM_PYTHON = Path("/usr/bin/python3")  # Debian's, with the gi bindings; the project's venv has none
START_DEADLINE_S = 30.0


def require_gstreamer() -> None:
    """Fail in CI, skip elsewhere, when the RTSP test server cannot run here."""
    if not SYSTEM_PYTHON.exists():
        unavailable(f"{SYSTEM_PYTHON} is missing: the RTSP test camera needs Debian's python3 (mandatory in CI)")
    check = subprocess.run([str(SYSTEM_PYTHON), str(SERVER), "--check"], capture_output=True, text=True, timeout=60)
    if check.returncode != 0:
        unavailable("the RTSP test camera needs GStreamer (mandatory in CI; .ci/run installs python3-gst-1.0, "
                    f"gir1.2-gst-rtsp-server-1.0 and the plugins): {check.stderr.strip()}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RtspCamera:
    """The server process; `restart` kills it (as a camera losing power) and starts it again on the same port."""

    def __init__(self, video: Path, port: int | None = None) -> None:
        self.video = video
        self.port = port or free_port()
        self.process: subprocess.Popen[str] | None = None
        self.starts = 0
        self._log = tempfile.TemporaryFile("w+")  # its stderr: a pipe nobody reads would fill up and stall it

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/demo"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(SYSTEM_PYTHON), str(SERVER), "--port", str(self.port), "--video", str(self.video)],
            stdout=subprocess.PIPE, stderr=self._log, text=True,
        )
        line = self._first_line()
        if line.strip() != f"listening {self.port}":
            self.kill()
            self._log.seek(0)
            raise RuntimeError(f"the RTSP test camera did not start: {line!r} {self._log.read()}")
        self.starts += 1

    def kill(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()

    def restart(self) -> None:
        self.kill()
        self.start()

    def _first_line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + START_DEADLINE_S
            while not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                if time.monotonic() >= deadline:
                    return f"(nothing within {START_DEADLINE_S} s)"
        return self.process.stdout.readline()

    def __enter__(self) -> RtspCamera:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()
        self._log.close()
