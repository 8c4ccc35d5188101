"""The one error shape every route answers with."""
from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    error: str = Field(description="the kind of error, e.g. NotFound, ValidationError, InternalError",
                       examples=["NotFound"])
    detail: str = Field(description="what went wrong, for a person to read")
