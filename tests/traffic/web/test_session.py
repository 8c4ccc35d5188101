"""The web session is the accounts service's: throttled sign-in, the API token in the cookie, revocation at once."""
from __future__ import annotations

from sqlalchemy import select

from models import LoginAttempt
from tests.traffic.web.signin import form_token, sign_in
from traffic.services import accounts
from traffic.services.actors import Actor
from traffic.services.login import LoginPolicy


def test_every_sign_in_on_the_form_is_stored_as_an_attempt(client, session, town) -> None:
    sign_in(client, "east_reviewer", password="guess")
    sign_in(client, "east_reviewer")
    attempts = session.scalars(select(LoginAttempt.succeeded).where(LoginAttempt.username == "east_reviewer")
                               .order_by(LoginAttempt.id)).all()
    assert attempts == [False, True]


def test_too_many_failures_throttle_the_form_with_retry_after(client, settings, town) -> None:
    for _ in range(LoginPolicy.from_settings(settings).max_failures):
        assert sign_in(client, "east_reviewer", password="guess").status_code == 401
    answer = sign_in(client, "east_reviewer")  # even the right password waits
    assert answer.status_code == 429
    assert 0 < int(answer.headers["retry-after"]) <= settings.login_window_s
    assert "登录失败次数过多" in answer.text
    assert "traffic_session" not in answer.headers.get("set-cookie", "")


def test_sign_out_revokes_the_token_so_a_copied_cookie_signs_nobody_in(client, town) -> None:
    sign_in(client, "east_reviewer")
    copied = client.cookies.get("traffic_session")
    answer = client.post("/logout", data={"csrf_token": form_token(client, "/review")}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    client.cookies.set("traffic_session", copied)
    assert client.get("/review", follow_redirects=False).headers["location"].startswith("/login")
    assert client.get("/api/v1/records").status_code == 401


def test_disabling_a_user_ends_their_session_at_once(client, session, town) -> None:
    sign_in(client, "east_reviewer")
    assert client.get("/review").status_code == 200
    admin = Actor(None, "tests", town.users["admin"].role, None)
    accounts.disable_user(session, admin, "east_reviewer")
    session.flush()
    assert client.get("/review", follow_redirects=False).headers["location"] == "/login?next=/review"
    assert client.get("/api/v1/records").json()["error"] == "Unauthorized"


def test_the_api_accepts_the_cookie_and_requires_the_csrf_header_to_change_anything(client, town) -> None:
    record = town.east_records[0]
    assert client.get(f"/api/v1/records/{record.id}").status_code == 401
    sign_in(client, "east_reviewer")
    me = client.get("/api/v1/auth/me").json()
    assert me["username"] == "east_reviewer" and me["role"] == "reviewer"
    assert client.get(f"/api/v1/records/{town.west_records[0].id}").status_code == 404  # scoped like the token
    body = {"to": "confirmed", "version": record.version}
    forged = client.post(f"/api/v1/records/{record.id}/transitions", json=body)
    assert forged.status_code == 403 and forged.json()["error"] == "CsrfRejected"
    token = form_token(client, "/review")
    done = client.post(f"/api/v1/records/{record.id}/transitions", json=body, headers={"X-CSRF-Token": token})
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    trail = client.get(f"/api/v1/records/{record.id}/audit").json()
    assert [(e["username"], e["to_status"]) for e in trail] == [("east_reviewer", "confirmed")]
