"""The users page: admins create, change, re-password and disable users through the accounts service; the language
a signed-in user picks is stored with them."""
from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from models import AuditEntry, User
from tests.traffic.web.signin import form_token, sign_in

NEW_PASSWORD = "a-new-long-password"


def _admin(client) -> str:
    assert sign_in(client, "admin").status_code == 303
    return form_token(client, "/admin/users")


def _create(client, token: str, **fields) -> object:
    data = {"csrf_token": token, "username": "newcomer", "role": "reviewer", "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD, **fields}
    return client.post("/admin/users", data=data, follow_redirects=False)


def _user(session, name: str) -> User:
    session.expire_all()
    return session.scalar(select(User).where(User.username == name))


def test_admin_creates_a_user_who_can_sign_in(client, session, town) -> None:
    token = _admin(client)
    answer = _create(client, token, districts=[town.east.district.code])
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/users?done=created"
    page = client.get(answer.headers["location"]).text
    assert 'data-user="newcomer"' in page, page
    assert "用户已创建" in page
    assert NEW_PASSWORD not in page
    entry = session.scalar(select(AuditEntry).where(AuditEntry.entity_key == "newcomer"))
    assert entry.action == "create" and entry.username == "admin"
    client.cookies.clear()
    assert sign_in(client, "newcomer", NEW_PASSWORD).status_code == 303


def test_passwords_that_differ_or_names_taken_are_refused_and_nothing_is_stored(client, session, town) -> None:
    token = _admin(client)
    differ = _create(client, token, password_again=NEW_PASSWORD + "x")
    assert differ.status_code == 422 and NEW_PASSWORD not in differ.text
    assert _user(session, "newcomer") is None
    taken = _create(client, token, username="chief")
    assert taken.status_code == 409
    unknown = _create(client, token, districts=["NOWHERE"])
    assert unknown.status_code == 422 and _user(session, "newcomer") is None


def test_admin_changes_role_and_districts(client, session, town) -> None:
    token = _admin(client)
    answer = client.post("/admin/users/east_reviewer/role", data={
        "csrf_token": token, "role": "supervisor", "districts": [town.west.district.code]}, follow_redirects=False)
    assert answer.status_code == 303
    user = _user(session, "east_reviewer")
    assert user.role == "supervisor"
    whole = client.post("/admin/users/east_reviewer/role", data={"csrf_token": token, "role": "supervisor"},
                        follow_redirects=False)
    assert whole.status_code == 303
    page = client.get("/admin/users").text
    assert "全市" in page.split('data-user="east_reviewer"')[1].split("</tr>")[0]


def test_a_refused_role_change_changes_nothing(client, session, town) -> None:
    token = _admin(client)
    answer = client.post("/admin/users/east_reviewer/role", data={
        "csrf_token": token, "role": "reviewer", "districts": ["NOWHERE"]}, follow_redirects=False)
    assert answer.status_code == 422
    assert _user(session, "east_reviewer").role == "reviewer"


def test_new_password_and_disable_sign_the_user_out(app, client, session, town) -> None:
    with TestClient(app) as reviewer:
        assert sign_in(reviewer, "east_reviewer").status_code == 303
        token = _admin(client)
        assert client.post("/admin/users/east_reviewer/password", data={
            "csrf_token": token, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
            follow_redirects=False).status_code == 303
        assert reviewer.get("/review", follow_redirects=False).headers["location"].startswith("/login")
        assert sign_in(reviewer, "east_reviewer").status_code == 401
        assert sign_in(reviewer, "east_reviewer", NEW_PASSWORD).status_code == 303
        assert client.post("/admin/users/east_reviewer/disable", data={"csrf_token": token},
                           follow_redirects=False).status_code == 303
        assert reviewer.get("/review", follow_redirects=False).headers["location"].startswith("/login")
        assert _user(session, "east_reviewer").disabled
        assert "已停用" in client.get("/admin/users").text


def test_forms_without_the_csrf_token_are_refused(client, session, town) -> None:
    _admin(client)
    assert _create(client, "forged").status_code == 403
    assert _user(session, "newcomer") is None
    for path, data in (("role", {"role": "admin"}), ("password", {"password": NEW_PASSWORD,
                                                               "password_again": NEW_PASSWORD}), ("disable", {})):
        answer = client.post(f"/admin/users/east_reviewer/{path}", data={"csrf_token": "forged", **data},
                             follow_redirects=False)
        assert answer.status_code == 403, path
    user = _user(session, "east_reviewer")
    assert user.role == "reviewer" and not user.disabled


def test_other_roles_may_not_create_users(client, session, town) -> None:
    assert sign_in(client, "chief").status_code == 303
    token = form_token(client, "/supervision")
    assert _create(client, token).status_code == 403
    assert _user(session, "newcomer") is None


def test_the_language_a_user_picks_follows_them_to_another_client(app, client, session, town) -> None:
    assert sign_in(client, "chief").status_code == 303
    token = form_token(client, "/supervision")
    client.post("/language", data={"csrf_token": token, "language": "en", "next": "/supervision"})
    assert _user(session, "chief").language == "en"
    with TestClient(app) as elsewhere:
        assert sign_in(elsewhere, "chief").status_code == 303
        assert '<html lang="en">' in elsewhere.get("/supervision").text
        assert '<html lang="zh-CN">' in elsewhere.get("/login").text  # before sign-in, the browser's own choice
    assert _user(session, "east_reviewer").language == "zh"


def test_an_incomplete_form_does_not_echo_the_password(client, session, town) -> None:
    token = _admin(client)
    answer = client.post("/admin/users", data={"csrf_token": token, "username": "newcomer", "role": "reviewer",
                                               "password": NEW_PASSWORD}, follow_redirects=False)
    assert answer.status_code == 422
    assert NEW_PASSWORD not in answer.text
    assert _user(session, "newcomer") is None
