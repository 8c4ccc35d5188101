"""The statistics API answers for an actor the test chooses (the accounts issue implements real sign-in)."""
from __future__ import annotations

import pytest

from tests.support.stats_data import ADMIN
from traffic.api.auth import current_actor


@pytest.fixture()
def act_as(app):
    """Call ``act_as(actor)`` to make the API see that caller; an admin by default."""
    def choose(actor) -> None:
        app.dependency_overrides[current_actor] = lambda: actor

    choose(ADMIN)
    yield choose
    app.dependency_overrides.pop(current_actor, None)
