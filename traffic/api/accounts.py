"""Sign-in (OAuth2 password flow), sign-out, and who am I."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from traffic.api.auth import CurrentActor, client_address, presented_token
from traffic.api.deps import DbSession
from traffic.db import transaction
from traffic.schemas.accounts import MeOut, TokenOut
from traffic.services.accounts import find_user, view_of
from traffic.services.login import LoginPolicy, sign_in
from traffic.services.passwords import Passwords
from traffic.services.tokens import revoke_token

router = APIRouter(prefix="/auth", tags=["auth"])

SIGN_IN_ERRORS = {
    401: {"description": "wrong user name or password, or a disabled user"},
    429: {"description": "too many failed sign-ins for this user or address; see Retry-After",
          "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}}},
}


def passwords_of(request: Request) -> Passwords:
    """One hasher per app (building one hashes a dummy password)."""
    passwords = getattr(request.app.state, "passwords", None)
    if passwords is None:
        passwords = request.app.state.passwords = Passwords.from_settings(request.app.state.settings)
    return passwords


@router.post("/token", response_model=TokenOut, responses=SIGN_IN_ERRORS,
             summary="Sign in with user name and password (OAuth2 password flow); answers a bearer token")
def issue_token_endpoint(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request) -> TokenOut:
    settings = request.app.state.settings
    # Its own transaction: a failed attempt is stored although the answer is an error.
    with transaction(request.app.state.session_factory) as session:
        outcome = sign_in(session, passwords_of(request), LoginPolicy.from_settings(settings), form.username,
                          form.password, client_address(request))
    if outcome.refusal is not None:
        raise outcome.refusal
    return TokenOut(access_token=outcome.token.token, expires_in=outcome.token.expires_in)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke the token of this request")
def logout(actor: CurrentActor, request: Request, session: DbSession) -> Response:
    revoke_token(session, presented_token(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=MeOut, summary="The signed-in user, their role and districts")
def me(actor: CurrentActor, session: DbSession) -> MeOut:
    user = view_of(find_user(session, actor.username))
    return MeOut(id=user.id, username=user.username, role=user.role, whole_city=user.whole_city,
                 districts=list(user.districts))
