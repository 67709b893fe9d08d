"""Who may do what. Roles are data on a token; the API names the roles each route admits."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(Enum):
    ADMIN = "admin"  # everything, and tokens
    MANAGER = "manager"  # escalation, write-off, pauses, policies; also what collectors do
    COLLECTOR = "collector"  # reminders, calls, promises, disputes, notices
    ACCOUNTANT = "accountant"  # invoices, payments, credit notes, late charges
    AUDITOR = "auditor"  # reads everything, writes nothing


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``name`` is the ``actor`` of every event it records."""

    token_id: str
    name: str
    role: Role

    def may(self, allowed: frozenset[Role]) -> bool:
        return self.role is Role.ADMIN or self.role in allowed


READERS = frozenset(Role)
COLLECTION = frozenset({Role.COLLECTOR, Role.MANAGER})
ACCOUNTING = frozenset({Role.ACCOUNTANT})
MANAGEMENT = frozenset({Role.MANAGER})
WRITERS = frozenset({Role.MANAGER, Role.COLLECTOR, Role.ACCOUNTANT})
DEBTOR_RECORDS = frozenset({Role.ACCOUNTANT, Role.MANAGER})
CONTACTS = frozenset({Role.COLLECTOR, Role.ACCOUNTANT, Role.MANAGER})
REPORTING = frozenset({Role.MANAGER, Role.ACCOUNTANT, Role.AUDITOR})  # aged balance, DSO, effectiveness
AUDITING = frozenset({Role.AUDITOR, Role.MANAGER})  # the audit journal: who did what, when
