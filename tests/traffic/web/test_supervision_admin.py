"""Supervision lists and the admin's camera pages, as rendered by the server."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.traffic.web.conftest import add_camera_frame
from tests.traffic.web.signin import sign_in


@pytest.mark.parametrize(("username", "home"), [("east_reviewer", "/review"), ("chief", "/supervision"),
                                                ("admin", "/admin/cameras")])
def test_home_sends_each_role_to_its_page(client, town, username, home) -> None:
    sign_in(client, username)
    assert client.get("/", follow_redirects=False).headers["location"] == home


def test_supervision_lists_assignments_by_unit_and_what_is_overdue(client, session, town) -> None:
    late, on_time = town.east_records[0], town.east_records[1]
    for record, due in ((late, dt.date(2023, 6, 20)), (on_time, dt.date(2999, 1, 1))):
        record.status, record.unit_id, record.due_date = "assigned", town.unit.id, due
    session.flush()
    sign_in(client, "chief")
    page = client.get("/supervision").text
    overdue_assigned = page.split("超过办结期限的交办记录", 1)[1].split("</table>", 1)[0]
    assert late.record_no in overdue_assigned and on_time.record_no not in overdue_assigned
    by_unit = page.split("各责任单位的交办记录", 1)[1]
    assert "城东中队" in by_unit and "2023-06-20" in by_unit and "2999-01-01" in by_unit
    overdue_review = page.split("超过审核期限的待审核记录", 1)[1].split("</table>", 1)[0]
    assert town.east_records[2].record_no in overdue_review and town.west_records[0].record_no in overdue_review


def test_reviewers_cannot_open_supervision_or_configuration(client, town) -> None:
    sign_in(client, "east_reviewer")
    assert client.get("/supervision").status_code == 403
    assert client.get("/admin/cameras").status_code == 403
    assert client.get(f"/admin/cameras/{town.east.camera.code}/latest-frame").status_code == 403


def test_admin_draws_a_zone_on_the_latest_frame(client, session, town) -> None:
    store = client.app.state.frame_store
    frame = add_camera_frame(session, town.east, store)
    sign_in(client, "admin")
    assert f'/admin/cameras/{town.east.camera.code}/zone' in client.get("/admin/cameras").text
    page = client.get(f"/admin/cameras/{town.east.camera.code}/zone").text
    assert f'src="/admin/cameras/{town.east.camera.code}/latest-frame"' in page and 'width="1024"' in page
    image = client.get(f"/admin/cameras/{town.east.camera.code}/latest-frame")
    assert image.status_code == 200 and image.content == store.get(frame.image_path)
    without_frame = client.get(f"/admin/cameras/{town.west.camera.code}/zone").text
    assert "尚未上传画面" in without_frame


def test_every_configuration_kind_has_a_page_with_its_fields(client, town) -> None:
    from traffic.services.city_repository import KINDS

    sign_in(client, "admin")
    for kind in KINDS:
        page = client.get(f"/admin/config/{kind.plural}")
        assert page.status_code == 200, kind.plural
        for name in kind.schema.model_fields:
            assert f'data-field="{name}"' in page.text, (kind.plural, name)
    rules = client.get("/admin/config/rules").text
    assert f'name="time_slots" value="{town.east.time_slot.code}"' in rules  # references offer existing codes
    assert 'value="e_tricycle"> 电动三轮车' in rules
    units = client.get("/admin/config/units").text
    assert "责任单位" in units and town.unit.code in units and town.unit.name in units  # the units kind, listed
    assert f'value="{town.east.district.code}"' in units  # a unit's district is picked from existing ones
    assert client.get("/admin/config/nothing").status_code == 404


def test_rule_preview_names_the_segments_and_slots_a_change_covers(client, town) -> None:
    from tests.traffic.web.signin import form_token

    sign_in(client, "admin")
    token = form_token(client, "/admin/config/rules")
    rule = {"code": town.east.rule.code, "districts": [town.west.district.code], "segments": [],
            "time_slots": [town.east.time_slot.code]}
    answer = client.post("/admin/config/rules/preview", json=rule, headers={"X-CSRF-Token": token})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["segments"] == [[town.west.segment.code, town.west.segment.name]]
    assert body["added_segments"] == [[town.west.segment.code, town.west.segment.name]]
    assert body["removed_segments"] == [[town.east.segment.code, town.east.segment.name]]
    assert body["removed_time_slots"] == [] and body["added_time_slots"] == []
    refused = client.post("/admin/config/rules/preview", json=rule)
    assert refused.status_code == 403


def test_reviewers_cannot_open_the_configuration(client, town) -> None:
    sign_in(client, "east_reviewer")
    assert client.get("/admin/config/rules").status_code == 403


def test_a_new_camera_key_is_shown_once_and_works(client, session, town) -> None:
    import re

    from tests.traffic.web.signin import form_token
    from traffic.services.camera_keys import authenticate_camera

    sign_in(client, "admin")
    token = form_token(client, "/admin/cameras")
    assert client.post(f"/admin/cameras/{town.east.camera.code}/key", data={"csrf_token": "forged"}).status_code == 403
    page = client.post(f"/admin/cameras/{town.east.camera.code}/key", data={"csrf_token": token})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    key = re.search(r'id="camera-key" class="key" readonly value="([^"]+)"', page.text).group(1)
    assert authenticate_camera(session, town.east.camera.code, key).code == town.east.camera.code
    assert key not in client.get("/admin/cameras").text
