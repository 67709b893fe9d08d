"""What the routes use, built once per process by ``create_app`` (nothing at import time)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from application.dunning_run import DunningRun
from application.ledger import Ledger
from application.receivable_index import ReceivableIndex
from infrastructure.documents import DocumentStore
from infrastructure.dunning_ports import build_dunning
from infrastructure.policy_store import PolicyStore
from infrastructure.read_models import ReadModels
from infrastructure.run_reports import RunReportStore
from infrastructure.settings import Settings
from infrastructure.sql import Database
from infrastructure.token_cache import TokenChangeListener
from infrastructure.tokens import TokenStore


@dataclass
class Services:
    settings: Settings
    ledger: Ledger
    database: Database
    tokens: TokenStore
    documents: DocumentStore
    read_models: ReadModels | None = None  # reports and audit journal (issue 6)
    token_listener: TokenChangeListener | None = None  # keeps the tokens' cache true (PostgreSQL)
    _dunning: DunningRun | None = field(default=None, repr=False)
    _receivable_index: ReceivableIndex | None = field(default=None, repr=False)
    _wiring_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def policies(self) -> PolicyStore:
        return PolicyStore(self.database)

    @property
    def run_reports(self) -> RunReportStore:
        return RunReportStore(self.database)

    def dunning(self) -> DunningRun:
        """The dunning run, wired on first use (it installs the shipped policies' new versions)."""
        with self._wiring_lock:
            if self._dunning is None:
                self._dunning = build_dunning(self.settings, self.ledger, self.database, self.documents)
            return self._dunning

    def receivable_index(self) -> ReceivableIndex:
        """What the list of receivables filters and sorts on, built on first use (one read of the log)."""
        with self._wiring_lock:
            if self._receivable_index is None:
                self._receivable_index = ReceivableIndex(self.ledger)
            return self._receivable_index

    def close(self) -> None:
        if self.token_listener is not None:
            self.token_listener.stop()
        if self.read_models is not None:
            self.read_models.close()
        self.ledger.close()
        self.database.close()
