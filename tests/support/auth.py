"""Accounts for tests: a user of any role and scope, and the headers that sign a request in as them.

    headers = auth_headers(session, make_user(session, Role.REVIEWER, districts=["D1"]))
    client.get("/api/v1/records", headers=headers)

Users are created through the accounts service with cheap Argon2 parameters (TEST_PASSWORD_COST), so making one
costs milliseconds; apps built by the `settings` fixture use the same parameters, so these users can sign in too.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable
from functools import cache

from sqlalchemy.orm import Session

from models import Role, User
from traffic.services import accounts
from traffic.services.actors import Actor
from traffic.services.passwords import Passwords
from traffic.services.tokens import issue_token

TEST_PASSWORD = "correct horse battery staple"
TEST_PASSWORD_COST = {"password_time_cost": 1, "password_memory_kib": 64}
TOKEN_LIFETIME_S = 3600
ROLES = tuple(Role)

_names = itertools.count(1)
_SETUP = Actor(user_id=None, username="tests", role=Role.ADMIN, district_ids=None, client="tests")


@cache
def test_passwords() -> Passwords:
    return Passwords(TEST_PASSWORD_COST["password_time_cost"], TEST_PASSWORD_COST["password_memory_kib"])


def make_user(session: Session, role: Role = Role.ADMIN, districts: Iterable[str] = (), *,
              username: str | None = None, password: str = TEST_PASSWORD) -> User:
    """A user of ``role`` scoped to ``districts`` (codes that exist; none: the whole city)."""
    name = username or f"{role.value}-{next(_names)}"
    accounts.create_user(session, _SETUP, test_passwords(), name, role, password, list(districts))
    return accounts.find_user(session, name)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def auth_headers(session: Session, user: User) -> dict[str, str]:
    """Headers signing a request in as ``user`` (a fresh token, as POST /auth/token would issue)."""
    return bearer(issue_token(session, user, TOKEN_LIFETIME_S).token)


def headers_for(session: Session, role: Role = Role.ADMIN, districts: Iterable[str] = ()) -> dict[str, str]:
    """Shortcut: a new user of ``role`` and scope, signed in."""
    return auth_headers(session, make_user(session, role, districts))


def sign_in(client, username: str, password: str = TEST_PASSWORD):
    """POST /api/v1/auth/token as a form, as an OAuth2 client does; returns the response."""
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})
