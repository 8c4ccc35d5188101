"""The users page for admins: list, create, change role and districts, set a new password, disable.

Every change goes through `traffic.services.accounts` (validated and audited there). A refused change raises its
domain error, so the request's transaction is rolled back and the error page says why. Passwords are read from the
form and handed to the service only: never rendered, logged or put in a redirect.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from models.enums import Role
from traffic.api.accounts import passwords_of
from traffic.api.deps import DbSession
from traffic.errors import InvalidInput
from traffic.services import accounts
from traffic.services import city_repository as repo
from traffic.web.admin import AdminActor
from traffic.web.rendering import render
from traffic.web.session import check_csrf
from traffic.web.views import city_clock, local_text

router = APIRouter(prefix="/admin/users", include_in_schema=False)
DONE_MESSAGES = frozenset({"created", "role", "password", "disabled"})

Csrf = Annotated[str, Form()]
Districts = Annotated[list[str] | None, Form()]  # the ticked districts; none: the whole city


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError as exc:
        raise InvalidInput(f"role must be one of {', '.join(r.value for r in Role)}") from exc


def _same_password(password: str, repeated: str) -> str:
    if password != repeated:
        raise InvalidInput("the two passwords differ")
    return password


def _done(what: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/users?done={what}", status_code=303)


@router.get("", response_class=HTMLResponse)
def users_page(request: Request, session: DbSession, actor: AdminActor, done: str | None = None) -> HTMLResponse:
    tz = city_clock(request, session).tz
    users = [(u, local_text(u.last_login_at, tz) if u.last_login_at else "") for u in accounts.list_users(session)]
    return render(request, "admin_users.html", {
        "actor": actor, "users": users, "roles": [r.value for r in Role],
        "districts": [d.code for d in repo.list_all(session, repo.DISTRICTS)],
        "done": done if done in DONE_MESSAGES else None, "kinds": repo.KINDS, "kind": None,
        "users_page": True,
    })


@router.post("")
def create_user(request: Request, session: DbSession, actor: AdminActor, csrf_token: Csrf,
                username: Annotated[str, Form()], role: Annotated[str, Form()], password: Annotated[str, Form()],
                password_again: Annotated[str, Form()], districts: Districts = None) -> RedirectResponse:
    check_csrf(request, csrf_token)
    accounts.create_user(session, actor, passwords_of(request), username, _role(role),
                         _same_password(password, password_again), districts or [])
    return _done("created")


@router.post("/{username}/role")
def change_role(request: Request, session: DbSession, actor: AdminActor, username: str, csrf_token: Csrf,
                role: Annotated[str, Form()], districts: Districts = None) -> RedirectResponse:
    """The form sends the whole scope: the ticked districts, or none for the whole city."""
    check_csrf(request, csrf_token)
    accounts.set_role(session, actor, username, _role(role), districts or [], whole_city=not districts)
    return _done("role")


@router.post("/{username}/password")
def new_password(request: Request, session: DbSession, actor: AdminActor, username: str, csrf_token: Csrf,
                 password: Annotated[str, Form()], password_again: Annotated[str, Form()]) -> RedirectResponse:
    check_csrf(request, csrf_token)
    accounts.set_password(session, actor, passwords_of(request), username, _same_password(password, password_again))
    return _done("password")


@router.post("/{username}/disable")
def disable(request: Request, session: DbSession, actor: AdminActor, username: str,
            csrf_token: Csrf) -> RedirectResponse:
    check_csrf(request, csrf_token)
    accounts.disable_user(session, actor, username)
    return _done("disabled")
