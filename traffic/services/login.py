"""Signing in with a user name and password, throttled per user name and per client address.

After ``max_failures`` failed attempts within ``window_s`` seconds (for one user name, or from one address), further
attempts are refused with TooManyAttempts until the oldest of those failures leaves the window. A success clears
the count for its user name and address. Attempts are stored (never the password) and logged.

A failure must be stored although the sign-in is refused, so ``sign_in`` returns its refusal instead of raising it:
the caller commits, then raises.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from models import LoginAttempt, User
from traffic.errors import TooManyAttempts, TrafficError, Unauthorized
from traffic.services.passwords import Passwords
from traffic.services.tokens import IssuedToken, issue_token
from traffic.services.utc import as_utc, utc_now

log = logging.getLogger(__name__)

WRONG_CREDENTIALS = "wrong user name or password"


@dataclass(frozen=True)
class SignInOutcome:
    """Either a token or the error to raise once the attempt is committed."""

    token: IssuedToken | None = None
    refusal: TrafficError | None = None


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    window_s: int
    token_lifetime_s: int

    @classmethod
    def from_settings(cls, settings) -> LoginPolicy:
        return cls(settings.login_max_failures, settings.login_window_s, settings.token_lifetime_s)


def sign_in(session: Session, passwords: Passwords, policy: LoginPolicy, username: str, password: str,
            client: str | None, now: dt.datetime | None = None) -> SignInOutcome:
    """A new token for a right user name and password of an enabled user; refuses while throttled."""
    now = now or utc_now()
    username = username.strip()[:64]
    retry_after = _throttled_for(session, policy, username, client, now)
    if retry_after:
        log.warning("sign-in refused (throttled) for user %r from %s; retry in %d s", username, client, retry_after)
        return SignInOutcome(refusal=TooManyAttempts("too many failed sign-ins; try again later", retry_after))
    user = session.scalar(select(User).options(selectinload(User.districts)).where(User.username == username))
    check = passwords.check(password, user.password_hash if user is not None else None)
    if user is None or not check.valid or user.disabled:
        session.add(LoginAttempt(at=now, username=username, client=client, succeeded=False))
        session.flush()
        log.warning("sign-in failed for user %r from %s", username, client)
        return SignInOutcome(refusal=Unauthorized(WRONG_CREDENTIALS))
    if check.new_hash:  # the Argon2 parameters changed since this hash was made
        user.password_hash = check.new_hash
    user.last_login_at = now
    session.add(LoginAttempt(at=now, username=username, client=client, succeeded=True))
    log.info("sign-in of user %r from %s", username, client)
    return SignInOutcome(token=issue_token(session, user, policy.token_lifetime_s, now))


def _throttled_for(session: Session, policy: LoginPolicy, username: str, client: str | None,
                   now: dt.datetime) -> int:
    """Seconds to wait before the next attempt, 0 when an attempt is allowed now."""
    waits = [_wait(session, policy, LoginAttempt.username == username, now)]
    if client:
        waits.append(_wait(session, policy, LoginAttempt.client == client, now))
    return max(waits)


def _wait(session: Session, policy: LoginPolicy, who: ColumnElement[bool], now: dt.datetime) -> int:
    window_start = now - dt.timedelta(seconds=policy.window_s)
    last_success = session.scalar(select(func.max(LoginAttempt.at)).where(who, LoginAttempt.succeeded.is_(True)))
    since = max(window_start, as_utc(last_success)) if last_success is not None else window_start
    failures = list(session.scalars(
        select(LoginAttempt.at).where(who, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
        .order_by(LoginAttempt.at.desc()).limit(policy.max_failures)
    ))
    if len(failures) < policy.max_failures:
        return 0
    # The attempt is allowed again once the oldest of the last ``max_failures`` failures leaves the window.
    free_at = as_utc(failures[-1]) + dt.timedelta(seconds=policy.window_s)
    return max(1, math.ceil((free_at - now).total_seconds()))
