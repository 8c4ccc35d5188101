"""Request-scoped collaborators: one database session per request, committed before the response is sent."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from traffic.db import transaction
from traffic.settings import Settings


def _session(request: Request) -> Iterator[Session]:
    with transaction(request.app.state.session_factory) as session:
        yield session


def _settings(request: Request) -> Settings:
    return request.app.state.settings


DbSession = Annotated[Session, Depends(_session, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]
