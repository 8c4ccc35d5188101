"""The browser session: a signed cookie holding the user's API token and a CSRF token.

Signing in on the form goes through the accounts service (`traffic.services.login.sign_in`: throttled, every attempt
stored), which issues the same opaque token as POST /api/v1/auth/token. The cookie carries that token, so pages and
the API resolve the user one way (`tokens.user_of_token`): an expired or revoked token, or a disabled user, signs
nobody in, at once. Pages get the signed-in `Actor` from `page_actor`; the API reads the cookie through
`session_cookie_token`, one of `app.state.credential_readers`, which requires the CSRF header on unsafe methods.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response

from traffic.api.auth import client_address
from traffic.api.deps import DbSession
from traffic.errors import Forbidden, Unauthorized
from traffic.services.accounts import actor_of
from traffic.services.actors import Actor
from traffic.services.tokens import IssuedToken, user_of_token

SESSION_COOKIE = "traffic_session"
ANONYMOUS_CSRF_COOKIE = "traffic_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Unauthorized):
    """No valid session: pages answer with a redirect to /login, scripts with 401."""

    @property
    def kind(self) -> str:
        return "Unauthorized"


class CsrfRejected(Forbidden):
    """A state-changing request without the session's CSRF token."""


def _key(request: Request) -> bytes:
    cached = getattr(request.app.state, "web_session_key", None)
    if cached is None:
        server_key = request.app.state.settings.resolved_secret_key()
        cached = hmac.new(server_key, b"traffic web session v1", hashlib.sha256).digest()
        request.app.state.web_session_key = cached
    return cached


def _sign(key: bytes, payload: dict) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
    mac = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def _unsign(key: bytes, value: str) -> dict | None:
    body, _, mac = value.rpartition(".")
    if not body or not hmac.compare_digest(mac, hmac.new(key, body.encode(), hashlib.sha256).hexdigest()):
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _secure(request: Request) -> bool:
    return request.app.state.settings.env not in ("development", "test")


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", secure=_secure(request),
                        path="/")


def start_session(request: Request, response: Response, issued: IssuedToken) -> None:
    """Sign the browser in: the cookie carries the issued API token and a fresh CSRF token, and lives as long."""
    payload = {"token": issued.token, "csrf": secrets.token_urlsafe(24)}
    _set_cookie(request, response, SESSION_COOKIE, _sign(_key(request), payload), issued.expires_in)
    response.delete_cookie(ANONYMOUS_CSRF_COOKIE, path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def _session_payload(request: Request) -> dict | None:
    """The signed cookie's content; None when absent or tampered with (the token's expiry is checked on use)."""
    raw = request.cookies.get(SESSION_COOKIE)
    payload = _unsign(_key(request), raw) if raw else None
    if not isinstance(payload, dict) or not payload.get("token") or not payload.get("csrf"):
        return None
    return payload


def session_token(request: Request) -> str | None:
    """The API token the session cookie holds (for sign-out)."""
    payload = _session_payload(request)
    return payload["token"] if payload else None


def csrf_token(request: Request, response: Response | None = None) -> str:
    """The token forms and scripts must send back: the session's, or before sign-in an anonymous one."""
    payload = _session_payload(request)
    if payload:
        return payload["csrf"]
    token = request.cookies.get(ANONYMOUS_CSRF_COOKIE) or getattr(request.state, "new_anonymous_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_anonymous_csrf = token
    if response is not None and getattr(request.state, "new_anonymous_csrf", None):
        _set_cookie(request, response, ANONYMOUS_CSRF_COOKIE, request.state.new_anonymous_csrf, None)
    return token


def check_csrf(request: Request, sent: str | None) -> None:
    """Refuse a state-changing request whose token is not the session's (or, before sign-in, the cookie's)."""
    payload = _session_payload(request)
    expected = payload["csrf"] if payload else request.cookies.get(ANONYMOUS_CSRF_COOKIE)
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRejected("the form or request is missing its CSRF token, or it has expired: reload the page")


def page_actor(request: Request, session: DbSession) -> Actor:
    """The signed-in user of a page (redirected to /login when there is none, or the token no longer works)."""
    token = session_token(request)
    if token is None:
        raise SignInRequired("sign in first")
    try:
        user = user_of_token(session, token)
    except Unauthorized as exc:
        raise SignInRequired(exc.detail) from exc
    request.state.user_language = user.language  # the pages speak the user's own language (i18n.language_of)
    return actor_of(user, client_address(request))


def session_cookie_token(request: Request) -> str | None:
    """A credential reader for the API (`app.state.credential_readers`): the cookie's token, CSRF-checked.

    A browser sends the cookie with any request another site makes it send, so an unsafe method must also carry
    the CSRF header that only our own pages can read.
    """
    token = session_token(request)
    if token is not None and request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return token


PageActor = Annotated[Actor, Depends(page_actor)]
