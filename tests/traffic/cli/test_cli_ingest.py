"""`traffic ingest video|images`: pulled footage becomes sightings and records, and pulling it again adds nothing."""
from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from models import EnforcementRecord, Sighting
from tests.support.footage import DEMO_DIR, require
from traffic.cli.main import app
from traffic.db import make_engine, make_session_factory

pytestmark = pytest.mark.slow
START = "2023-07-03T07:58:00+08:00"


@pytest.fixture()
def demo_city(database: str, cli):
    require(DEMO_DIR / "demo.mp4", DEMO_DIR / "demo_model.pt")
    result = cli("demo", "--no-serve", "--no-video", "--no-history")
    assert result.exit_code == 0, result.output
    engine = make_engine(database)
    yield make_session_factory(engine)
    engine.dispose()


def _counts(factory) -> tuple[int, int]:
    with factory() as session:
        sightings = session.scalar(select(func.count()).select_from(Sighting))
        records = session.scalar(select(func.count()).select_from(EnforcementRecord))
    return sightings, records


def test_ingest_video_records_the_restricted_passes_once(demo_city) -> None:
    args = ["ingest", "video", str(DEMO_DIR / "demo.mp4"), "--camera", "CAM-001", "--start", START]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "180 frames, 8 sightings, 7 new records" in first.output
    assert _counts(demo_city) == (8, 7)
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and "0 new records" in again.output
    assert _counts(demo_city) == (8, 7)
    verify = CliRunner().invoke(app, ["evidence", "verify", "20230703-S-RM-01-0001"])
    assert verify.exit_code == 0, verify.output


def test_ingest_images_takes_times_from_file_names(demo_city, tmp_path: Path) -> None:
    folder = tmp_path / "snapshots"
    folder.mkdir()
    capture = cv2.VideoCapture(str(DEMO_DIR / "demo.mp4"))
    for index in range(0, 80):
        ok, image = capture.read()
        assert ok
        # 10 frames a second from 07:58:00 local time, named the way many cameras name their snapshots
        cv2.imwrite(str(folder / f"CAM-001_20230703_0758{index // 10:02d}{(index % 10) * 100:03d}.jpg"), image)
    capture.release()
    result = CliRunner().invoke(app, ["ingest", "images", str(folder), "--camera", "CAM-001",
                                      "--timestamps", "filename"])
    assert result.exit_code == 0, result.output
    sightings, records = _counts(demo_city)
    assert sightings >= 2 and records >= 1
    with demo_city() as session:
        first = session.scalar(select(func.min(Sighting.first_seen)))
    assert first.isoformat().startswith("2023-07-02T23:58:0")  # 07:58 in Shanghai, stored in UTC


def test_unknown_camera_and_bad_start_are_clear_errors(demo_city) -> None:
    unknown = CliRunner().invoke(app, ["ingest", "video", str(DEMO_DIR / "demo.mp4"), "--camera", "NOPE",
                                       "--start", START])
    assert unknown.exit_code == 2 and "camera 'NOPE' does not exist" in unknown.output
    bad = CliRunner().invoke(app, ["ingest", "video", str(DEMO_DIR / "demo.mp4"), "--camera", "CAM-001",
                                   "--start", "yesterday"])
    assert bad.exit_code == 2 and "ISO 8601" in bad.output
