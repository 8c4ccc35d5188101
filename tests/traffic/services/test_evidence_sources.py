"""Panoramas are the bytes the camera sent, and the manifest names the frame each one is (issue 7).

A court follows the chain from camera to evidence: panorama file → its source frame id → the upload's SHA-256.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import cv2
import pytest
from sqlalchemy import update

from models import EvidenceFile
from tests.support.factories import (
    SHANGHAI,
    JakartaFrames,
    detection_sighting,
    frame_loader,
    make_city,
    make_record,
)
from traffic.errors import InvalidInput
from traffic.services.evidence import EvidenceWriter, SourceFrame

KEY = b"test-key-0123456789abcdef-0123456789"
CAPTURED = dt.datetime(2023, 6, 5, 7, 30, 12, 250000, tzinfo=SHANGHAI)


class PngCamera(JakartaFrames):
    """A camera that sends PNG snapshots."""

    def source(self, frame) -> SourceFrame:
        data = cv2.imencode(".png", self(frame))[1].tobytes()
        return SourceFrame(frame.frame_ref, data, "image/png", hashlib.sha256(data).hexdigest())


class AlteredStore(JakartaFrames):
    """A store whose frame bytes no longer match the SHA-256 recorded at upload."""

    def source(self, frame) -> SourceFrame:
        sent = super().source(frame)
        return SourceFrame(sent.frame_id, sent.data + b"\x00", sent.content_type, sent.sha256)


@pytest.fixture()
def city(session):
    return make_city(session)


@pytest.fixture()
def writer(tmp_path: Path) -> EvidenceWriter:
    return EvidenceWriter(tmp_path / "evidence", KEY)


def _write(session, city, writer, store=frame_loader):
    record = make_record(session, city, CAPTURED)
    sighting = detection_sighting(city.camera.code, CAPTURED, keep_images=False)
    rows = writer.write_package(session, record, sighting, city.camera_info, city.rule.name, store)
    return record, sighting, {r.name: r for r in rows}


def test_panoramas_are_the_sent_bytes_and_the_manifest_names_their_source_frames(session, city, writer) -> None:
    record, sighting, rows = _write(session, city, writer)
    manifest = json.loads(writer.path_of(rows["manifest.json"]).read_text(encoding="utf-8"))
    listed = {entry["name"]: entry for entry in manifest["files"]}
    for number, frame in enumerate(sighting.panoramas, start=1):
        sent = frame_loader.source(frame)
        entry = listed[f"panorama-{number}.jpg"]
        assert entry["source_frame"] == frame.frame_ref
        assert entry["sha256"] == entry["source_sha256"] == sent.sha256
        assert writer.path_of(rows[f"panorama-{number}.jpg"]).read_bytes() == sent.data  # not re-encoded
        assert rows[f"panorama-{number}.jpg"].source_frame == frame.frame_ref
    assert all("source_frame" not in listed[name] for name in ("vehicle.jpg", "composite.jpg"))
    assert writer.verify(session, record).intact


def test_a_png_snapshot_stays_a_png(session, city, writer) -> None:
    record, _, rows = _write(session, city, writer, PngCamera())
    assert rows["panorama-1.png"].content_type == "image/png"
    assert writer.path_of(rows["panorama-1.png"]).read_bytes().startswith(b"\x89PNG")
    assert writer.verify(session, record).intact


def test_a_frame_that_no_longer_matches_its_upload_hash_is_refused_before_writing(session, city, writer) -> None:
    with pytest.raises(InvalidInput, match="matching its upload SHA-256"):
        _write(session, city, writer, AlteredStore())
    assert not writer.root.exists()


def test_an_edited_source_frame_in_the_database_is_named(session, city, writer) -> None:
    record, _, rows = _write(session, city, writer)
    session.execute(update(EvidenceFile).where(EvidenceFile.id == rows["panorama-2.jpg"].id)
                    .values(source_frame="jakarta:99"))
    session.expire_all()
    report = writer.verify(session, record)
    assert not report.intact
    assert "database: source_frame of panorama-2.jpg is 'jakarta:99', sealed 'jakarta:25'" in report.problems
