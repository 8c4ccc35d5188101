"""Sign-in, tokens, sign-out, disabled users, throttling and security headers, over HTTP."""
from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select

from models import ApiToken, Role, User
from tests.support.auth import TEST_PASSWORD, bearer, make_user, sign_in
from tests.support.factories import make_city
from traffic.services import accounts
from traffic.services.actors import Actor
from traffic.services.passwords import Passwords

ME = "/api/v1/auth/me"
OPERATOR = Actor(user_id=None, username="ops", role=Role.ADMIN, district_ids=None)


@pytest.fixture()
def reviewer(session) -> User:
    make_city(session, "N")
    return make_user(session, Role.REVIEWER, ["DN"], username="li.na")


def test_sign_in_answers_a_bearer_token_that_opens_the_api(anonymous_client, reviewer) -> None:
    response = sign_in(anonymous_client, "li.na")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 8 * 3600 and len(body["access_token"]) >= 40
    me = anonymous_client.get(ME, headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json() == {"id": reviewer.id, "username": "li.na", "role": "reviewer", "whole_city": False,
                         "districts": ["DN"]}


def test_tokens_are_stored_only_as_hashes(anonymous_client, session, reviewer) -> None:
    token = sign_in(anonymous_client, "li.na").json()["access_token"]
    stored = session.scalars(select(ApiToken.token_hash).where(ApiToken.user_id == reviewer.id)).all()
    assert stored and token not in stored


def test_wrong_password_unknown_user_and_no_token_are_401(anonymous_client, reviewer) -> None:
    for name, password in (("li.na", "wrong password"), ("nobody", TEST_PASSWORD)):
        response = sign_in(anonymous_client, name, password)
        assert response.status_code == 401
        assert response.json() == {"error": "Unauthorized", "detail": "wrong user name or password"}
    for headers in ({}, bearer("made-up"), {"Authorization": "Basic bGk6bmE="}):
        response = anonymous_client.get(ME, headers=headers)
        assert response.status_code == 401 and response.json()["error"] == "Unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


def test_logout_revokes_the_token(anonymous_client, reviewer) -> None:
    token = sign_in(anonymous_client, "li.na").json()["access_token"]
    other = sign_in(anonymous_client, "li.na").json()["access_token"]
    assert anonymous_client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert anonymous_client.get(ME, headers=bearer(token)).status_code == 401
    assert anonymous_client.get(ME, headers=bearer(other)).status_code == 200  # only this token


def test_an_expired_token_is_refused(anonymous_client, session, reviewer) -> None:
    token = sign_in(anonymous_client, "li.na").json()["access_token"]
    for row in session.scalars(select(ApiToken).where(ApiToken.user_id == reviewer.id)):
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    session.flush()
    assert anonymous_client.get(ME, headers=bearer(token)).status_code == 401


def test_disabling_a_user_revokes_their_tokens_and_refuses_sign_in(anonymous_client, session, reviewer) -> None:
    token = sign_in(anonymous_client, "li.na").json()["access_token"]
    accounts.disable_user(session, OPERATOR, "li.na")
    session.flush()
    assert anonymous_client.get(ME, headers=bearer(token)).status_code == 401
    assert sign_in(anonymous_client, "li.na").status_code == 401
    revoked = session.scalars(select(ApiToken.revoked_at).where(ApiToken.user_id == reviewer.id)).all()
    assert revoked and all(r is not None for r in revoked)


def test_a_new_password_revokes_the_old_tokens(anonymous_client, session, reviewer) -> None:
    token = sign_in(anonymous_client, "li.na").json()["access_token"]
    accounts.set_password(session, OPERATOR, Passwords(1, 64), "li.na", "a brand new password")
    session.flush()
    assert anonymous_client.get(ME, headers=bearer(token)).status_code == 401
    assert sign_in(anonymous_client, "li.na").status_code == 401
    assert sign_in(anonymous_client, "li.na", "a brand new password").status_code == 200


def test_a_role_change_applies_to_the_next_request(anonymous_client, session, reviewer) -> None:
    headers = bearer(sign_in(anonymous_client, "li.na").json()["access_token"])
    assert anonymous_client.post("/api/v1/districts", json={"code": "DX", "name": "新区"},
                                 headers=headers).status_code == 403
    accounts.set_role(session, OPERATOR, "li.na", Role.ADMIN)
    session.flush()
    assert anonymous_client.post("/api/v1/districts", json={"code": "DX", "name": "新区"},
                                 headers=headers).status_code == 201


def test_five_failures_for_one_user_answer_429_with_retry_after(anonymous_client, reviewer, caplog) -> None:
    caplog.set_level(logging.INFO, logger="traffic")
    for _ in range(5):
        assert sign_in(anonymous_client, "li.na", "guess").status_code == 401
    throttled = sign_in(anonymous_client, "li.na")  # even the right password, while throttled
    assert throttled.status_code == 429 and throttled.json()["error"] == "TooManyAttempts"
    assert 0 < int(throttled.headers["retry-after"]) <= 15 * 60
    assert "throttled" in caplog.text and "li.na" in caplog.text
    assert "guess" not in caplog.text and TEST_PASSWORD not in caplog.text  # passwords are never logged


def test_failures_from_one_address_throttle_every_name(anonymous_client, reviewer) -> None:
    for n in range(5):
        assert sign_in(anonymous_client, f"someone-{n}", "guess").status_code == 401
    assert sign_in(anonymous_client, "li.na").status_code == 429


def test_a_success_clears_the_count_and_the_limits_are_settings(app, anonymous_client, reviewer) -> None:
    app.state.settings = app.state.settings.model_copy(update={"login_max_failures": 2, "login_window_s": 60})
    assert sign_in(anonymous_client, "li.na", "guess").status_code == 401
    assert sign_in(anonymous_client, "li.na").status_code == 200  # one failure, then a success: counts restart
    assert sign_in(anonymous_client, "li.na", "guess").status_code == 401
    assert sign_in(anonymous_client, "li.na", "guess").status_code == 401
    throttled = sign_in(anonymous_client, "li.na")
    assert throttled.status_code == 429 and 0 < int(throttled.headers["retry-after"]) <= 60


def test_a_hash_with_old_parameters_is_replaced_at_sign_in(anonymous_client, session, reviewer) -> None:
    reviewer.password_hash = Passwords(time_cost=2, memory_kib=128).hash(TEST_PASSWORD)
    session.flush()
    old = reviewer.password_hash
    assert sign_in(anonymous_client, "li.na").status_code == 200
    session.expire(reviewer)
    assert reviewer.password_hash != old and "m=64,t=1" in reviewer.password_hash
    assert sign_in(anonymous_client, "li.na").status_code == 200


def test_every_response_carries_security_headers(anonymous_client, client) -> None:
    for response in (anonymous_client.get("/healthz"), anonymous_client.get("/api/v1/records"),
                     client.get("/api/v1/districts"), anonymous_client.get("/no-such-page")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"  # answers differ per user
    docs = anonymous_client.get("/docs")
    assert docs.status_code == 200 and "cdn.jsdelivr.net" in docs.headers["content-security-policy"]


def test_no_response_repeats_a_password_or_hash(anonymous_client, client, reviewer) -> None:
    sign_in_body = sign_in(anonymous_client, "li.na").text
    me = client.get(ME).text
    for text in (sign_in_body, me):
        assert TEST_PASSWORD not in text and "argon2" not in text
