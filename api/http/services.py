"""What the routes use, built once per process by ``create_app`` (nothing at import time)."""

from __future__ import annotations

from dataclasses import dataclass

from application.ledger import Ledger
from infrastructure.documents import DocumentStore
from infrastructure.read_models import ReadModels
from infrastructure.settings import Settings
from infrastructure.sql import Database
from infrastructure.tokens import TokenStore


@dataclass
class Services:
    settings: Settings
    ledger: Ledger
    database: Database
    tokens: TokenStore
    documents: DocumentStore
    read_models: ReadModels | None = None  # reports and audit journal (issue 6)

    def close(self) -> None:
        if self.read_models is not None:
            self.read_models.close()
        self.ledger.close()
        self.database.close()
