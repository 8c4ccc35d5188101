"""The Redis the scale-out tests use (127.0.0.1:6379), with a unique key prefix per test, and a private one to restart."""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.support.data import unavailable
from tests.support.processes import ServerProcess, free_port

REDIS_URL = os.environ.get("TRAFFIC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis() -> None:
    """Fail in CI, skip elsewhere, when Redis cannot be reached."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at {REDIS_URL} is not reachable (mandatory in CI): {exc}")
    finally:
        client.close()


@contextmanager
def redis_prefix() -> Iterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards."""
    require_redis()
    prefix = f"traffic-test-{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


class PrivateRedis(ServerProcess):
    """A redis-server of the test's own on a free port, keeping nothing on disk like the CI's: a test may kill and
    restart it (losing every stream and group, as a real restart does) without disturbing the shared one."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed (mandatory in CI)")
        self.port = free_port()
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", str(workdir)]
        super().__init__(command, ready="Ready to accept connections", what="the test's redis-server")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"
