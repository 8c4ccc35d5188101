"""Sign a test client in through the real form (CSRF token included)."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.traffic.web.conftest import PASSWORD

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return CSRF_INPUT.search(page.text).group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD, next_path: str = "/"):
    token = form_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": next_path}, follow_redirects=False)
