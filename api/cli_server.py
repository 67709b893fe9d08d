"""``relance serve`` and ``relance token``: the HTTP API and its bearer tokens."""

from __future__ import annotations

import json
import secrets
from typing import Annotated

import typer
import uvicorn

from api.bootstrap import LetterError, Settings, TokenStore, UserStore, firm_from_settings, open_database
from api.cli_app import app, fail, load_settings, opened_ledger
from api.cli_ledger import load_demo_into
from application.access import Role
from application.configuration_checks import configuration_warnings
from application.correspondence import Firm
from domain.errors import DomainError

token_app = typer.Typer(help="Bearer tokens for the HTTP API (printed once, stored hashed).", no_args_is_help=True)
app.add_typer(token_app, name="token")


@app.command()
def serve(
    demo: Annotated[
        bool, typer.Option(help="On an empty store: load the demo ledger and print a demo admin token.")
    ] = False,
    host: Annotated[str | None, typer.Option(help="Default RELANCE_HOST or 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option(help="Default RELANCE_PORT or 8000.")] = None,
    workers: Annotated[int | None, typer.Option(help="Default RELANCE_WORKERS or 1.")] = None,
) -> None:
    """Run the HTTP API (docs at /docs) over the configured store."""
    settings = load_settings()
    address, tcp_port = host or settings.host, port or settings.port
    if demo:
        _load_demo_once(settings, f"http://{address}:{tcp_port}")
    typer.echo(f"relance API on http://{address}:{tcp_port} (OpenAPI at /docs); store: "
               f"{'PostgreSQL' if settings.uses_postgres else settings.sqlite_path}", err=True)  # fmt: skip
    print_configuration_warnings(settings)
    uvicorn.run(
        "api.http.asgi:app_from_environment",
        factory=True,
        host=address,
        port=tcp_port,
        workers=workers or settings.workers,
        log_config=None,
        access_log=False,
        env_file=None,
    )


def print_configuration_warnings(settings: Settings) -> None:
    """At start-up, loudly: what the letters lack that only the administrator can add (rates, mediator)."""
    with opened_ledger(settings) as ledger:
        table, today = ledger.rate_table(), ledger.now().today
    try:
        firm: Firm | None = firm_from_settings(settings)
    except LetterError:
        firm = None
    for warning in configuration_warnings(table, today, firm):
        typer.secho(f"WARNING {warning.rule}: {warning.detail}", err=True, bold=True)


def _load_demo_once(settings: Settings, base_url: str) -> None:
    """Load the demo ledger (and its documents) when the store is empty; ensure a demo admin token."""
    summary = load_demo_into(settings)
    if summary is not None:
        typer.echo(summary.text(), err=True)
    database = open_database(settings)
    try:
        tokens = TokenStore(database)
        if not any(t.name == "demo-admin" and t.revoked_at is None for t in tokens.list()):
            _, secret = tokens.create(name="demo-admin", role=Role.ADMIN, created_by="relance serve --demo")
            typer.echo(f"demo admin token (shown once): {secret}", err=True)
            typer.echo(f'  curl -H "Authorization: Bearer {secret}" {base_url}/v1/receivables', err=True)
        _demo_console_account(UserStore(database), base_url)
    finally:
        database.close()


DEMO_USER = "demo.responsable"


def _demo_console_account(users: UserStore, base_url: str) -> None:
    """A manager's console account on the demo store, its password printed once (as the demo token)."""
    if any(u.username == DEMO_USER for u in users.list()):
        return
    password = secrets.token_urlsafe(12)
    users.create(
        username=DEMO_USER, display_name="Responsable (démo)", role=Role.MANAGER, password=password,
        created_by="relance serve --demo",
    )  # fmt: skip
    typer.echo(f"console: {base_url}/ (identifiant {DEMO_USER}, mot de passe affiché une fois : {password})", err=True)


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="admin, manager, collector, accountant or auditor.")],
    name: Annotated[str, typer.Option(help="Who or what uses it: the actor of every event it records.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a token; the secret is printed once and only its hash is kept."""
    database = open_database(load_settings())
    try:
        info, secret = TokenStore(database).create(name=name, role=role, created_by="cli")
    except DomainError as error:
        fail(f"{error.message} [{error.rule}]")
    finally:
        database.close()
    if as_json:
        typer.echo(json.dumps({"token_id": info.token_id, "name": info.name, "role": info.role.value, "token": secret}))
    else:
        typer.echo(f"token for {info.name} ({info.role.value}), shown once:\n{secret}")


@token_app.command("list")
def token_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Tokens with their role and state (never the secrets)."""
    database = open_database(load_settings())
    try:
        tokens = TokenStore(database).list()
    finally:
        database.close()
    rows = [
        {"token_id": t.token_id, "name": t.name, "role": t.role.value, "created_at": t.created_at,
         "revoked_at": t.revoked_at}
        for t in tokens
    ]  # fmt: skip
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
        typer.echo(f"{row['token_id']}  {row['role']:<11}{row['name']:<30}{state}")


@token_app.command("revoke")
def token_revoke(name_or_id: Annotated[str, typer.Argument(help="The token's name or id.")]) -> None:
    """Revoke a token at once: its next request gets 401."""
    database = open_database(load_settings())
    try:
        info = TokenStore(database).revoke(name_or_id)
    except DomainError as error:
        fail(error.message, 3)
    finally:
        database.close()
    typer.echo(f"revoked {info.name} ({info.token_id})")
