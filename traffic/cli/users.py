"""`traffic users create|list|disable|set-password|set-role`: accounts, from the operator's shell."""
from __future__ import annotations

import sys

import typer
from sqlalchemy import Engine

from models.enums import Role
from traffic.cli.context import cli_actor, domain_errors, echo, fail, load_settings, open_engine
from traffic.db import make_session_factory, transaction
from traffic.services import accounts
from traffic.services.demo_accounts import demo_password, ensure_demo_users
from traffic.services.passwords import Passwords
from traffic.settings import Settings

app = typer.Typer(help="用户与角色 Users, roles and district scopes.", no_args_is_help=True)

DISTRICT_HELP = "district code the user may see and act on (repeat for several); none: the whole city"


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def read_password() -> str:
    """Prompt twice on a terminal; otherwise the first line of stdin (for scripts), never echoed."""
    if stdin_is_terminal():
        return typer.prompt("密码 Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        fail("no password: type it at the prompt, or send it as the first line of stdin")
    return line


def _session_factory():
    return make_session_factory(open_engine(load_settings()))


@app.command("create")
def create_command(
    name: str = typer.Argument(..., help="user name (no spaces)"),
    role: Role = typer.Option(..., "--role", help="admin, supervisor, reviewer or viewer"),
    district: list[str] = typer.Option(None, "--district", help=DISTRICT_HELP),
) -> None:
    """Create a user with a role and a district scope; the password is asked for (or read from stdin)."""
    settings = load_settings()
    password = read_password()
    with domain_errors(), transaction(make_session_factory(open_engine(settings))) as session:
        user = accounts.create_user(session, cli_actor(), Passwords.from_settings(settings), name, role, password,
                                    district or [])
    echo(f"用户已创建 user created: {user.username} ({user.role.value}, {_scope(user)})")


@app.command("list")
def list_command() -> None:
    """List users with their role, scope and whether they are disabled."""
    with domain_errors(), _session_factory()() as session:
        users = accounts.list_users(session)
    for user in users:
        state = "已停用 disabled" if user.disabled else "启用 active"
        echo(f"{user.username}\t{user.role.value}\t{_scope(user)}\t{state}")


@app.command("disable")
def disable_command(name: str = typer.Argument(..., help="user name")) -> None:
    """Disable a user; every token they hold stops working at once."""
    with domain_errors(), transaction(_session_factory()) as session:
        accounts.disable_user(session, cli_actor(), name)
    echo(f"用户已停用 user disabled: {name}; their tokens are revoked")


@app.command("set-password")
def set_password_command(name: str = typer.Argument(..., help="user name")) -> None:
    """Give a user a new password (asked for, or read from stdin); their tokens are revoked."""
    settings = load_settings()
    password = read_password()
    with domain_errors(), transaction(make_session_factory(open_engine(settings))) as session:
        accounts.set_password(session, cli_actor(), Passwords.from_settings(settings), name, password)
    echo(f"密码已更改 password changed: {name}; their tokens are revoked")


@app.command("set-role")
def set_role_command(
    name: str = typer.Argument(..., help="user name"),
    role: Role = typer.Argument(..., help="admin, supervisor, reviewer or viewer"),
    district: list[str] = typer.Option(None, "--district", help="replace the scope with these districts"),
    whole_city: bool = typer.Option(False, "--whole-city", help="replace the scope with the whole city"),
) -> None:
    """Change a user's role, and optionally their districts (kept when neither option is given)."""
    with domain_errors(), transaction(_session_factory()) as session:
        user = accounts.set_role(session, cli_actor(), name, role, district or [], whole_city)
    echo(f"角色已更改 role changed: {user.username} ({user.role.value}, {_scope(user)})")


def _scope(user: accounts.UserView) -> str:
    return "全市 whole city" if user.whole_city else ",".join(user.districts)


def print_demo_logins(settings: Settings, engine: Engine) -> None:
    """Create the demo accounts once and print their login; an existing account's password is not shown again."""
    password = demo_password(settings.demo_password.get_secret_value() if settings.demo_password else None)
    with domain_errors(), transaction(make_session_factory(engine)) as session:
        logins = ensure_demo_users(session, cli_actor(), Passwords.from_settings(settings), password, settings.env)
    for login in logins:
        scope = ",".join(login.districts) or "全市 whole city"
        if login.password is None:
            echo(f"演示账号 demo login: {login.username} ({login.role.value}, {scope}) exists; password unchanged")
        else:
            echo(f"演示账号 demo login: {login.username} / {login.password} ({login.role.value}, {scope})")
