"""Everything the app logs during a test session, copied to a file and searched for personal data.

``create_app`` configures the logs (structlog and the stdlib root logger) each time an app is
built; the watch wraps that configuration so that every line also goes to its own file, whatever
stream the test redirected stderr to.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import pytest
import structlog

from api.demo import DEBTORS
from api.http import app as http_app

# What a log line must never hold: the demo's people and companies, their contacts and addresses,
# and what the end-to-end builders put in debtors and contacts (tests/e2e/conftest.py).
PERSONAL_DATA = sorted(
    {
        *(d.legal_name for d in DEBTORS.values()),
        *(line for d in DEBTORS.values() for line in d.address.lines),
        *(c.name for d in DEBTORS.values() for c in d.contacts),
        *(c.email for d in DEBTORS.values() for c in d.contacts if c.email),
        *(c.phone for d in DEBTORS.values() for c in d.contacts if c.phone),
        "Menuiserie Martin SARL", "Jean Dupont", "Jeanne Martin", "jeanne.martin@example.fr",
        "+33 4 72 00 00 00", "12 rue des Lilas", "FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189",
    }
)  # fmt: skip


class _Tee:
    def __init__(self, first: TextIO, second: TextIO) -> None:
        self.first, self.second = first, second

    def write(self, text: str) -> int:
        self.second.write(text)
        return self.first.write(text)

    def flush(self) -> None:
        self.first.flush()
        self.second.flush()


@contextmanager
def watched_logs(path: Path) -> Iterator[Path]:
    """While open, every log line of every app built also goes to ``path``."""
    with path.open("a", encoding="utf-8") as copy, pytest.MonkeyPatch.context() as patch:
        original = http_app.configure_logging

        def configure_and_copy(**options: Any) -> None:
            original(**options)
            factory = structlog.get_config()["logger_factory"]
            stream = getattr(factory, "_file", None) or sys.stdout
            structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=_Tee(stream, copy)))  # type: ignore[arg-type]
            root = logging.getLogger()
            formatter = root.handlers[0].formatter if root.handlers else None
            handler = logging.StreamHandler(copy)
            handler.setFormatter(formatter)
            root.addHandler(handler)

        patch.setattr(http_app, "configure_logging", configure_and_copy)
        yield path


def leaks(text: str) -> list[str]:
    return [value for value in PERSONAL_DATA if value in text]
