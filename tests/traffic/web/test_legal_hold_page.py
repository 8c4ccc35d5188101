"""The record page's legal hold: shown to everyone, set and lifted by supervisors and admins with a reason (CSRF)."""
from __future__ import annotations

from sqlalchemy import select

from models import AuditEntry, LegalHold
from tests.traffic.web.signin import form_token, sign_in


def _page(record) -> str:
    return f"/records/{record.record_no}"


def test_a_supervisor_holds_and_releases_a_record_from_its_page(client, session, town) -> None:
    record = town.east_records[0]
    assert sign_in(client, "chief").status_code == 303
    page = client.get(_page(record)).text
    assert "未保全" in page and f'action="/records/{record.record_no}/legal-hold"' in page
    token = form_token(client, _page(record))

    answer = client.post(f"{_page(record)}/legal-hold", data={"csrf_token": token, "reason": "行政复议 appeal 17"},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == _page(record)
    page = client.get(_page(record)).text
    assert "保全中" in page and "行政复议 appeal 17" in page and "设置法律保全" in page
    assert f'action="/records/{record.record_no}/legal-hold/lift"' in page

    answer = client.post(f"{_page(record)}/legal-hold/lift", data={"csrf_token": token, "reason": "复议结束"},
                         follow_redirects=False)
    assert answer.status_code == 303
    session.expire_all()
    assert session.get(LegalHold, record.id) is None
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.record_id == record.id)
                              .order_by(AuditEntry.id)).all()
    assert actions == ["legal_hold", "legal_hold_lift"]


def test_without_a_reason_or_a_csrf_token_nothing_is_held(client, session, town) -> None:
    record = town.east_records[0]
    assert sign_in(client, "admin").status_code == 303
    token = form_token(client, _page(record))
    assert client.post(f"{_page(record)}/legal-hold", data={"csrf_token": token, "reason": " "}).status_code == 422
    assert client.post(f"{_page(record)}/legal-hold", data={"csrf_token": "forged", "reason": "x"}).status_code == 403
    session.expire_all()
    assert session.get(LegalHold, record.id) is None


def test_a_reviewer_sees_the_hold_but_no_form(client, session, town) -> None:
    record = town.east_records[0]
    session.add(LegalHold(record_id=record.id, reason="法院调取", set_by="chief", set_at=record.captured_at))
    session.flush()
    assert sign_in(client, "east_reviewer").status_code == 303
    page = client.get(_page(record)).text
    assert "保全中" in page and "法院调取" in page and "hold-form" not in page
    token = form_token(client, _page(record))
    assert client.post(f"{_page(record)}/legal-hold/lift", data={"csrf_token": token, "reason": "x"}).status_code == 403
