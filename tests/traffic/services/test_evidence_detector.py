"""The evidence manifest names the detector version and its weights' SHA-256 (format 2); format 1 still verifies."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from models import DetectorVersion, EnforcementRecord
from tests.support.factories import detection_sighting, frame_loader, make_city, make_record
from tests.traffic.services.test_evidence import CAPTURED, KEY
from traffic.services.evidence import EvidenceWriter
from traffic.services.utc import utc_now

SHA = "ab" * 32


@pytest.fixture()
def writer(tmp_path: Path) -> EvidenceWriter:
    return EvidenceWriter(tmp_path / "evidence", KEY)


def _sealed(session, writer, evidence_format: int):
    city = make_city(session)
    detector = DetectorVersion(name="starter", version="3", sha256=SHA, weights_path="/m/starter.pt",
                               classes=["e_tricycle"], class_map={"e_tricycle": "e_tricycle"}, metrics={},
                               created_at=utc_now())
    session.add(detector)
    session.flush()
    record = make_record(session, city, CAPTURED)
    record.detector_version_id, record.evidence_format = detector.id, evidence_format
    session.flush()
    sighting = detection_sighting(city.camera.code, CAPTURED)
    rows = {r.name: r for r in writer.write_package(session, record, sighting, city.camera_info, city.rule.name,
                                                      frame_loader)}
    manifest = json.loads(writer.path_of(rows["manifest.json"]).read_text(encoding="utf-8"))
    return record, detector, manifest


def test_a_new_package_names_the_detector_version_and_its_weights_hash(session, writer) -> None:
    record, _, manifest = _sealed(session, writer, 2)
    assert manifest["format"] == "traffic-evidence/2"
    assert manifest["record"]["detector"] == {"name": "starter", "version": "3", "sha256": SHA}
    session.expire_all()
    assert writer.verify(session, record).intact


def test_a_package_sealed_in_format_1_verifies_without_the_detector(session, writer) -> None:
    record, _, manifest = _sealed(session, writer, 1)
    assert manifest["format"] == "traffic-evidence/1" and "detector" not in manifest["record"]
    session.expire_all()
    assert writer.verify(session, record).intact


def test_changing_the_detector_row_or_the_records_format_breaks_the_seal(session, writer) -> None:
    record, detector, _ = _sealed(session, writer, 2)
    session.execute(update(DetectorVersion).where(DetectorVersion.id == detector.id).values(sha256="cd" * 32))
    session.expire_all()
    report = writer.verify(session, record)
    assert not report.intact and report.database_altered
    assert any("record detector is" in problem for problem in report.problems), report.problems

    session.execute(update(DetectorVersion).where(DetectorVersion.id == detector.id).values(sha256=SHA))
    session.execute(update(EnforcementRecord).where(EnforcementRecord.id == record.id).values(evidence_format=1))
    session.expire_all()
    assert not writer.verify(session, record).intact
