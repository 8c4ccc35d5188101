"""Opaque API tokens: issued once, stored only as a hash, expiring, revocable; resolved to the user they name."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import ApiToken, User
from traffic.errors import Unauthorized
from traffic.services.camera_keys import hash_key
from traffic.services.utc import as_utc, utc_now

SIGN_IN_AGAIN = "the token is unknown, expired or revoked: sign in again at POST /api/v1/auth/token"


@dataclass(frozen=True)
class IssuedToken:
    """The token itself is shown only now; afterwards only its hash exists."""

    token: str
    expires_in: int


def issue_token(session: Session, user: User, lifetime_s: int, now: dt.datetime | None = None) -> IssuedToken:
    now = now or utc_now()
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_key(token), created_at=now,
                         expires_at=now + dt.timedelta(seconds=lifetime_s)))
    session.flush()
    return IssuedToken(token, lifetime_s)


def user_of_token(session: Session, token: str, now: dt.datetime | None = None) -> User:
    """The enabled user a live token belongs to; Unauthorized for anything else (one message for every case)."""
    now = now or utc_now()
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .options(selectinload(User.districts))
        .where(ApiToken.token_hash == hash_key(token))
    ).first()
    if row is None:
        raise Unauthorized(SIGN_IN_AGAIN)
    stored, user = row
    if stored.revoked_at is not None or as_utc(stored.expires_at) <= now or user.disabled:
        raise Unauthorized(SIGN_IN_AGAIN)
    return user


def revoke_token(session: Session, token: str, now: dt.datetime | None = None) -> None:
    stored = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_key(token)))
    if stored is not None and stored.revoked_at is None:
        stored.revoked_at = now or utc_now()
        session.flush()
