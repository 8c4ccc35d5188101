"""Evidence packages on a machine with no system fonts: the CJK font must arrive with the Python install.

The evidence tests run again in a private mount namespace where /usr/share/fonts is an empty tmpfs and
TRAFFIC_CJK_FONT is unset, the way a fresh Debian machine looks (issue 7: the README's first command stopped
halfway with "no font with Chinese glyphs"). Needs root and `unshare`: CI has both; elsewhere it is skipped.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.data import unavailable
from traffic.services.evidence_font import FONT_ENV

ROOT = Path(__file__).resolve().parents[3]
FONT_PROBE = (
    "from traffic.services.evidence_font import find_cjk_font, load_font; "
    "path = find_cjk_font(); print(path); print(load_font(path, 20).getname()[0])"
)


def _without_system_fonts(*command: str) -> subprocess.CompletedProcess[str]:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        unavailable("a private mount namespace needs root and unshare (util-linux)")
    env = {key: value for key, value in os.environ.items() if key != FONT_ENV}
    env.update(PYTHONPATH=str(ROOT), TRAFFIC_TEST_BACKENDS="sqlite")
    script = 'mount -t tmpfs none /usr/share/fonts && test -z "$(ls -A /usr/share/fonts)" && exec "$@"'
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *command], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def test_the_bundled_font_draws_chinese_with_no_system_fonts() -> None:
    result = _without_system_fonts(sys.executable, "-c", FONT_PROBE)
    assert result.returncode == 0, result.stderr
    path, family = result.stdout.split("\n")[:2]
    assert "site-packages" in path or "dist-packages" in path  # installed with the package, not by apt
    assert family == "Noto Sans CJK SC"  # the Simplified Chinese face of the collection, not JP or KR


def test_the_evidence_writer_works_with_no_system_fonts() -> None:
    result = _without_system_fonts(
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/traffic/services/test_evidence.py",
        "-k", "package_holds or unplated or one_byte",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "3 passed" in result.stdout
