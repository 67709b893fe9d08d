"""What the routes use, built once per process by ``create_app`` (nothing at import time)."""

from __future__ import annotations

from dataclasses import dataclass

from application.ledger import Ledger
from infrastructure.documents import DocumentStore
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

    def close(self) -> None:
        self.ledger.close()
        self.database.close()
