"""The wheel users install: the product's packages and demo files, none of the developer tools."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A build leaves build/ behind, and setuptools packs stale files from there: build from a clean copy.
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "var", "*.egg-info", "__pycache__",
                                     ".pytest_cache")


@dataclass(frozen=True)
class WheelBuild:
    names: list[str]
    metadata: str
    log: str  # pip -v shows the build backend's own output, warnings included


@pytest.fixture(scope="module")
def wheel_build(tmp_path_factory) -> WheelBuild:
    source = tmp_path_factory.mktemp("source") / "tree"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out),
         str(source)],
        capture_output=True, text=True, check=False,
    )
    log = build.stdout + build.stderr
    assert build.returncode == 0, log
    (wheel,) = out.glob("traffic_enforcement-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata_name,) = [name for name in names if name.endswith(".dist-info/METADATA")]
        return WheelBuild(names, archive.read(metadata_name).decode("utf-8"), log)


def test_the_wheel_ships_no_scene_generator_and_no_tools_package(wheel_build: WheelBuild) -> None:
    assert [name for name in wheel_build.names if "synth" in name.split("/")] == []
    assert [name for name in wheel_build.names if name.split("/")[0] == "tools"] == []


def test_the_wheel_ships_the_product_and_its_demo_model(wheel_build: WheelBuild) -> None:
    for expected in ("traffic/cli/main.py", "models/records.py", "detection/pipeline.py",
                     "detection/plate/grammar.py", "traffic/demo/demo_model.onnx", "traffic/demo/city.yaml",
                     "traffic/demo/starter.pt", "traffic/demo/starter_build.json", "detection/quantize.py"):
        assert expected in wheel_build.names


def test_the_licence_is_an_spdx_expression_and_our_metadata_warns_of_nothing(wheel_build: WheelBuild) -> None:
    assert "License-Expression: AGPL-3.0-or-later" in wheel_build.metadata
    assert "SetuptoolsDeprecationWarning" not in wheel_build.log
    assert "deprecated" not in wheel_build.log.lower()
