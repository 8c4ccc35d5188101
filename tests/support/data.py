"""Real test data lives outside the repository (../shared/data) or is built by the project; when it is missing, the
test fails in CI and is skipped, with the reason, elsewhere."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(message: str) -> None:
    """Fail in CI, skip elsewhere."""
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def require(*paths: Path) -> Path:
    """Check that every path exists and return the first one."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        unavailable(f"real test data missing: {', '.join(missing)}")
    return paths[0]
