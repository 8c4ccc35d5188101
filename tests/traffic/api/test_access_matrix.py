"""Who may call what: every route of the API against anonymous, a camera key and each role.

Complete by construction: `test_every_route_has_an_entry` enumerates `app.routes` and fails for a route with no
entry in MATRIX (and for an entry whose route is gone). A new route needs a line here saying who may call it. The
web pages (signed in with the session cookie, not a bearer token) have their own matrix, built the same way, in
tests/traffic/web/test_page_access.py.

"Allowed" means the gate let the request through: the answer is neither 401 nor 403 (the sample call may still be
refused later, e.g. 404 for a made-up key or 422 for a deliberately empty body, so nothing is changed). "Denied"
means exactly 401 for callers without the right kind of credential, and 403 for a signed-in user without the role.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from pydantic import SecretStr

from models import Role
from tests.support.auth import TEST_PASSWORD, auth_headers, make_user
from tests.support.factories import SHANGHAI, make_city, make_record
from traffic.services.camera_keys import issue_key
from traffic.web.app import is_page_path

ANONYMOUS, CAMERA = "anonymous", "camera"
ROLE_NAMES = tuple(r.value for r in Role)
PRINCIPALS = (ANONYMOUS, CAMERA, *ROLE_NAMES)

OPEN = frozenset(PRINCIPALS)
USERS = frozenset(ROLE_NAMES)
ADMIN = frozenset({Role.ADMIN.value})
CAMERA_KEY = frozenset({CAMERA})
DECIDERS = frozenset({Role.REVIEWER.value, Role.SUPERVISOR.value})
HOLDERS = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})


@dataclass(frozen=True)
class Call:
    """Who may call a route, and a harmless sample call (path parameters come from the `world` fixture)."""

    allowed: frozenset[str]
    json: Any = None
    data: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)


API = "/api/v1"
MATRIX: dict[tuple[str, str], Call] = {
    ("GET", "/healthz"): Call(OPEN),
    # Readiness reveals check names and short words only, for load balancers that cannot sign in (operations.md).
    ("GET", "/readyz"): Call(OPEN),
    # Metrics: no account or camera key opens them, only the metrics token or a network (the `settings` fixture
    # below sets a token; tests/traffic/api/test_operations.py covers the network and the closed default).
    ("GET", "/metrics"): Call(frozenset()),
    # The API's description reveals no data (docs/access-control.md).
    ("GET", "/openapi.json"): Call(OPEN),
    ("GET", "/docs"): Call(OPEN),
    ("GET", "/docs/oauth2-redirect"): Call(OPEN),
    ("GET", "/redoc"): Call(OPEN),
    ("POST", f"{API}/auth/token"): Call(OPEN, data={"username": "matrix-login", "password": TEST_PASSWORD}),
    ("POST", f"{API}/auth/logout"): Call(USERS),
    ("GET", f"{API}/auth/me"): Call(USERS),
    ("POST", f"{API}/rules/evaluate"): Call(USERS, json={}),
    ("GET", f"{API}/records"): Call(USERS),
    ("GET", f"{API}/records/{{record_ref}}"): Call(USERS),
    ("GET", f"{API}/records/{{record_ref}}/evidence"): Call(USERS),
    ("GET", f"{API}/records/{{record_ref}}/evidence/{{name}}"): Call(USERS),
    ("GET", f"{API}/records/{{record_ref}}/verify"): Call(USERS),
    ("GET", f"{API}/records/{{record_ref}}/audit"): Call(USERS),
    # Only reviewers and supervisors act on records (docs/lifecycle.md); the sample body is refused after the gate.
    ("POST", f"{API}/records/{{record_ref}}/transitions"): Call(DECIDERS, json={}),
    ("POST", f"{API}/records/transitions"): Call(DECIDERS, json={}),
    ("POST", f"{API}/records/{{record_ref}}/undo"): Call(DECIDERS, json={}),
    # Legal holds (docs/operations.md): supervisors and admins; the sample call lacks its reason (422).
    ("POST", f"{API}/records/{{record_ref}}/legal-hold"): Call(HOLDERS, json={}),
    ("DELETE", f"{API}/records/{{record_ref}}/legal-hold"): Call(HOLDERS),
    ("GET", f"{API}/sightings"): Call(USERS),
    # A bad Last-Event-ID is refused after the gate, so an allowed caller gets 422 instead of an endless stream.
    ("GET", f"{API}/events"): Call(USERS, headers={"Last-Event-ID": "not-an-id"}),
    ("POST", f"{API}/webhooks"): Call(ADMIN, json={}),
    ("GET", f"{API}/webhooks"): Call(ADMIN),
    ("GET", f"{API}/webhooks/{{webhook_id}}"): Call(ADMIN),
    ("GET", f"{API}/webhooks/{{webhook_id}}/deliveries"): Call(ADMIN),
    ("DELETE", f"{API}/webhooks/{{webhook_id}}"): Call(ADMIN),
    ("GET", f"{API}/cameras/{{code}}/health"): Call(USERS),
    ("POST", f"{API}/ingest/frames"): Call(CAMERA_KEY, json={}),
    ("GET", f"{API}/ingest/frames/{{frame_id}}"): Call(CAMERA_KEY),
}
for _endpoint in ("summary", "timeseries", "breakdown", "heatmap", "rectification", "ranking", "campaign-effect",
                  "export"):
    # Statistics: every signed-in user, viewers included, within their districts (docs/statistics.md).
    MATRIX[("GET", f"{API}/stats/{_endpoint}")] = Call(USERS)
for _kind in ("districts", "segments", "time-slots", "holidays", "cameras", "rules", "units"):
    # Configuration: read by any signed-in user (scoped), written by admins only.
    MATRIX[("GET", f"{API}/{_kind}")] = Call(USERS)
    MATRIX[("GET", f"{API}/{_kind}/{{key}}")] = Call(USERS)
    MATRIX[("POST", f"{API}/{_kind}")] = Call(ADMIN, json={})
    MATRIX[("PUT", f"{API}/{_kind}/{{key}}")] = Call(ADMIN, json={})
    MATRIX[("DELETE", f"{API}/{_kind}/{{key}}")] = Call(ADMIN)


@pytest.fixture()
def settings(settings):
    return settings.model_copy(update={"metrics_token": SecretStr("matrix-metrics-token")})


def app_routes(app) -> set[tuple[str, str]]:
    """Every (method, path) the app answers; HEAD goes with GET."""
    found = set()
    for context in iter_route_contexts(app.routes):
        methods = getattr(context, "methods", None) or getattr(context.route, "methods", None) or ()
        found |= {(m, context.path) for m in methods if m != "HEAD"}
    return found


def test_every_route_has_an_entry(app) -> None:
    routes = {(method, path) for method, path in app_routes(app) if not is_page_path(path)}
    missing = sorted(routes - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes)
    assert not missing, f"routes without an access entry (add them to MATRIX): {missing}"
    assert not stale, f"entries for routes that no longer exist: {stale}"


@pytest.fixture()
def world(session) -> dict[str, Any]:
    """A city with a record and a keyed camera, one user per role (scoped to its district), and a login user."""
    city = make_city(session, "M")
    record = make_record(session, city, dt.datetime(2023, 6, 5, 7, 30, tzinfo=SHANGHAI))
    make_user(session, Role.VIEWER, ["DM"], username="matrix-login")
    users = {role.value: make_user(session, role, [] if role == Role.ADMIN else ["DM"]) for role in Role}
    return {
        "params": {"record_ref": str(record.id), "name": "composite.jpg", "key": "NOPE", "webhook_id": "999999",
                   "frame_id": "no-such-frame", "code": city.camera.code},
        "camera_key": issue_key(session, city.camera.code),
        "users": users,
    }


def _credentials(session, world, principal: str) -> dict[str, str]:
    if principal == ANONYMOUS:
        return {}
    if principal == CAMERA:
        return {"X-Camera-Key": world["camera_key"]}
    return auth_headers(session, world["users"][principal])  # fresh per call: logout revokes the one it is sent


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_role_route_matrix(anonymous_client, session, world, principal: str) -> None:
    wrong = []
    for (method, template), call in sorted(MATRIX.items()):
        path = template.format(**world["params"])
        headers = {**_credentials(session, world, principal), **call.headers}
        response = anonymous_client.request(method, path, json=call.json, data=call.data, headers=headers)
        if principal in call.allowed:
            expected = "not 401/403"
            ok = response.status_code not in (401, 403)
        else:
            signed_in_user = principal in ROLE_NAMES and call.allowed != CAMERA_KEY
            expected = 403 if signed_in_user else 401
            ok = response.status_code == expected
        if not ok:
            wrong.append(f"{method} {template}: expected {expected}, got {response.status_code} {response.text[:120]}")
    assert not wrong, f"{principal}:\n" + "\n".join(wrong)
