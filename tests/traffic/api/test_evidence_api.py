"""Evidence over HTTP: list and serve a record's files, and verify names what was altered or is missing."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import update

from models import EvidenceFile
from tests.support.factories import SHANGHAI, detection_sighting, frame_loader, make_city, make_record
from traffic.services.evidence import EvidenceWriter

CAPTURED = dt.datetime(2023, 6, 5, 8, 15, 2, tzinfo=SHANGHAI)


@pytest.fixture()
def package(session, settings):
    city = make_city(session)
    record = make_record(session, city, CAPTURED, plate_state="plated", plate_text="渝A12345")
    writer = EvidenceWriter.from_settings(settings)  # the same root and key the app uses
    rows = writer.write_package(session, record, detection_sighting(city.camera.code, CAPTURED, plated=True),
                                city.camera_info, city.rule.name, frame_loader)
    return record, {r.name: r for r in rows}, writer


def _tamper(path) -> None:
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.chmod(0o644)
    path.write_bytes(bytes(data))


def test_lists_and_serves_every_file_with_its_hash(client, package) -> None:
    record, rows, _ = package
    listing = client.get(f"/api/v1/records/{record.id}/evidence")
    assert listing.status_code == 200
    body = listing.json()
    assert body["record_no"] == record.record_no and body["seal"] == record.seal
    assert {i["name"]: (i["kind"], i["sha256"], i["size"]) for i in body["items"]} == {
        n: (r.kind, r.sha256, r.size) for n, r in rows.items()}
    for item in body["items"]:
        served = client.get(item["url"])
        assert served.status_code == 200
        assert hashlib.sha256(served.content).hexdigest() == item["sha256"]
        assert served.headers["content-type"].startswith(item["content_type"])
        assert served.headers["x-evidence-sha256"] == item["sha256"]


def test_the_listing_gives_each_panorama_its_vehicle_box(client, package) -> None:
    record, rows, _ = package
    items = {i["name"]: i for i in client.get(f"/api/v1/records/{record.id}/evidence").json()["items"]}
    panoramas = [name for name in items if name.startswith("panorama-")]
    assert len(panoramas) >= 2
    for name in panoramas:
        box = items[name]["box_xyxy"]
        assert box == rows[name].box_xyxy
        assert len(box) == 4 and box[0] < box[2] and box[1] < box[3]
    assert items["composite.jpg"]["box_xyxy"] is None and items["vehicle.jpg"]["box_xyxy"] is None


def test_verify_is_intact_then_names_a_changed_byte(client, package) -> None:
    record, rows, writer = package
    assert client.get(f"/api/v1/records/{record.record_no}/verify").json()["intact"] is True

    _tamper(writer.path_of(rows["composite.jpg"]))
    report = client.get(f"/api/v1/records/{record.id}/verify").json()
    assert report["intact"] is False and report["altered_files"] == ["composite.jpg"]
    assert report["seal_valid"] is True and report["database_altered"] is False
    refused = client.get(f"/api/v1/records/{record.id}/evidence/composite.jpg")
    assert refused.status_code == 409 and refused.json()["error"] == "EvidenceAltered"


def test_verify_names_a_deleted_file(client, package) -> None:
    record, rows, writer = package
    writer.path_of(rows["panorama-1.jpg"]).unlink()
    report = client.get(f"/api/v1/records/{record.id}/verify").json()
    assert report["missing_files"] == ["panorama-1.jpg"] and not report["intact"]
    assert client.get(f"/api/v1/records/{record.id}/evidence/panorama-1.jpg").status_code == 404


def test_verify_reports_an_altered_database_hash(client, session, package) -> None:
    record, rows, _ = package
    session.execute(update(EvidenceFile).where(EvidenceFile.id == rows["panorama-2.jpg"].id).values(size=1))
    session.expire_all()
    report = client.get(f"/api/v1/records/{record.id}/verify").json()
    assert report["database_altered"] is True and report["seal_valid"] is False
    assert any("size of panorama-2.jpg" in p for p in report["problems"])


@pytest.mark.parametrize("name", ["..%2F..%2Fsecret_key", "secret_key", "manifest.json%00.jpg"])
def test_a_name_outside_the_package_is_not_found_and_nothing_is_served(client, package, name) -> None:
    record, _, _ = package
    response = client.get(f"/api/v1/records/{record.id}/evidence/{name}")
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"
    assert response.headers["content-type"] == "application/json"
