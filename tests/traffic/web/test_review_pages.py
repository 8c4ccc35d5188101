"""The review queue and the record page as rendered by the server: order, filters in the URL, scope, evidence."""
from __future__ import annotations

import datetime as dt
import json
import re

import models
from tests.support.factories import make_record
from tests.traffic.web.signin import sign_in
from traffic.services.utc import utc_now


def _queue(page_text: str) -> list[dict]:
    block = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page_text, re.S).group(1)
    return json.loads(block)["items"]


def test_queue_opens_on_the_oldest_pending_record_in_scope(client, town) -> None:
    sign_in(client, "east_reviewer")
    items = _queue(client.get("/review").text)
    assert [i["record_no"] for i in items] == [r.record_no for r in town.east_records]
    first = items[0]
    assert first["status"] == "pending_review" and first["version"] == 1
    assert {e["kind"] for e in first["evidence"]} >= {"composite", "panorama"}
    assert all(e["url"].startswith(f"/api/v1/records/{first['id']}/evidence/") for e in first["evidence"])
    assert first["overdue"] is True  # captured in 2023, ten days to review


def test_a_reviewer_never_sees_another_districts_record(client, town) -> None:
    sign_in(client, "west_reviewer")
    page = client.get("/review").text
    assert [i["record_no"] for i in _queue(page)] == [town.west_records[0].record_no]
    for record in town.east_records:
        assert record.record_no not in page
        assert client.get(f"/records/{record.record_no}").status_code == 404
        assert client.get(f"/review/items/{record.id}").status_code == 404
    # Another district is answered as unknown, as the API's lists answer it (it names nothing this user may see).
    assert client.get(f"/review?district={town.east.district.code}").status_code == 404


def test_a_whole_city_supervisor_sees_both_districts_in_capture_order(client, town) -> None:
    sign_in(client, "chief")
    numbers = [i["record_no"] for i in _queue(client.get("/review").text)]
    expected = sorted(town.east_records + town.west_records, key=lambda r: (r.captured_at, r.id))
    assert numbers == [r.record_no for r in expected]


def test_filters_live_in_the_url(client, session, town) -> None:
    sign_in(client, "chief")
    by = lambda query: [i["record_no"] for i in _queue(client.get(f"/review?{query}").text)]  # noqa: E731
    assert by(f"segment={town.west.segment.code}") == [town.west_records[0].record_no]
    assert by(f"time_slot={town.east.time_slot.code}") == [r.record_no for r in town.east_records]
    assert by("vehicle_type=e_four_wheeler") == []
    assert by("from=2023-06-05&to=2023-06-05") and by("from=2023-06-06") == []
    fresh = make_record(session, town.east, utc_now() - dt.timedelta(hours=1))
    session.flush()
    assert fresh.record_no in by("district=" + town.east.district.code)
    assert fresh.record_no not in by("overdue=true")
    town.east_records[0].status = "dismissed"
    session.flush()
    assert by("status=dismissed") == [town.east_records[0].record_no]
    page = client.get(f"/review?segment={town.west.segment.code}&overdue=true")
    assert f'value="{town.west.segment.code}" selected' in page.text and 'name="overdue" value="true" checked' in page.text
    assert client.get("/review?vehicle_type=bus").status_code == 422


def test_the_page_fetches_the_next_records_after_the_last_it_holds(client, town) -> None:
    sign_in(client, "east_reviewer")
    second = town.east_records[1]
    after = second.captured_at.replace(tzinfo=dt.UTC) if second.captured_at.tzinfo is None else second.captured_at
    answer = client.get("/review/items", params={"after_id": second.id, "after_utc": after.isoformat()})
    assert answer.status_code == 200
    assert [i["record_no"] for i in answer.json()["items"]] == [r.record_no for r in town.east_records[2:]]


def test_record_page_shows_evidence_verification_and_audit(client, session, town) -> None:
    record = town.east_records[0]
    session.add(models.AuditEntry(at=utc_now(), username="east_reviewer", role="reviewer", entity="record",
                                  entity_key=record.record_no, record_id=record.id, action="transition",
                                  from_status="pending_review", to_status="dismissed", reason="duplicate"))
    session.flush()
    sign_in(client, "east_reviewer")
    page = client.get(f"/records/{record.record_no}")
    assert page.status_code == 200
    text = page.text
    for name in ("composite.jpg", "panorama-1.jpg", "panorama-2.jpg"):
        assert f'src="/api/v1/records/{record.id}/evidence/{name}"' in text
    assert "完整，未被篡改" in text and "已超期" in text
    timeline = text.split('id="audit-timeline"', 1)[1]
    assert "east_reviewer" in timeline and "重复记录" in timeline and "待审核 → 已作废" in timeline
    assert 'data-action="confirm"' in text and 'data-action="dismiss"' in text
    assert 'data-action="reopen"' not in text  # a supervisor's step


