"""API shapes of sign-in and the signed-in user."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from models.enums import Role


class TokenOut(BaseModel):
    """An OAuth2 bearer token; send it as ``Authorization: Bearer <access_token>``. Shown only once."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


class MeOut(BaseModel):
    id: int
    username: str
    role: Role
    whole_city: bool = Field(description="true: every district (admins always); false: only `districts`")
    districts: list[str] = Field(description="codes of the districts this user may see and act on")
