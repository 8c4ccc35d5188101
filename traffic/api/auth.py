"""Who is calling: every route but a few open ones needs a signed-in user, handed to services as an `Actor`.

`current_actor` is the single dependency that resolves the caller (bearer token or session cookie; see
docs/access-control.md). Tests of other features may override it with `app.dependency_overrides`.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from traffic.errors import Unauthorized
from traffic.services.actors import Actor


def current_actor(request: Request) -> Actor:
    """The signed-in user; 401 when there is none."""
    raise Unauthorized("sign in first: send a bearer token from POST /api/v1/auth/token")


CurrentActor = Annotated[Actor, Depends(current_actor)]