def test_record_page_draws_each_panoramas_vehicle_box_over_the_unchanged_image(client, session, settings, town) -> None:
    from traffic.services.evidence import EvidenceWriter

    record = town.east_records[0]
    rows = {f.name: f for f in EvidenceWriter.from_settings(settings).files_of(session, record)}
    sign_in(client, "east_reviewer")
    text = client.get(f"/records/{record.record_no}").text
    boxes = re.findall(r'<div class="boxed-image">\s*<a href="([^"]+)"><img src="\1"[^>]*></a>\s*'
                       r'<span class="vehicle-box" role="img" aria-label="([^"]+)"\s*data-box="([^"]+)" hidden>', text)
    drawn = {url.rsplit("/", 1)[1]: (label, box) for url, label, box in boxes}
    panoramas = sorted(name for name in rows if name.startswith("panorama-"))
    assert sorted(drawn) == panoramas and len(panoramas) >= 2
    for name in panoramas:
        assert drawn[name] == (f"车辆位置框 {name}", " ".join(str(v) for v in rows[name].box_xyxy))
    # the image served is the stored panorama itself, not a copy with the box drawn in
    served = client.get(f"/api/v1/records/{record.id}/evidence/{panoramas[0]}")
    assert served.headers["x-evidence-sha256"] == rows[panoramas[0]].sha256 == rows[panoramas[0]].source_sha256


def test_record_page_names_an_altered_evidence_file(client, session, settings, town) -> None:
    from traffic.services.evidence import EvidenceWriter

    record = town.east_records[0]
    writer = EvidenceWriter.from_settings(settings)
    path = writer.path_of(next(f for f in writer.files_of(session, record) if f.name == "composite.jpg"))
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.chmod(0o644)
    path.write_bytes(bytes(data))
    sign_in(client, "east_reviewer")
    verification = client.get(f"/records/{record.record_no}").text.split('id="verification"', 1)[1].split("</dd>")[0]
    assert "校验未通过" in verification and "composite.jpg" in verification


def test_admins_and_viewers_get_no_decision_buttons(client, town) -> None:
    sign_in(client, "admin")
    page = client.get(f"/records/{town.east_records[0].record_no}").text
    assert "data-action=" not in page


def test_record_page_offers_the_steps_of_its_status_to_the_roles_that_may_take_them(
        client, session, town) -> None:
    assigned, actioned = town.east_records[0], town.east_records[1]
    assigned.status, assigned.unit_id, assigned.due_date = "assigned", town.unit.id, dt.date(2030, 1, 1)
    actioned.status = "actioned"
    session.flush()
    offered = lambda no: set(re.findall(r'data-action="([a-z]+)"', client.get(f"/records/{no}").text))  # noqa: E731
    sign_in(client, "east_reviewer")
    assert offered(assigned.record_no) == {"act"}
    assert offered(town.east_records[2].record_no) == {"confirm", "dismiss", "assign"}  # assign: confirm, then assign
    assert offered(actioned.record_no) == {"close"}
    assert 'id="act-dialog"' in client.get(f"/records/{assigned.record_no}").text
    sign_in(client, "chief")
    assert offered(assigned.record_no) == {"act", "reassign"}


def test_times_are_shown_in_the_citys_timezone_from_the_city_file(client, session, town) -> None:
    first = town.east_records[0]  # captured 07:10 in Shanghai
    sign_in(client, "east_reviewer")
    assert _queue(client.get("/review").text)[0]["captured_at"] == "2023-06-05 07:10:00"
    session.add(models.CitySetting(key="timezone", value="America/Los_Angeles"))  # the city file names its zone
    session.flush()
    item = _queue(client.get("/review").text)[0]
    assert item["record_no"] == first.record_no and item["captured_at"] == "2023-06-04 16:10:00"
    # A day of the period filter is a day in the city too: the capture falls on 4 June there, not 5 June.
    june_4 = _queue(client.get("/review?from=2023-06-04&to=2023-06-04").text)
    assert [i["record_no"] for i in june_4] == [r.record_no for r in town.east_records]
    assert _queue(client.get("/review?from=2023-06-05&to=2023-06-05").text) == []


def test_the_queue_filters_by_camera_unit_and_status_groups(client, session, town) -> None:
    """What the dashboard's links ask for: one camera's records, one unit's, any status, or the open ones."""
    sign_in(client, "chief")
    by = lambda query: [i["record_no"] for i in _queue(client.get(f"/review?{query}").text)]  # noqa: E731
    east = [r.record_no for r in town.east_records]
    assert by(f"camera={town.west.camera.code}") == [town.west_records[0].record_no]
    assert by(f"camera={town.east.camera.code}") == east
    closed, assigned = town.east_records[0], town.east_records[1]
    closed.status = "closed"
    assigned.status, assigned.unit_id, assigned.due_date = "assigned", town.unit.id, dt.date(2030, 1, 1)
    session.flush()
    assert by(f"camera={town.east.camera.code}") == east[2:]  # the default is still pending review
    assert by(f"camera={town.east.camera.code}&status=all") == east
    assert by(f"camera={town.east.camera.code}&status=open") == east[1:]
    assert by(f"unit={town.unit.code}&status=all") == [assigned.record_no]
    page = client.get(f"/review?camera={town.east.camera.code}&status=all").text
    assert 'value="all" selected' in page and f'name="camera" value="{town.east.camera.code}"' in page
    assert client.get("/review?status=everything").status_code == 422
    assert client.get("/review?camera=NO-SUCH-CAM").status_code == 404
    assert client.get("/review?unit=NO-SUCH-UNIT").status_code == 404


def test_a_camera_or_unit_of_another_district_reads_as_unknown(client, town) -> None:
    sign_in(client, "west_reviewer")
    assert client.get(f"/review?camera={town.east.camera.code}").status_code == 404
    assert client.get(f"/review?unit={town.unit.code}").status_code == 404  # the unit belongs to the east
    assert client.get(f"/review/items?camera={town.east.camera.code}").status_code == 404
