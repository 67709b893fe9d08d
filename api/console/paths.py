"""Where the console lives: every other path is the API's (problem+json) or its documentation."""

from __future__ import annotations

STATIC_PATH = "/static"
CONSOLE_PREFIXES = (
    "/connexion", "/deconnexion", "/creances", "/debiteurs", "/rapports", "/preuves", "/verifier", "/politiques",
    "/lettres", "/relances", "/compte", STATIC_PATH + "/",
)  # fmt: skip


def is_console_path(path: str) -> bool:
    return path == "/" or path.startswith(CONSOLE_PREFIXES)
