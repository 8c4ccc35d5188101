"""A real RTSP camera for the tests: tests/support/rtsp_server.py run by Debian's python3 on a free local port.

GStreamer and its Python bindings are test tools (.ci/run installs them): in CI a missing piece fails the test,
elsewhere it skips it with the reason.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.data import unavailable
from tests.support.processes import ServerProcess, free_port

SERVER = Path(__file__).with_name("rtsp_server.py")
SYSTEM_PYTHON = Path("/usr/bin/python3")  # Debian's, with the gi bindings; the project's venv has none


def require_gstreamer() -> None:
    """Fail in CI, skip elsewhere, when the RTSP test server cannot run here."""
    if not SYSTEM_PYTHON.exists():
        unavailable(f"{SYSTEM_PYTHON} is missing: the RTSP test camera needs Debian's python3 (mandatory in CI)")
    check = subprocess.run([str(SYSTEM_PYTHON), str(SERVER), "--check"], capture_output=True, text=True, timeout=60)
    if check.returncode != 0:
        unavailable("the RTSP test camera needs GStreamer (mandatory in CI; .ci/run installs python3-gst-1.0, "
                    f"gir1.2-gst-rtsp-server-1.0 and the plugins): {check.stderr.strip()}")


class RtspCamera(ServerProcess):
    """The camera; `restart` kills it (as a camera losing power) and starts it again on the same port."""

    def __init__(self, video: Path) -> None:
        self.port = free_port()
        command = [str(SYSTEM_PYTHON), str(SERVER), "--port", str(self.port), "--video", str(video)]
        super().__init__(command, ready=f"listening {self.port}", what="the RTSP test camera")

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/demo"
