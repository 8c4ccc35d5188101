"""The demo's two accounts: an admin and a reviewer of the demo camera's district, created once."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Role, User
from traffic.errors import Forbidden
from traffic.services import accounts
from traffic.services.actors import Actor
from traffic.services.passwords import Passwords

DEMO_USERS = (("demo-admin", Role.ADMIN, ()), ("demo-reviewer", Role.REVIEWER, ("D1",)))


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    districts: tuple[str, ...]
    password: str | None  # None: the account existed already; its password is not shown again


def demo_password(configured: str | None) -> str:
    return configured or secrets.token_urlsafe(12)


def ensure_demo_users(session: Session, actor: Actor, passwords: Passwords, password: str, env: str
                      ) -> list[DemoLogin]:
    """Create the demo accounts that do not exist yet; refused in production, where no account has a known name."""
    if env == "production":
        raise Forbidden("refusing to create demo accounts with TRAFFIC_ENV=production")
    logins = []
    for username, role, districts in DEMO_USERS:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            logins.append(DemoLogin(username, role, districts, None))
            continue
        accounts.create_user(session, actor, passwords, username, role, password, list(districts))
        logins.append(DemoLogin(username, role, districts, password))
    return logins
