"""Who is calling: every route but a few open ones needs a signed-in user, handed to services as an `Actor`.

`current_actor` is the single dependency that resolves the caller (see docs/access-control.md). Credentials are
read by the functions in ``app.state.credential_readers``, in order; the first token found decides. Today that is the
bearer token; the web UI adds a reader for its session cookie (which must check CSRF on unsafe methods), and no
route changes. Tests of other features may override `current_actor` with `app.dependency_overrides`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from models.enums import Role
from traffic.db import transaction
from traffic.errors import Forbidden, Unauthorized
from traffic.services.accounts import actor_of
from traffic.services.actors import Actor
from traffic.services.tokens import user_of_token

TOKEN_URL = "/api/v1/auth/token"
SIGN_IN_FIRST = f"sign in first: send a bearer token from POST {TOKEN_URL}"

# Declared for the OpenAPI document (the "Authorize" button of /docs); reading is done by the readers below.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)

CredentialReader = Callable[[Request], str | None]


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


DEFAULT_CREDENTIAL_READERS: tuple[CredentialReader, ...] = (bearer_token,)


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def presented_token(request: Request) -> str | None:
    for read in getattr(request.app.state, "credential_readers", DEFAULT_CREDENTIAL_READERS):
        token = read(request)
        if token:
            return token
    return None


def current_actor(request: Request, _: Annotated[str | None, Depends(oauth2_scheme)] = None) -> Actor:
    """The signed-in user; 401 when there is none, or when the token is expired, revoked or of a disabled user.

    Read in its own short transaction, not the request's: a streaming route (GET /events) reads in sessions of its
    own, and on SQLite an open request transaction would hold the write lock those reads wait for.
    """
    token = presented_token(request)
    if token is None:
        raise Unauthorized(SIGN_IN_FIRST)
    with transaction(request.app.state.session_factory) as session:
        return actor_of(user_of_token(session, token), client_address(request))


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_roles(*roles: Role) -> Callable[[Actor], Actor]:
    """A dependency that lets only these roles through (403 for other signed-in users)."""
    allowed = frozenset(roles)

    def guard(actor: CurrentActor) -> Actor:
        if actor.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"this needs the role {names}; you are {actor.role.value}")
        return actor

    guard.__name__ = f"require_{'_or_'.join(sorted(r.value for r in allowed))}"
    return guard


AdminActor = Annotated[Actor, Depends(require_roles(Role.ADMIN))]
"""An admin: configuration, users, camera keys and webhooks."""
DecidingActor = Annotated[Actor, Depends(require_roles(Role.REVIEWER, Role.SUPERVISOR))]
"""Someone who may act on records (docs/lifecycle.md): viewers only read, admins only configure."""
