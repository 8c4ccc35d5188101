"""Who may open which page: every page route against anonymous and each role, signed in on the form.

Complete by construction, like the API's matrix (tests/traffic/api/test_access_matrix.py): a page route without an
entry here fails. "Allowed" means the page let the user through (neither 401/403 nor a trip to /login); "denied"
means a redirect to /login (or 401 for posts and the scripts' JSON) for anonymous, and 403 for a signed-in user
without the role.
"""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from models.enums import Role
from tests.support.auth import make_user
from tests.traffic.api.test_access_matrix import app_routes
from tests.traffic.web.conftest import PASSWORD
from tests.traffic.web.signin import form_token, sign_in
from traffic.web.app import is_page_path

ANONYMOUS = "anonymous"
ROLE_NAMES = tuple(r.value for r in Role)
USERS = frozenset(ROLE_NAMES)
ANYONE = frozenset({ANONYMOUS, *ROLE_NAMES})
ADMIN = frozenset({Role.ADMIN.value})
SUPERVISING = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})

# (method, path) -> who may; None as the sample: the route has its own tests (signing in or out changes the client).
PAGES: dict[tuple[str, str], frozenset[str] | None] = {
    ("GET", "/login"): ANYONE,
    ("POST", "/login"): None,  # test_pages.py, test_session.py
    ("POST", "/logout"): None,  # test_session.py
    ("POST", "/language"): ANYONE,
    ("GET", "/"): USERS,
    ("GET", "/review"): USERS,  # viewers read the queue without decision buttons
    ("GET", "/review/items"): USERS,
    ("GET", "/review/items/{record_id}"): USERS,
    ("GET", "/records/{record_no}"): USERS,
    ("GET", "/dashboard"): USERS,  # statistics: every signed-in role, as the stats API (scoped to their districts)
    ("GET", "/supervision"): SUPERVISING,
    # Legal holds: the sample post has no reason, so a supervisor or admin gets past the role check to a 422.
    ("POST", "/records/{record_no}/legal-hold"): SUPERVISING,
    ("POST", "/records/{record_no}/legal-hold/lift"): SUPERVISING,
    ("GET", "/admin/cameras"): ADMIN,
    ("GET", "/admin/cameras/{code}/zone"): ADMIN,
    ("GET", "/admin/cameras/{code}/latest-frame"): ADMIN,
    ("POST", "/admin/cameras/{code}/key"): ADMIN,
    ("GET", "/admin/config/{plural}"): ADMIN,
    ("POST", "/admin/config/rules/preview"): ADMIN,
    ("GET", "/admin/users"): ADMIN,
    # The sample posts carry no user fields: an admin gets past the role check to the form's 422, others 403.
    ("POST", "/admin/users"): ADMIN,
    ("POST", "/admin/users/{username}/role"): ADMIN,
    ("POST", "/admin/users/{username}/password"): ADMIN,
    ("POST", "/admin/users/{username}/disable"): ADMIN,
}

JSON_BODIES = frozenset({"/admin/config/rules/preview"})  # the script posts JSON; an empty rule passes the body check


def test_every_page_route_has_an_entry(app) -> None:
    pages = {(method, path) for method, path in app_routes(app) if is_page_path(path)}
    assert sorted(pages - PAGES.keys()) == [], "page routes without an access entry"
    assert sorted(PAGES.keys() - pages) == [], "entries for page routes that no longer exist"


@pytest.mark.parametrize("principal", (ANONYMOUS, *ROLE_NAMES))
def test_page_matrix(app, session, town, principal: str) -> None:
    if principal == Role.VIEWER.value:
        make_user(session, Role.VIEWER, [town.east.district.code], username="viewer", password=PASSWORD)
    name = {"reviewer": "east_reviewer", "supervisor": "chief", "admin": "admin", "viewer": "viewer"}.get(principal)
    params = {"record_id": town.east_records[0].id, "record_no": town.east_records[0].record_no,
              "code": town.east.camera.code, "plural": "districts", "username": "nobody"}
    wrong = []
    with TestClient(app) as client:
        if name:
            assert sign_in(client, name).status_code == 303
        token = form_token(client, "/login")
        for (method, template), allowed in sorted(PAGES.items()):
            if allowed is None:
                continue
            path = template.format(**params)
            if method == "GET":
                answer = client.get(path, follow_redirects=False)
            elif template in JSON_BODIES:
                answer = client.post(path, json={}, headers={"X-CSRF-Token": token}, follow_redirects=False)
            else:
                answer = client.post(path, data={"csrf_token": token, "language": "zh"}, follow_redirects=False)
            to_login = answer.status_code == 303 and answer.headers["location"].startswith("/login")
            if principal in allowed:
                expected, ok = "let through", answer.status_code not in (401, 403) and not to_login
            elif name is None:  # scripts' JSON routes answer 401 where a page sends people to the form
                expected, ok = "redirect to /login or 401", to_login or answer.status_code == 401
            else:
                expected, ok = 403, answer.status_code == 403
            if not ok:
                wrong.append(f"{method} {template}: expected {expected}, got {answer.status_code}")
    assert not wrong, f"{principal}:\n" + "\n".join(wrong)

