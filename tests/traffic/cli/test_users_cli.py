"""`traffic users ...` and the demo accounts, as an operator runs them."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from models import AuditEntry, User
from tests.support.auth import TEST_PASSWORD_COST
from tests.support.databases import fresh_database
from traffic import migrate
from traffic.cli import users as users_cli
from traffic.cli.main import app
from traffic.db import make_engine, make_session_factory
from traffic.services.passwords import Passwords

PASSWORD = "s3cret-enough"


@pytest.fixture()
def database(backend: str, tmp_path: Path, monkeypatch):
    with fresh_database(backend, tmp_path) as url:
        monkeypatch.setenv("TRAFFIC_DATABASE_URL", url)
        monkeypatch.setenv("TRAFFIC_DATA_DIR", str(tmp_path / "data"))
        for name, value in TEST_PASSWORD_COST.items():
            monkeypatch.setenv(f"TRAFFIC_{name.upper()}", str(value))
        engine = make_engine(url)
        migrate.upgrade(engine)
        yield make_session_factory(engine)
        engine.dispose()


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)


def _user(factory, name: str) -> User | None:
    with factory() as session:
        return session.scalar(select(User).where(User.username == name))


def test_create_reads_the_password_from_the_first_line_of_stdin(database) -> None:
    assert run("config", "apply", str(Path(__file__).resolve().parents[3] / "traffic/demo/city.yaml")).exit_code == 0
    created = run("users", "create", "wang.wei", "--role", "reviewer", "--district", "D1", "--district", "D2",
                  input=f"{PASSWORD}\nignored second line\n")
    assert created.exit_code == 0, created.output
    assert PASSWORD not in created.output
    user = _user(database, "wang.wei")
    assert user.role == "reviewer" and user.password_hash.startswith("$argon2id$")
    assert Passwords(**{"time_cost": 1, "memory_kib": 64}).check(PASSWORD, user.password_hash).valid
    listed = run("users", "list").output
    assert "wang.wei\treviewer\tD1,D2\t启用 active" in listed


def test_create_prompts_twice_on_a_terminal(database, monkeypatch) -> None:
    monkeypatch.setattr(users_cli, "stdin_is_terminal", lambda: True)
    mismatch = run("users", "create", "zhao", "--role", "viewer", input=f"{PASSWORD}\nother-password\n"
                   f"{PASSWORD}\n{PASSWORD}\n")
    assert mismatch.exit_code == 0, mismatch.output
    assert mismatch.output.count("Repeat for confirmation") == 2  # asked again after the two entries differed
    assert "do not match" in mismatch.output and PASSWORD not in mismatch.output
    assert _user(database, "zhao") is not None


def test_refusals_are_one_line_and_exit_non_zero(database) -> None:
    short = run("users", "create", "li", "--role", "viewer", input="short\n")
    assert short.exit_code == 2 and "at least 8 characters" in short.output
    unknown = run("users", "create", "li", "--role", "viewer", "--district", "NOWHERE", input=f"{PASSWORD}\n")
    assert unknown.exit_code == 2 and "district NOWHERE does not exist" in unknown.output
    admin_scoped = run("users", "create", "li", "--role", "admin", "--district", "NOWHERE", input=f"{PASSWORD}\n")
    assert admin_scoped.exit_code == 2 and "whole city" in admin_scoped.output
    assert run("users", "create", "li", "--role", "viewer", input=f"{PASSWORD}\n").exit_code == 0
    again = run("users", "create", "li", "--role", "viewer", input=f"{PASSWORD}\n")
    assert again.exit_code == 2 and "already exists" in again.output
    assert run("users", "disable", "nobody").exit_code == 2


def test_disable_set_password_and_set_role_are_audited(database) -> None:
    assert run("users", "create", "chen", "--role", "viewer", input=f"{PASSWORD}\n").exit_code == 0
    assert run("users", "set-role", "chen", "supervisor").exit_code == 0
    assert run("users", "set-password", "chen", input="another-password\n").exit_code == 0
    assert run("users", "disable", "chen").exit_code == 0
    user = _user(database, "chen")
    assert user.role == "supervisor" and user.disabled
    assert Passwords(time_cost=1, memory_kib=64).check("another-password", user.password_hash).valid
    assert "chen\tsupervisor\t全市 whole city\t已停用 disabled" in run("users", "list").output
    with database() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.entity == "user").order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["create", "set_role", "set_password", "disable"]
    assert entries[1].before["role"] == "viewer" and entries[1].after["role"] == "supervisor"
    assert all(e.username.startswith("cli:") for e in entries)
    assert not any(PASSWORD in str(e.before) + str(e.after) for e in entries)


def test_demo_creates_its_two_logins_once(database, monkeypatch) -> None:
    monkeypatch.setenv("TRAFFIC_DEMO_PASSWORD", "demo-password-1")
    first = run("demo", "--no-serve", "--no-video")
    assert first.exit_code == 0, first.output
    assert "demo-admin / demo-password-1 (admin, 全市 whole city)" in first.output
    assert "demo-reviewer / demo-password-1 (reviewer, D1)" in first.output
    # The history lies around the demo city's campaign start (2023-06-01): the demo names the dashboard over it.
    assert "dashboard over the history: http://127.0.0.1:8000/dashboard?from=2023-07-27&to=2023-08-23" in first.output
    second = run("demo", "--no-serve", "--no-video")
    assert "demo-password-1" not in second.output and "exists; password unchanged" in second.output


def test_demo_without_a_password_prints_a_random_one(database) -> None:
    output = run("demo", "--no-serve", "--no-video").output
    line = next(line for line in output.splitlines() if "demo-admin /" in line)
    password = line.split(" / ")[1].split(" ")[0]
    assert len(password) >= 12
    assert Passwords(time_cost=1, memory_kib=64).check(password, _user(database, "demo-admin").password_hash).valid


def test_demo_refuses_in_production(database, monkeypatch) -> None:
    monkeypatch.setenv("TRAFFIC_ENV", "production")
    monkeypatch.setenv("TRAFFIC_SECRET_KEY", "a-long-random-production-key")
    refused = run("demo", "--no-serve", "--no-video")
    assert refused.exit_code == 2 and "production" in refused.output
    assert _user(database, "demo-admin") is None
