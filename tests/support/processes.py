"""Servers a test runs as its own subprocesses (a camera, a Redis), on a free port, to kill and start again."""
from __future__ import annotations

import socket
import subprocess
import threading

START_DEADLINE_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``command`` started, and ready once it prints a line containing ``ready``; `kill` is a crash or a power cut.

    Its output is read all along by a thread (a pipe nobody reads would fill up and stall the server) and kept for
    the failure message.
    """

    def __init__(self, command: list[str], ready: str, what: str) -> None:
        self.command, self.ready, self.what = command, ready, what
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []
        self.starts = 0
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        came_up, seen = threading.Event(), []
        self._reader = threading.Thread(target=self._read, args=(self.process, came_up, seen), daemon=True)
        self._reader.start()
        if not came_up.wait(START_DEADLINE_S) or not seen:
            self.kill()
            tail = "".join(self.output)[-2000:]
            raise RuntimeError(f"{self.what} did not start within {START_DEADLINE_S} s: {self.command}\n{tail}")
        self.starts += 1

    def kill(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self._reader is not None:
            self._reader.join()
        self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()

    def _read(self, process: subprocess.Popen[str], came_up: threading.Event, seen: list[bool]) -> None:
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                self.output.append(line)
                if not came_up.is_set() and self.ready in line:
                    seen.append(True)
                    came_up.set()
        came_up.set()  # it exited without ever being ready: stop waiting

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()
