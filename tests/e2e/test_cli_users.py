"""`relance user`: accounts created with a hidden prompt or from standard input, listed without any
password, disabled; bad input refused with a clear message and a non-zero exit, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from api.bootstrap import Settings, UserStore, open_database
from api.cli import app
from api.cli_server import _demo_console_account

PASSWORD = "une phrase de passe assez longue"


def relance(data_dir: Path, *args: str, input: str | None = None) -> Result:
    env = {"RELANCE_DATA_DIR": str(data_dir), "RELANCE_DATABASE_URL": "", "RELANCE_TIMEZONE": "Europe/Paris"}
    return CliRunner().invoke(app, list(args), env=env, input=input)


def listed(data_dir: Path) -> list[dict[str, object]]:
    result = relance(data_dir, "user", "list", "--json")
    assert result.exit_code == 0, result.output
    users: list[dict[str, object]] = json.loads(result.stdout)
    return users


def test_a_user_created_at_the_prompt_is_listed_without_a_password_then_disabled(tmp_path: Path) -> None:
    created = relance(tmp_path, "user", "create", "marie.dupont", "--role", "collector", "--name", "Marie Dupont",
                      input=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip

    assert created.exit_code == 0, created.output
    assert "utilisateur marie.dupont créé (Marie Dupont, collector)" in created.output
    assert PASSWORD not in created.output
    (user,) = listed(tmp_path)
    assert (user["username"], user["role"], user["disabled_at"]) == ("marie.dupont", "collector", None)
    assert set(user) == {"username", "name", "role", "created_at", "password_changed_at", "disabled_at"}

    disabled = relance(tmp_path, "user", "disable", "marie.dupont")
    assert disabled.exit_code == 0 and listed(tmp_path)[0]["disabled_at"] is not None
    assert relance(tmp_path, "user", "disable", "marie.dupont").exit_code == 1


def test_a_password_from_standard_input_serves_scripts_and_a_reset(tmp_path: Path) -> None:
    created = relance(tmp_path, "user", "create", "paul", "--role", "accountant", "--name", "Paul",
                      "--password-stdin", input=f"{PASSWORD}\n")  # fmt: skip
    reset = relance(tmp_path, "user", "reset-password", "paul", "--password-stdin", input="encore une phrase longue\n")
    unknown = relance(tmp_path, "user", "reset-password", "nobody", "--password-stdin", input=f"{PASSWORD}\n")

    assert created.exit_code == 0 and reset.exit_code == 0, (created.output, reset.output)
    assert "mot de passe de paul changé" in reset.output
    assert unknown.exit_code == 3 and "no user 'nobody'" in unknown.output


def test_a_short_password_a_bad_role_or_a_mistyped_confirmation_store_nothing(tmp_path: Path) -> None:
    short = relance(tmp_path, "user", "create", "lea", "--role", "auditor", "--name", "Léa", "--password-stdin",
                    input="court\n")  # fmt: skip
    role = relance(tmp_path, "user", "create", "lea", "--role", "boss", "--name", "Léa", "--password-stdin",
                   input=f"{PASSWORD}\n")  # fmt: skip
    mistyped = relance(tmp_path, "user", "create", "lea", "--role", "auditor", "--name", "Léa",
                       input=f"{PASSWORD}\n{PASSWORD}x\n")  # fmt: skip

    assert short.exit_code == 1 and "at least 12 characters" in short.output
    assert role.exit_code == 2
    assert mistyped.exit_code != 0
    assert listed(tmp_path) == []


def test_the_demo_store_gets_one_manager_account_whose_password_is_shown_once(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, database_url=None)
    database = open_database(settings)
    try:
        users = UserStore(database)
        _demo_console_account(users, "http://127.0.0.1:8000")
        shown = capsys.readouterr().err
        _demo_console_account(users, "http://127.0.0.1:8000")
        again = capsys.readouterr().err
        password = shown.rsplit(": ", 1)[1].rstrip(")\n")
        principal = users.authenticate("demo.responsable", password)
    finally:
        database.close()
    assert "http://127.0.0.1:8000/" in shown and again == ""
    assert principal is not None and principal.role.value == "manager"
