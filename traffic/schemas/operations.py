"""What /readyz answers: one entry per check, and the failing ones named when not ready."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from traffic.schemas.errors import ErrorOut


class CheckOut(BaseModel):
    ok: bool
    detail: str = Field(description="e.g. postgresql, redis, writable, loaded, not applicable; never a secret")


class ReadinessOut(BaseModel):
    status: Literal["ready"]
    checks: dict[str, CheckOut] = Field(description="database, queue, model, evidence")


class NotReadyOut(ErrorOut):
    """The 503 of /readyz: the usual error shape, with every check's result."""

    status: Literal["not ready"]
    checks: dict[str, CheckOut]
