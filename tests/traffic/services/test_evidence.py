"""Evidence packages on real frames: what is written, that nothing is overwritten, and that verify names tampering."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import cv2
import pytest
from sqlalchemy import select, update

from models import EnforcementRecord, EvidenceFile
from tests.support.factories import SHANGHAI, JakartaFrames, detection_sighting, frame_loader, make_city, make_record
from traffic.errors import InvalidInput
from traffic.services.evidence import EvidenceWriter, SourceFrame
from traffic.services.evidence_font import FontNotFound
from traffic.services.evidence_manifest import short_code
from traffic.digests import file_sha256
from traffic.services.evidence_store import EvidenceConflict, write_once

KEY = b"test-key-0123456789abcdef-0123456789"
# 07:30 in Shanghai is the previous day in UTC: the folder must follow the local date.
CAPTURED = dt.datetime(2023, 6, 5, 7, 30, 12, 250000, tzinfo=SHANGHAI)


@pytest.fixture()
def city(session):
    return make_city(session)


@pytest.fixture()
def writer(tmp_path: Path) -> EvidenceWriter:
    return EvidenceWriter(tmp_path / "evidence", KEY)


def _package(session, city, writer, *, plated=True, keep_images=True):
    record = make_record(session, city, CAPTURED, plate_state="plated" if plated else "unplated",
                         plate_text="渝A12345" if plated else None)
    sighting = detection_sighting(city.camera.code, CAPTURED, plated=plated, keep_images=keep_images)
    rows = writer.write_package(session, record, sighting, city.camera_info, city.rule.name, frame_loader)
    return record, {r.name: r for r in rows}


def test_package_holds_panoramas_crops_composite_and_manifest(session, city, writer) -> None:
    record, rows = _package(session, city, writer)

    assert sorted(rows) == ["composite.jpg", "manifest.json", "panorama-1.jpg", "panorama-2.jpg", "plate.jpg",
                            "vehicle.jpg"]
    panoramas = [rows["panorama-1.jpg"], rows["panorama-2.jpg"]]
    assert panoramas[0].captured_at != panoramas[1].captured_at
    for row in rows.values():
        path = writer.path_of(row)
        assert path.parent == writer.root / "2023" / "06" / "05" / record.record_no
        assert file_sha256(path) == row.sha256 and path.stat().st_size == row.size
    full = cv2.imread(str(writer.path_of(panoramas[0])))
    assert full.shape == (576, 1024, 3)  # full frames, not crops
    assert cv2.imread(str(writer.path_of(rows["vehicle.jpg"]))).shape[0] < 200
    composite = cv2.imread(str(writer.path_of(rows["composite.jpg"])))
    assert composite.shape[1] >= 2 * 1024 * 0.99  # both panoramas side by side at full height
    manifest = json.loads(writer.path_of(rows["manifest.json"]).read_text(encoding="utf-8"))
    assert manifest["seal"] == record.seal and manifest["anti_forgery_code"] == record.anti_forgery_code
    assert manifest["record"]["captured_at"] == "2023-06-04T23:30:12.250000Z"
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == {
        n: r.sha256 for n, r in rows.items() if n != "manifest.json"}
    assert len(short_code(record.anti_forgery_code)) == 19
    assert writer.verify(session, record).intact


def test_unplated_vehicle_gets_no_plate_crop_and_images_come_from_the_loader(session, city, writer) -> None:
    record, rows = _package(session, city, writer, plated=False, keep_images=False)
    assert "plate.jpg" not in rows
    assert writer.verify(session, record).intact


def test_changing_one_byte_is_named(session, city, writer) -> None:
    record, rows = _package(session, city, writer)
    path = writer.path_of(rows["panorama-2.jpg"])
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.chmod(0o644)
    path.write_bytes(bytes(data))

    report = writer.verify(session, record)
    assert not report.intact
    assert report.altered_files == ["panorama-2.jpg"] and report.missing_files == []
    assert report.seal_valid and not report.database_altered
    assert "panorama-2.jpg is altered" in report.problems


def test_a_deleted_file_is_named_missing(session, city, writer) -> None:
    record, rows = _package(session, city, writer)
    writer.path_of(rows["vehicle.jpg"]).unlink()
    report = writer.verify(session, record)
    assert not report.intact and report.missing_files == ["vehicle.jpg"] and report.altered_files == []


def test_an_altered_database_hash_breaks_the_seal_and_is_named(session, city, writer) -> None:
    record, rows = _package(session, city, writer)
    session.execute(update(EvidenceFile).where(EvidenceFile.id == rows["vehicle.jpg"].id).values(sha256="0" * 64))
    session.expire_all()

    report = writer.verify(session, record)
    assert not report.intact and report.database_altered and not report.seal_valid
    assert report.altered_files == []  # the file itself still matches the sealed hash
    assert any("sha256 of vehicle.jpg" in p for p in report.problems), report.problems


def test_a_file_altered_together_with_its_database_hash_is_still_named(session, city, writer) -> None:
    record, rows = _package(session, city, writer)
    path = writer.path_of(rows["plate.jpg"])
    path.chmod(0o644)
    path.write_bytes(path.read_bytes() + b"\x00")
    session.execute(update(EvidenceFile).where(EvidenceFile.id == rows["plate.jpg"].id)
                    .values(sha256=file_sha256(path), size=path.stat().st_size))
    session.expire_all()

    report = writer.verify(session, record)
    assert report.database_altered and report.altered_files == ["plate.jpg"]


def test_an_edited_record_column_is_named(session, city, writer) -> None:
    record, _ = _package(session, city, writer)
    session.execute(update(EnforcementRecord).where(EnforcementRecord.id == record.id).values(plate_text="渝B99999"))
    session.expire_all()
    record = session.get(EnforcementRecord, record.id)
    report = writer.verify(session, record)
    assert report.database_altered and any("plate_text" in p for p in report.problems)


def test_status_changes_keep_the_package_intact(session, city, writer) -> None:
    record, _ = _package(session, city, writer)
    record.status = "confirmed"
    session.flush()
    assert writer.verify(session, record).intact


def test_another_key_cannot_vouch_for_the_package(session, city, writer) -> None:
    record, _ = _package(session, city, writer)
    stranger = EvidenceWriter(writer.root, b"another-key-of-enough-length-000")
    report = stranger.verify(session, record)
    assert not report.intact and any("sealed under key" in p for p in report.problems)


def test_files_are_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "a" / "file.bin"
    assert write_once(target, b"first") is True
    assert write_once(target, b"first") is False  # a retried job writing the same bytes goes on
    with pytest.raises(EvidenceConflict, match="never overwritten"):
        write_once(target, b"second")
    assert target.read_bytes() == b"first"
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]  # no temporaries left behind


def test_a_retried_job_reproduces_the_package_and_refuses_a_changed_file(session, city, writer) -> None:
    record = make_record(session, city, CAPTURED, plate_state="plated", plate_text="渝A12345")
    sighting = detection_sighting(city.camera.code, CAPTURED, plated=True)
    args = (sighting, city.camera_info, city.rule.name, frame_loader)
    crashed = session.begin_nested()  # the job wrote its files, then its transaction was lost
    first = {r.name: r.sha256 for r in writer.write_package(session, record, *args)}
    crashed.rollback()
    assert session.scalars(select(EvidenceFile).where(EvidenceFile.record_id == record.id)).all() == []

    retry = session.begin_nested()
    second = {r.name: r.sha256 for r in writer.write_package(session, record, *args)}
    assert second == first
    assert writer.verify(session, record).intact
    retry.rollback()

    path = writer.root / "2023" / "06" / "05" / record.record_no / "vehicle.jpg"
    path.chmod(0o644)
    path.write_bytes(b"not the evidence")
    with pytest.raises(EvidenceConflict, match="vehicle.jpg"):
        writer.write_package(session, record, *args)
    assert path.read_bytes() == b"not the evidence"


def test_writing_twice_in_one_transaction_returns_the_same_rows(session, city, writer) -> None:
    record, rows = _package(session, city, writer)
    sighting = detection_sighting(city.camera.code, CAPTURED, plated=True)
    again = writer.write_package(session, record, sighting, city.camera_info, city.rule.name, frame_loader)
    assert {r.id for r in again} == {r.id for r in rows.values()}


def test_no_cjk_font_fails_clearly_before_writing(session, city, tmp_path: Path) -> None:
    latin_only = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not latin_only.is_file():
        pytest.skip("DejaVu Sans is not installed here")
    writer = EvidenceWriter(tmp_path / "evidence", KEY, font=latin_only)
    record = make_record(session, city, CAPTURED)
    with pytest.raises(FontNotFound, match="no Chinese glyphs"):
        writer.write_package(session, record, detection_sighting(city.camera.code, CAPTURED), city.camera_info,
                             city.rule.name, frame_loader)
    assert not (tmp_path / "evidence").exists()


def test_a_record_without_package_is_not_intact(session, city, writer) -> None:
    record = make_record(session, city, CAPTURED)
    report = writer.verify(session, record)
    assert not report.intact and report.problems == ["the record has no sealed evidence package"]


@pytest.mark.parametrize(
    ("direction", "shown"),
    [("eastbound", "由西向东"), ("Northbound", "由南向北"), ("东向西", "东向西"), (None, "—"), ("", "—")],
)
def test_overlay_names_the_direction_in_chinese(direction, shown) -> None:
    from traffic.services.evidence import _direction

    assert _direction(direction) == shown


# Panoramas are the bytes the camera sent, and the manifest names the frame each one is (issue 7): a court follows
# the chain from camera to evidence, panorama file -> its source frame id -> the upload's SHA-256.
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


def test_each_panorama_keeps_its_vehicle_box_sealed_in_the_manifest(session, city, writer) -> None:
    record, sighting, rows = _write(session, city, writer)
    listed = {e["name"]: e for e in json.loads(writer.path_of(rows["manifest.json"]).read_text("utf-8"))["files"]}
    for number, frame in enumerate(sighting.panoramas, start=1):
        expected = [round(v) for v in frame.box_xyxy]
        assert rows[f"panorama-{number}.jpg"].box_xyxy == expected
        assert listed[f"panorama-{number}.jpg"]["box_xyxy"] == expected
    assert all("box_xyxy" not in listed[name] for name in ("vehicle.jpg", "composite.jpg"))
    session.expire_all()
    assert writer.verify(session, record).intact  # read back from the database, the boxes still match the seal


def test_an_edited_panorama_box_in_the_database_is_named(session, city, writer) -> None:
    record, _, rows = _write(session, city, writer)
    sealed = rows["panorama-1.jpg"].box_xyxy
    session.execute(update(EvidenceFile).where(EvidenceFile.id == rows["panorama-1.jpg"].id)
                    .values(box_xyxy=[0, 0, 10, 10]))
    session.expire_all()
    report = writer.verify(session, record)
    assert not report.intact
    assert f"database: box_xyxy of panorama-1.jpg is [0, 0, 10, 10], sealed {sealed!r}" in report.problems


def test_a_package_sealed_before_boxes_existed_still_verifies(session, city, writer, monkeypatch) -> None:
    import traffic.services.evidence as evidence_module

    monkeypatch.setattr(evidence_module, "pixel_box", lambda box: None)  # the writer as it was: no boxes
    record, _, rows = _write(session, city, writer)
    manifest_text = writer.path_of(rows["manifest.json"]).read_text("utf-8")
    assert "box_xyxy" not in manifest_text
    assert all(row.box_xyxy is None for row in rows.values())
    session.expire_all()
    assert writer.verify(session, record).intact
