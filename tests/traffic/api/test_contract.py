"""The OpenAPI schema is the truth: schemathesis runs every check on every operation against the app in-process.

The app runs on SQLite with a small seeded city (three cameras, a rule, a few records), so that lookups by key find
something as well as nothing. The CI profile has a fixed seed and a bounded number of cases (docs/contract.md);
`TRAFFIC_FUZZ_PROFILE=long` runs many more. It runs once per caller: anonymous, a camera key, and a signed-in user
of each role (the admin over the whole city, the others scoped to one district), so every operation is fuzzed past
its gate by someone allowed through it.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from models import Role
from tests.support.auth import TEST_PASSWORD_COST, headers_for
from tests.support.contract import FuzzProfile, run_fuzz
from tests.support.databases import fresh_database
from tests.support.factories import SHANGHAI, make_city, make_record
from tests.support.ingest import apply_ingest_city
from traffic import migrate
from traffic.app import create_app
from traffic.db import make_engine, make_session_factory, transaction
from traffic.services.camera_keys import issue_key
from traffic.settings import Settings

FUZZ_PROFILES = {
    "ci": FuzzProfile(seed=20260702, max_examples=5),
    "long": FuzzProfile(seed=20260702, max_examples=200),
}


@dataclass(frozen=True)
class Caller:
    """Who the fuzzer calls as: a name for the test id, and how to sign in on the seeded database.

    ``sign_in`` gets a session on that database (to create the user and a token) and returns the request headers.
    """

    name: str
    sign_in: Callable[[Session], dict[str, str]]


def _user(role: Role) -> Caller:
    districts = [] if role == Role.ADMIN else ["DF"]
    return Caller(role.value, lambda session: headers_for(session, role, districts))


def _camera(session: Session) -> dict[str, str]:
    return {"X-Camera-Key": issue_key(session, "CAM-A")}


CALLERS = [Caller("anonymous", lambda _session: {}), Caller("camera", _camera), *(_user(role) for role in Role)]
# Signing out revokes the token the rest of a user's run needs; its own tests cover it (test_auth_api.py).
SKIPPED_WHEN_SIGNED_IN = {("POST", "/api/v1/auth/logout")}


def fuzz_profile() -> FuzzProfile:
    name = os.environ.get("TRAFFIC_FUZZ_PROFILE", "ci")
    if name not in FUZZ_PROFILES:
        raise pytest.UsageError(f"TRAFFIC_FUZZ_PROFILE must be one of {sorted(FUZZ_PROFILES)}, got {name!r}")
    return FUZZ_PROFILES[name]


@pytest.fixture()
def fuzzed_app(tmp_path: Path):
    with fresh_database("sqlite", tmp_path) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        with transaction(make_session_factory(engine)) as session:
            apply_ingest_city(session)
            city = make_city(session, suffix="F")
            for minute in range(3):
                make_record(session, city, dt.datetime(2023, 6, 5, 7, minute, tzinfo=SHANGHAI))
        settings = Settings(env="test", database_url=url, data_dir=tmp_path / "data", events_stream_max_s=0,
                            **TEST_PASSWORD_COST)
        yield create_app(settings, engine=engine)
        engine.dispose()


@pytest.mark.parametrize("caller", CALLERS, ids=lambda caller: caller.name)
def test_every_operation_keeps_the_contract(fuzzed_app, caller: Caller) -> None:
    with transaction(fuzzed_app.state.session_factory) as session:
        headers = caller.sign_in(session)
    skipped = SKIPPED_WHEN_SIGNED_IN if "Authorization" in headers else set()
    report = run_fuzz(fuzzed_app, fuzz_profile(), headers, skipped)
    assert report.operations, "schemathesis tested no operation"
    assert not report.failures and not report.errors, report.describe()
