"""``relance user``: the people who sign in to the console (issue 18), with the roles of the API.

Passwords are typed at a hidden prompt (twice), or read from standard input with ``--password-stdin``
(for scripts); they never appear on the command line, where the shell history would keep them.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from api.bootstrap import User, UserStore, open_database
from api.cli_app import app, fail, load_settings
from application.access import Role
from domain.errors import DomainError

user_app = typer.Typer(help="Console users: create, list, disable, reset a password.", no_args_is_help=True)
app.add_typer(user_app, name="user")

StdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input (one line), not a prompt")
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return str(typer.prompt("Mot de passe (12 caractères au moins)", hide_input=True, confirmation_prompt=True))


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(help="Sign-in name, e.g. marie.dupont: the actor of what they record")],
    role: Annotated[Role, typer.Option(help="admin, manager, collector, accountant or auditor.")],
    name: Annotated[str, typer.Option("--name", help="The person's name as the console shows it")],
    password_stdin: StdinOption = False,
) -> None:
    """Create a console account; only the password's Argon2id hash is kept."""
    password = _password(password_stdin)
    database = open_database(load_settings())
    try:
        user = UserStore(database).create(
            username=username, display_name=name, role=role, password=password, created_by="cli"
        )
    except DomainError as error:
        fail(f"{error.message} [{error.rule}]", 1)
    finally:
        database.close()
    typer.echo(f"utilisateur {user.username} créé ({user.display_name}, {user.role.value})")


@user_app.command("list")
def user_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Accounts with their role and state (never a password)."""
    database = open_database(load_settings())
    try:
        users = UserStore(database).list()
    finally:
        database.close()
    if as_json:
        typer.echo(json.dumps([_view(user) for user in users], indent=2, ensure_ascii=False))
        return
    for user in users:
        state = f"désactivé {user.disabled_at}" if user.disabled_at else "actif"
        typer.echo(f"{user.username:<24}{user.role.value:<12}{user.display_name:<32}{state}")
    typer.echo(f"{len(users)} utilisateur(s)")


@user_app.command("disable")
def user_disable(username: Annotated[str, typer.Argument(help="The sign-in name")]) -> None:
    """Disable an account at once (never deleted: the journal names it as actor for ever)."""
    database = open_database(load_settings())
    try:
        user = UserStore(database).disable(username)
    except DomainError as error:
        fail(f"{error.message} [{error.rule}]", 3 if error.rule == "user_exists" else 1)
    finally:
        database.close()
    typer.echo(f"utilisateur {user.username} désactivé")


@user_app.command("reset-password")
def user_reset_password(
    username: Annotated[str, typer.Argument(help="The sign-in name")], password_stdin: StdinOption = False
) -> None:
    """Set a new password (failed attempts and lock cleared)."""
    password = _password(password_stdin)
    database = open_database(load_settings())
    try:
        user = UserStore(database).reset_password(username, password)
    except DomainError as error:
        fail(f"{error.message} [{error.rule}]", 3 if error.rule == "user_exists" else 1)
    finally:
        database.close()
    typer.echo(f"mot de passe de {user.username} changé")


def _view(user: User) -> dict[str, object]:
    return {
        "username": user.username, "name": user.display_name, "role": user.role.value,
        "created_at": user.created_at, "password_changed_at": user.password_changed_at,
        "disabled_at": user.disabled_at,
    }  # fmt: skip
