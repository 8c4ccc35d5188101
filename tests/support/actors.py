"""Signed-in users for API tests: override `current_actor` with the role and districts a test needs."""
from __future__ import annotations

from collections.abc import Iterable

from models.enums import Role
from traffic.api.auth import current_actor
from traffic.services.actors import Actor


def actor(role: Role | str, district_ids: Iterable[int] | None = None, *, username: str | None = None,
          client: str = "testclient") -> Actor:
    """A user of ``role``, scoped to ``district_ids`` (None: the whole city)."""
    role = Role(role)
    return Actor(user_id=None, username=username or f"test-{role}", role=role,
                 district_ids=frozenset(district_ids) if district_ids is not None else None, client=client)


def act_as(app, who: Actor) -> Actor:
    """Make every request to ``app`` come from ``who`` until the next call."""
    app.dependency_overrides[current_actor] = lambda: who
    return who
