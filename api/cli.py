"""The ``relance`` command line: every command module registers itself on the one Typer app."""

from __future__ import annotations

import sys

from api import (  # noqa: F401 - imported for the commands they register
    cli_claims,
    cli_documents,
    cli_dunning,
    cli_evidence,
    cli_imports,
    cli_ledger,
    cli_letters,
    cli_mail,
    cli_privacy,
    cli_projections,
    cli_server,
    cli_users,
)
from api.cli_app import app


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        sys.exit(130)


__all__ = ["app", "main"]
