"""The browser session: a signed cookie naming the signed-in user, a CSRF token, and the accounts seam.

Two module-level functions are the seam to the accounts service (issue 8), which the web layer does not own:
`authenticate` checks a user name and password and answers the `Actor`, and `refresh_actor` reloads the `Actor`
of a signed-in user on each request (so a changed role or a disabled user takes effect at once). Until they are
pointed at the accounts service they refuse everyone. Pages get the signed-in `Actor` from one dependency,
`page_actor`; the API accepts the same cookie through `cookie_actor` (with the CSRF header on unsafe methods).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from models.enums import Role
from traffic.api.deps import DbSession
from traffic.errors import Forbidden, Unauthorized
from traffic.services.actors import Actor

SESSION_COOKIE = "traffic_session"
ANONYMOUS_CSRF_COOKIE = "traffic_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SESSION_MAX_AGE_S = 12 * 3600  # one working day; then sign in again
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Unauthorized):
    """No valid session: pages answer with a redirect to /login, scripts with 401."""

    @property
    def kind(self) -> str:
        return "Unauthorized"


class CsrfRejected(Forbidden):
    """A state-changing request without the session's CSRF token."""


def _no_accounts(*_args, **_kwargs) -> Actor:
    raise Unauthorized("no accounts service is connected to the web sign-in")


# The accounts seam (see the module docstring). Signatures:
#   authenticate(session, username, password, client) -> Actor   (raises Unauthorized on a wrong name or password)
#   refresh_actor(session, actor_from_cookie) -> Actor            (raises Unauthorized when the user is gone/disabled)
authenticate: Callable[[Session, str, str, str | None], Actor] = _no_accounts
refresh_actor: Callable[[Session, Actor], Actor] = _no_accounts


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


def start_session(request: Request, response: Response, actor: Actor) -> None:
    """Sign the user in: the cookie carries who they are and a fresh CSRF token."""
    payload = {
        "uid": actor.user_id, "u": actor.username, "r": str(actor.role),
        "d": None if actor.district_ids is None else sorted(actor.district_ids),
        "csrf": secrets.token_urlsafe(24), "iat": int(time.time()),
    }
    _set_cookie(request, response, SESSION_COOKIE, _sign(_key(request), payload), SESSION_MAX_AGE_S)
    response.delete_cookie(ANONYMOUS_CSRF_COOKIE, path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def _session_payload(request: Request) -> dict | None:
    raw = request.cookies.get(SESSION_COOKIE)
    payload = _unsign(_key(request), raw) if raw else None
    if not payload or time.time() - payload.get("iat", 0) > SESSION_MAX_AGE_S:
        return None
    return payload


def _actor_of(payload: dict, client: str | None) -> Actor:
    districts = payload.get("d")
    return Actor(user_id=payload.get("uid"), username=payload["u"], role=Role(payload["r"]),
                 district_ids=None if districts is None else frozenset(districts), client=client)


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


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def page_actor(request: Request, session: DbSession) -> Actor:
    """The signed-in user of a page (redirected to /login when there is none)."""
    payload = _session_payload(request)
    if payload is None:
        raise SignInRequired("sign in first")
    try:
        return refresh_actor(session, _actor_of(payload, _client(request)))
    except Unauthorized as exc:
        raise SignInRequired(exc.detail) from exc


def cookie_actor(request: Request, session: Session) -> Actor | None:
    """For the API's `current_actor`: the cookie's user (CSRF header checked on unsafe methods), or None."""
    if _session_payload(request) is None:
        return None
    if request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return refresh_actor(session, _actor_of(_session_payload(request), _client(request)))


PageActor = Annotated[Actor, Depends(page_actor)]
