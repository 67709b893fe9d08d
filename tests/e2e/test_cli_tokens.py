"""`relance token create/list/revoke` and `relance serve`, driven as an operator would, with
the tokens then used against the running API."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from api.cli import app
from tests.e2e.conftest import Api, assert_problem, running_api, sqlite_settings

SECRET = re.compile(r"\brl_[A-Za-z0-9_-]{20,}")


def relance(data_dir: Path, *args: str, env: Mapping[str, str] | None = None) -> Result:
    environment = {"RELANCE_DATA_DIR": str(data_dir), "RELANCE_DATABASE_URL": "", "RELANCE_TIMEZONE": "Europe/Paris"}
    return CliRunner().invoke(app, list(args), env={**environment, **(env or {})})


def created_secret(result: Result) -> str:
    assert result.exit_code == 0, result.output
    secrets = SECRET.findall(result.stdout)
    assert len(secrets) == 1, result.stdout
    return secrets[0]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def cli_api(store: Path) -> Iterator[Api]:
    """The API over the same SQLite store as the command line."""
    with running_api(sqlite_settings(store)) as api:
        yield api


def test_a_created_token_is_printed_once_and_acts_under_its_name(store: Path, cli_api: Api) -> None:
    result = relance(store, "token", "create", "--role", "collector", "--name", "Léa Moreau")
    secret = created_secret(result)
    rid = cli_api.invoice()["id"]

    with cli_api.client(secret) as client:
        read = client.get(f"/v1/receivables/{rid}")
        note = client.post(f"/v1/receivables/{rid}/notes", json={"text": "rappel"})
        payment = client.post(f"/v1/receivables/{rid}/payments", json=cli_api.payment_body())

    assert "Léa Moreau (collector)" in result.stdout
    assert "shown once" in result.stdout
    assert read.status_code == 200
    assert note.status_code == 201
    assert_problem(payment, 403)
    assert cli_api.journal(rid)[-1]["actor"] == "Léa Moreau"


def test_token_create_in_json_gives_the_secret_and_its_role(store: Path, cli_api: Api) -> None:
    result = relance(store, "token", "create", "--role", "auditor", "--name", "cabinet-audit", "--json")

    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert (created["name"], created["role"]) == ("cabinet-audit", "auditor")
    with cli_api.client(created["token"]) as client:
        assert client.get("/v1/debtors").status_code == 200
        assert_problem(client.post("/v1/debtors", json={}), 403)


def test_the_token_list_shows_names_roles_and_states_never_secrets(store: Path) -> None:
    secrets = [
        created_secret(relance(store, "token", "create", "--role", role, "--name", name))
        for role, name in (("accountant", "compta"), ("manager", "direction"))
    ]
    relance(store, "token", "revoke", "compta")

    text = relance(store, "token", "list")
    as_json = relance(store, "token", "list", "--json")

    assert text.exit_code == as_json.exit_code == 0
    for secret in secrets:
        assert secret not in text.output
        assert secret not in as_json.output
    rows = {row["name"]: row for row in json.loads(as_json.stdout)}
    assert (rows["compta"]["role"], rows["direction"]["role"]) == ("accountant", "manager")
    assert rows["compta"]["revoked_at"] is not None
    assert rows["direction"]["revoked_at"] is None
    assert all("token" not in row and "token_hash" not in row for row in rows.values())
    assert re.search(r"compta\s+revoked", text.stdout)
    assert re.search(r"direction\s+active", text.stdout)


def test_a_revoked_token_gets_401_at_once(store: Path, cli_api: Api) -> None:
    secret = created_secret(relance(store, "token", "create", "--role", "manager", "--name", "ancien-manager"))
    with cli_api.client(secret) as client:
        before = client.get("/v1/receivables")

        revoked = relance(store, "token", "revoke", "ancien-manager")
        after = client.get("/v1/receivables")

    assert before.status_code == 200
    assert revoked.exit_code == 0, revoked.output
    assert "revoked ancien-manager" in revoked.stdout
    assert_problem(after, 401)


def test_a_token_is_revoked_by_its_id_too(store: Path) -> None:
    created = json.loads(relance(store, "token", "create", "--role", "auditor", "--name", "by-id", "--json").stdout)

    result = relance(store, "token", "revoke", created["token_id"])

    assert result.exit_code == 0, result.output
    assert relance(store, "token", "revoke", created["token_id"]).exit_code == 3


def test_a_duplicate_name_is_refused_with_exit_1_and_no_second_secret(store: Path) -> None:
    created_secret(relance(store, "token", "create", "--role", "collector", "--name", "terrain"))

    again = relance(store, "token", "create", "--role", "manager", "--name", "terrain")

    assert again.exit_code == 1
    assert "terrain" in again.output
    assert not SECRET.search(again.output)
    rows = json.loads(relance(store, "token", "list", "--json").stdout)
    assert [(r["name"], r["role"]) for r in rows] == [("terrain", "collector")]


@pytest.mark.parametrize(
    ("args", "exit_code"),
    [
        (["--role", "superuser", "--name", "x"], 2),
        (["--name", "no-role"], 2),
        (["--role", "admin"], 2),
        (["--role", "admin", "--name", "two\nlines"], 1),
        (["--role", "admin", "--name", "   "], 1),
    ],
)
def test_token_create_with_bad_arguments_exits_non_zero_and_creates_nothing(
    store: Path, args: list[str], exit_code: int
) -> None:
    result = relance(store, "token", "create", *args)

    assert result.exit_code == exit_code, result.output
    assert not SECRET.search(result.output)
    assert json.loads(relance(store, "token", "list", "--json").stdout) == []


def test_revoking_an_unknown_token_exits_3(store: Path) -> None:
    result = relance(store, "token", "revoke", "nobody")

    assert result.exit_code == 3
    assert "nobody" in result.output


@pytest.mark.postgres
def test_a_token_created_on_postgresql_works_against_the_api_on_it(fresh_api: Api, tmp_path: Path) -> None:
    url = fresh_api.services.settings.database_url
    assert url is not None
    env = {"RELANCE_DATABASE_URL": url.get_secret_value()}

    secret = created_secret(relance(tmp_path, "token", "create", "--role", "accountant", "--name", "erp", env=env))

    with fresh_api.client(secret) as client:
        response = client.post("/v1/debtors", json={
            "legal_name": "Garage Central", "kind": "professional", "siren": "732829320",
            "address": {"lines": ["1 place de la Gare"], "postal_code": "38000", "city": "Grenoble"},
        })  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.json()["events"][0]["actor"] == "erp"


# -------------------------------------------------------------------- serve


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_relance_serve_listens_on_relance_host_and_port_over_the_configured_store(store: Path) -> None:
    secret = created_secret(relance(store, "token", "create", "--role", "auditor", "--name", "ops"))
    port = free_port()
    env = {
        **os.environ,
        "RELANCE_DATA_DIR": str(store),
        "RELANCE_DATABASE_URL": "",
        "RELANCE_HOST": "127.0.0.1",
        "RELANCE_PORT": str(port),
        "RELANCE_ENVIRONMENT": "production",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "relance serve did not answer"
                time.sleep(0.2)
        ready = httpx.get(f"{base}/readyz", timeout=10)
        listed = httpx.get(f"{base}/v1/receivables", headers={"Authorization": f"Bearer {secret}"}, timeout=10)
        anonymous = httpx.get(f"{base}/v1/receivables", timeout=10)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, stderr = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()

    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200, ready.text
    assert listed.status_code == 200
    assert anonymous.status_code == 401
    assert str(store / "ledger.sqlite") in stderr
    request_lines = [json.loads(line) for line in stderr.splitlines() if '"http_request"' in line]
    assert [(line["route"], line["status"]) for line in request_lines] == [
        ("/healthz", 200),
        ("/readyz", 200),
        ("/v1/receivables", 200),
        ("/v1/receivables", 401),
    ]


def test_a_token_revoked_with_the_cli_is_refused_by_a_running_postgresql_api_within_moments(
    postgres_database_factory: Callable[[], str], tmp_path: Path
) -> None:
    """The API's worker keeps the tokens it has seen (decision 0026); the CLI's revocation reaches it
    through PostgreSQL's notification, in milliseconds (2 s allowed for a loaded machine)."""
    from tests.e2e.conftest import postgres_settings

    url = postgres_database_factory()
    env = {"RELANCE_DATABASE_URL": url}
    with running_api(postgres_settings(url, tmp_path / "api")) as api:
        secret = created_secret(
            relance(tmp_path / "cli", "token", "create", "--role", "auditor", "--name", "n8n", env=env)
        )
        with httpx.Client(base_url=api.base_url, headers={"Authorization": f"Bearer {secret}"}) as client:
            assert client.get("/v1/receivables").status_code == 200
            assert client.get("/v1/receivables").status_code == 200  # now from the worker's cache

            revoked = relance(tmp_path / "cli", "token", "revoke", "n8n", env=env)
            assert revoked.exit_code == 0, revoked.output
            deadline = time.monotonic() + 2
            answer = client.get("/v1/receivables")
            while answer.status_code == 200 and time.monotonic() < deadline:
                time.sleep(0.01)
                answer = client.get("/v1/receivables")

    assert_problem(answer, 401)
