"""The recorder with the real evidence writer and outbox: a restricted pass gets a sealed package and an event."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select

from detection.types import SightingEvent
from models import EnforcementRecord, RecordEvent, WebhookDelivery
from tests.support.factories import SHANGHAI, detection_sighting, detector_version_row, frame_loader, make_city
from traffic.schemas.records import RecordOut, RecordView
from traffic.services import events
from traffic.services.cameras import load_camera
from traffic.services.evidence import EvidenceWriter
from traffic.services.recorder import Recorder, RulebookCache
from traffic.services.webhooks import create_subscription


def test_a_restricted_pass_becomes_a_record_with_a_sealed_package_and_an_event(session, tmp_path: Path) -> None:
    city = make_city(session)
    create_subscription(session, "http://127.0.0.1:9/hook", "whsec-0123456789abcdef", ["record.created"])
    writer = EvidenceWriter(tmp_path / "evidence", b"integration-key-0123456789abcdef")
    recorder = Recorder(RulebookCache("Asia/Shanghai"), writer, events.emit,
                        detector_version_id=detector_version_row(session).id)
    camera = load_camera(session, city.camera.code)
    captured = dt.datetime(2023, 6, 5, 7, 40, 1, tzinfo=SHANGHAI)  # a Monday, inside the 07:00-09:00 ban
    vision = detection_sighting(camera.code, captured, keep_images=False)

    for kind in ("started", "ended", "ended"):  # a replayed end must not make a second record
        recorder.apply(session, camera, [SightingEvent(kind, vision)], source="video", track_prefix="t",
                       frame_pk=None, images=frame_loader)

    session.expire_all()  # verify what the database holds, not the objects in memory
    [record] = session.scalars(select(EnforcementRecord)).all()
    report = writer.verify(session, record)
    assert report.intact, report.problems
    assert {f.kind for f in report.files} == {"panorama", "vehicle", "composite", "manifest"}
    assert (writer.root / "2023" / "06" / "05" / record.record_no / "composite.jpg").is_file()
    [event] = session.scalars(select(RecordEvent).where(RecordEvent.record_id == record.id)).all()
    assert event.kind == "record.created" and event.payload["record_no"] == record.record_no
    assert session.scalars(select(WebhookDelivery.event_id)).all() == [event.id]


def test_the_event_carries_the_api_shape_and_the_manifest_the_facts_fixed_at_capture(session, client,
                                                                                       tmp_path: Path) -> None:
    city = make_city(session)
    writer = EvidenceWriter(tmp_path / "evidence", b"integration-key-0123456789abcdef")
    recorder = Recorder(RulebookCache("Asia/Shanghai"), writer, events.emit,
                        detector_version_id=detector_version_row(session).id)
    camera = load_camera(session, city.camera.code)
    captured = dt.datetime(2023, 6, 5, 7, 40, 1, tzinfo=SHANGHAI)
    vision = detection_sighting(camera.code, captured, keep_images=False)
    recorder.apply(session, camera, [SightingEvent("ended", vision)], source="video", track_prefix="t",
                   frame_pk=None, images=frame_loader)
    session.flush()
    [event] = session.scalars(select(RecordEvent)).all()

    answer = client.get(f"/api/v1/records/{event.record_id}").json()
    # How late a record is grows with the clock: the answer, read a moment after the event, may say a second more.
    late_by = answer["overdue_seconds"] - event.payload["overdue_seconds"]
    assert 0 <= late_by < 60
    # The API adds links and the legal hold (RecordOut) to the one shape (RecordView) that events carry.
    api_only = set(RecordOut.model_fields) - set(RecordView.model_fields) | {"overdue_seconds"}
    same = {k: v for k, v in answer.items() if k not in api_only}
    assert same == {k: v for k, v in event.payload.items() if k != "overdue_seconds"}

    record = session.get(EnforcementRecord, event.record_id)
    manifest_path = writer.root / "2023" / "06" / "05" / record.record_no / "manifest.json"
    facts = json.loads(manifest_path.read_text(encoding="utf-8"))["record"]
    assert facts == {  # what every manifest so far vouches for: a new record field must not enter it
        "record_no": record.record_no, "camera": city.camera.code, "segment": answer["segment"],
        "district": answer["district"], "rule": answer["rule"], "time_slot": answer["time_slot"],
        "captured_at": "2023-06-04T23:40:01.000000Z", "vehicle_type": record.vehicle_type,
        "plate_state": "unplated", "plate_text": None,
        # format 2 (evidence_format): the detector version, not a record field (test rows have no weights)
        "detector": {"name": "test", "version": "1", "sha256": None},
    }
