"""Sign-in, landing, language and security headers of the server-rendered pages."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.traffic.web.signin import form_token, sign_in
from traffic.app import create_app
from traffic.web.app import CONTENT_SECURITY_POLICY


def test_login_form_has_labelled_fields_and_a_csrf_token(client) -> None:
    page = client.get("/login")
    assert page.status_code == 200 and "登录" in page.text
    for field in ("username", "password"):
        assert f'<label for="{field}">' in page.text and f'id="{field}" name="{field}"' in page.text
    assert re.search(r'name="csrf_token" value="[^"]{20,}"', page.text)


def test_sign_in_sets_a_protected_cookie_and_redirects_by_role(client, town) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
    answer = sign_in(client, "east_reviewer")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert "traffic_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http in tests and development
    assert client.get("/", follow_redirects=False).headers["location"] == "/review"


def test_wrong_password_is_refused_on_the_form(client, town) -> None:
    answer = sign_in(client, "east_reviewer", password="guess")
    assert answer.status_code == 401 and "用户名或密码不正确" in answer.text
    assert "traffic_session" not in answer.headers.get("set-cookie", "")


def test_forms_without_the_csrf_token_are_refused(client, town) -> None:
    form_token(client, "/login")
    answer = client.post("/login", data={"username": "east_reviewer", "password": "x", "csrf_token": "forged"})
    assert answer.status_code == 403 and "CSRF" in answer.text
    sign_in(client, "east_reviewer")
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/review").status_code == 200  # still signed in


def test_session_cookie_is_secure_in_production(settings, migrated_engine, session_factory, town) -> None:
    production = settings.model_copy(update={"env": "production",
                                             "secret_key": SecretStr("a-production-key-of-enough-length")})
    app = create_app(production, engine=migrated_engine)
    app.state.session_factory = session_factory
    with TestClient(app, base_url="https://testserver") as client:
        cookie = sign_in(client, "east_reviewer").headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_a_tampered_session_cookie_signs_nobody_in(client, town) -> None:
    sign_in(client, "east_reviewer")
    value = client.cookies.get("traffic_session")
    body, mac = value.rsplit(".", 1)
    client.cookies.set("traffic_session", body.replace("e", "f", 1) + "." + mac)
    assert client.get("/review", follow_redirects=False).headers["location"].startswith("/login")


def test_switching_to_english_is_kept(client, town) -> None:
    sign_in(client, "east_reviewer")
    token = form_token(client, "/review")
    answer = client.post("/language", data={"language": "en", "csrf_token": token, "next": "/review"},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/review"
    page = client.get("/review")
    assert '<html lang="en">' in page.text and "Review queue" in page.text and "审核队列" not in page.text


def test_pages_carry_a_csp_without_inline_scripts(client, town) -> None:
    sign_in(client, "east_reviewer")
    for path in ("/login", "/review"):
        page = client.get(path)
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        for tag in re.findall(r"<script[^>]*>", page.text):
            assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
        assert not re.search(r"<[^>]+\son[a-z]+=", page.text)
    # The API keeps its own stricter policy (nothing may run there); a page carries exactly one policy.
    assert client.get("/api/v1/records").headers["content-security-policy"].startswith("default-src 'none'")
    assert client.get("/review").headers.get_list("content-security-policy") == [CONTENT_SECURITY_POLICY]


def test_static_files_are_served_from_the_package(client) -> None:
    for name in ("app.css", "page.js", "review.js", "decisions.js", "record.js"):
        answer = client.get(f"/static/{name}")
        assert answer.status_code == 200 and len(answer.content) > 100


def test_errors_are_pages_for_people_and_json_for_scripts(client, town) -> None:
    assert client.get("/review/items").json() == {"error": "Unauthorized", "detail": "sign in first"}
    sign_in(client, "west_reviewer")
    page = client.get(f"/records/{town.east_records[0].record_no}")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "没有找到，或不在您的辖区内" in page.text
    script = client.get(f"/review/items/{town.east_records[0].id}")
    assert script.status_code == 404 and script.json()["error"] == "NotFound"
    api = client.get("/api/v1/records/999999")
    assert api.status_code == 404 and api.json()["error"] == "NotFound"
