"""The statistics API answers for an actor the test chooses: an admin by default, or one scoped to districts."""
from __future__ import annotations

from functools import partial

import pytest

from tests.support import actors
from tests.support.stats_data import ADMIN
from traffic.api.auth import current_actor


@pytest.fixture()
def act_as(app):
    """Call ``act_as(actor)`` to make the API see that caller, whatever the client signs in as."""
    choose = partial(actors.act_as, app)
    choose(ADMIN)
    yield choose
    app.dependency_overrides.pop(current_actor, None)
