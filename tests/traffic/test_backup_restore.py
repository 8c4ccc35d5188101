"""Backup and restore (issue 12): scripts/backup.sh dumps PostgreSQL with the real pg_dump and archives the data
dir; after both are dropped, scripts/restore.sh brings them back into a new database and folder, and every record's
evidence package verifies, every frame reads back; a tampered restore or a damaged backup does not pass."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from detection.types import SightingEvent
from models import EnforcementRecord, IngestFrame
from tests.support.data import unavailable
from tests.support.databases import fresh_database
from tests.support.factories import SHANGHAI, detection_sighting, detector_version_row, frame_loader, make_city
from tests.support.footage import street_snapshots
from tests.support.ingest import apply_ingest_city
from traffic import migrate
from traffic.db import make_engine, make_session_factory, transaction
from traffic.services import events
from traffic.services.cameras import load_camera
from traffic.services.evidence import EvidenceWriter
from traffic.services.frame_store import LocalFrameStore, read_frame_bytes
from traffic.services.ingest import FrameSubmission, accept_frame
from traffic.services.recorder import Recorder, RulebookCache

ROOT = Path(__file__).resolve().parents[2]
KEY = "backup-test-key-0123456789abcdef"


def _populate(url: str, data_dir: Path) -> tuple[list[str], list[str]]:
    """Two records with sealed packages and three pushed frames, committed: (record numbers, frame ids)."""
    engine = make_engine(url)
    try:
        migrate.upgrade(engine, data_dir=data_dir)
        factory = make_session_factory(engine)
        writer = EvidenceWriter(data_dir / "evidence", KEY.encode())
        with transaction(factory) as session:
            city = make_city(session)
            recorder = Recorder(RulebookCache("Asia/Shanghai"), writer, events.emit,
                                detector_version_id=detector_version_row(session).id)
            camera = load_camera(session, city.camera.code)
            for minute in (40, 50):  # a Monday inside the 07:00-09:00 ban: each pass is a record
                vision = detection_sighting(camera.code, dt.datetime(2023, 6, 5, 7, minute, tzinfo=SHANGHAI),
                                            keep_images=False)
                recorder.apply(session, camera, [SightingEvent("ended", vision)], source="video",
                               track_prefix=f"t{minute}", frame_pk=None, images=frame_loader)
            key = apply_ingest_city(session)["CAM-A"]
            store = LocalFrameStore(data_dir / "frames")
            for number, snapshot in enumerate(street_snapshots(3)):
                accept_frame(session, FrameSubmission("CAM-A", key, snapshot.captured_at_text, snapshot.jpeg,
                                                      f"f-{number}"),
                             store=store, max_bytes=10**7, max_ahead_s=1e9, now=dt.datetime.now(dt.UTC))
        with factory() as session:
            return (list(session.scalars(select(EnforcementRecord.record_no).order_by(EnforcementRecord.id))),
                    list(session.scalars(select(IngestFrame.frame_id).order_by(IngestFrame.id))))
    finally:
        engine.dispose()


def _script(name: str, argument: Path, url: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRAFFIC_DATABASE_URL": url, "TRAFFIC_DATA_DIR": str(data_dir), "TRAFFIC_SECRET_KEY": KEY,
           "TRAFFIC_CMD": f"{sys.executable} -m traffic.cli.main", "PYTHONPATH": str(ROOT)}
    return subprocess.run(["bash", str(ROOT / "scripts" / name), str(argument)], env=env, capture_output=True,
                          text=True, timeout=300)


def test_a_restored_backup_verifies_every_record_and_a_tampered_one_does_not(tmp_path: Path) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        unavailable("pg_dump and pg_restore (PostgreSQL client) are not on PATH (mandatory in CI)")
    original, backup = tmp_path / "data", tmp_path / "backup"
    with fresh_database("postgresql", tmp_path) as url:
        records, frames = _populate(url, original)
        done = _script("backup.sh", backup, url, original)
        assert done.returncode == 0, done.stderr
    shutil.rmtree(original)  # the database was dropped on leaving the block: nothing of the original is left
    assert sorted(p.name for p in backup.iterdir()) == ["SHA256SUMS", "data.tar", "database.dump"]

    restored = tmp_path / "restored"
    with fresh_database("postgresql", tmp_path) as url:
        done = _script("restore.sh", backup, url, restored)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "2 records verified, 2 intact, 0 NOT INTACT" in done.stdout
        engine = make_engine(url)
        try:
            with make_session_factory(engine)() as session:
                reports = list(EvidenceWriter(restored / "evidence", KEY.encode()).verify_all(session))
                assert [r.record_no for r in reports] == records and all(r.intact for r in reports)
                store = LocalFrameStore(restored / "frames")
                assert len(frames) == 3
                for frame_id in frames:  # read_frame_bytes checks each file against the restored row's hash
                    assert read_frame_bytes(store, frame_id, session)
        finally:
            engine.dispose()

        # Tampering after the restore (or inside a backup whose checksums were rewritten to match) is caught.
        [composite] = (restored / "evidence").rglob(f"{records[1]}/composite.jpg")
        composite.chmod(0o644)
        composite.write_bytes(composite.read_bytes()[:-10] + b"0123456789")
        env = {**os.environ, "TRAFFIC_DATABASE_URL": url, "TRAFFIC_DATA_DIR": str(restored),
               "TRAFFIC_SECRET_KEY": KEY, "PYTHONPATH": str(ROOT)}
        checked = subprocess.run([sys.executable, "-m", "traffic.cli.main", "evidence", "verify", "--all"],
                                 env=env, capture_output=True, text=True, timeout=120)
        assert checked.returncode == 1, checked.stdout + checked.stderr
        assert f"{records[1]}: NOT INTACT" in checked.stdout and "composite.jpg is altered" in checked.stdout
        assert f"{records[0]}: NOT INTACT" not in checked.stdout
        assert "2 records verified, 1 intact, 1 NOT INTACT" in checked.stdout

    # A backup damaged in storage is refused before anything is written.
    with (backup / "data.tar").open("r+b") as archive:
        archive.seek(600)
        archive.write(b"bit rot")
    with fresh_database("postgresql", tmp_path) as url:
        done = _script("restore.sh", backup, url, tmp_path / "second")
        assert done.returncode != 0 and "FAILED" in done.stdout + done.stderr
        assert not (tmp_path / "second").exists()
