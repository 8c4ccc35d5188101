"""Users: create, list, disable, change password or role and scope; and the Actor a user acts as."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from models import ApiToken, AuditEntry, District, Role, User
from traffic.errors import AlreadyExists, InvalidInput, NotFound
from traffic.services.actors import Actor
from traffic.services.passwords import Passwords, check_password_strength
from traffic.services.utc import utc_now

MAX_USERNAME = 64


@dataclass(frozen=True)
class UserView:
    """A user as shown to people: never the hash."""

    id: int
    username: str
    role: Role
    districts: tuple[str, ...]  # empty: the whole city
    disabled: bool
    last_login_at: dt.datetime | None = None  # shown on the users page; not part of the audited state

    @property
    def whole_city(self) -> bool:
        return not self.districts

    def as_dict(self) -> dict:
        return {"id": self.id, "username": self.username, "role": self.role.value, "whole_city": self.whole_city,
                "districts": list(self.districts), "disabled": self.disabled}


def view_of(user: User) -> UserView:
    return UserView(user.id, user.username, user.role, tuple(sorted(d.code for d in user.districts)), user.disabled,
                    user.last_login_at)


def actor_of(user: User, client: str | None = None) -> Actor:
    """What the services see of a signed-in user; admins and users without districts see the whole city."""
    scope = None if user.role == Role.ADMIN or not user.districts else frozenset(d.id for d in user.districts)
    return Actor(user_id=user.id, username=user.username, role=user.role, district_ids=scope, client=client)


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).options(selectinload(User.districts)).where(User.username == username))
    if user is None:
        raise NotFound(f"user {username!r} does not exist")
    return user


def list_users(session: Session) -> list[UserView]:
    users = session.scalars(select(User).options(selectinload(User.districts)).order_by(User.username))
    return [view_of(u) for u in users]


def create_user(session: Session, actor: Actor, passwords: Passwords, username: str, role: Role, password: str,
                district_codes: list[str] | None = None) -> UserView:
    username = username.strip()
    if not username or len(username) > MAX_USERNAME or any(c.isspace() for c in username):
        raise InvalidInput(f"a user name has 1 to {MAX_USERNAME} characters and no spaces")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AlreadyExists(f"user {username!r} already exists")
    check_password_strength(password)
    user = User(username=username, role=role, password_hash=passwords.hash(password), disabled=False,
                created_at=utc_now())
    user.districts = _districts(session, role, district_codes or [])
    session.add(user)
    session.flush()
    _audit(session, actor, user, "create", None, view_of(user))
    return view_of(user)


def disable_user(session: Session, actor: Actor, username: str, now: dt.datetime | None = None) -> UserView:
    """Disable a user and revoke every token they hold, at once."""
    user = find_user(session, username)
    before = view_of(user)
    user.disabled = True
    revoke_all_tokens(session, user.id, now)
    session.flush()
    _audit(session, actor, user, "disable", before, view_of(user))
    return view_of(user)


def set_password(session: Session, actor: Actor, passwords: Passwords, username: str, password: str) -> None:
    """A new password; the user's tokens are revoked, so a leaked password stops working everywhere."""
    user = find_user(session, username)
    check_password_strength(password)
    user.password_hash = passwords.hash(password)
    revoke_all_tokens(session, user.id)
    session.flush()
    _audit(session, actor, user, "set_password", None, None)


def set_role(session: Session, actor: Actor, username: str, role: Role, district_codes: list[str] | None = None,
             whole_city: bool = False) -> UserView:
    """Change a role; ``district_codes`` replace the scope, ``whole_city`` clears it, neither keeps it."""
    user = find_user(session, username)
    before = view_of(user)
    if district_codes and whole_city:
        raise InvalidInput("give districts or whole city, not both")
    codes = [] if whole_city else district_codes if district_codes else list(before.districts)
    if role == Role.ADMIN:
        codes = []  # admins always see the whole city
    user.role = role
    user.districts = _districts(session, role, codes)
    session.flush()
    _audit(session, actor, user, "set_role", before, view_of(user))
    return view_of(user)


def set_language(session: Session, user_id: int, language: str, languages: tuple[str, ...]) -> None:
    """The language the pages speak to a user: their own preference, so it is not audited."""
    if language not in languages:
        raise InvalidInput(f"language must be one of {', '.join(languages)}")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    user.language = language
    session.flush()


def revoke_all_tokens(session: Session, user_id: int, now: dt.datetime | None = None) -> None:
    session.execute(
        update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now or utc_now())
    )


def _districts(session: Session, role: Role, codes: list[str]) -> list[District]:
    if role == Role.ADMIN and codes:
        raise InvalidInput("an admin always sees the whole city; give no districts")
    found = {d.code: d for d in session.scalars(select(District).where(District.code.in_(codes)))}
    missing = sorted(set(codes) - set(found))
    if missing:
        raise InvalidInput(f"district {', '.join(missing)} does not exist")
    return [found[c] for c in sorted(set(codes))]


def _audit(session: Session, actor: Actor, user: User, action: str, before: UserView | None,
           after: UserView | None) -> None:
    # Who changed which account: with before and after, but never a password or its hash.
    session.add(AuditEntry(
        at=utc_now(), username=actor.username, role=actor.role.value, client=actor.client, entity="user",
        entity_key=user.username, action=action, before=before.as_dict() if before else None,
        after=after.as_dict() if after else None,
    ))
    session.flush()
