"""The key store of personal data: one AES-256-GCM key per data subject, destroyed to erase (decision 0106).

A subject is a debtor or one of its contacts; each key is kept under its owner, the debtor, so that erasing
a debtor destroys its own key and its contacts' at once. On SQLite the keys live in a file of their own
(``keys.sqlite`` beside the ledger, with ``secure_delete``: a destroyed key is overwritten in the file, not
just unlinked from its page); on PostgreSQL in the ``subject_keys`` table of the store's database, vacuumed
after each destruction. Backups of either hold the keys they were taken with: docs/privacy.md says what
that means and how to keep them.

Keys are cached per process. A process that reads an erasure another one recorded forgets the owner's
keys (``forget``) and will not take them back from the store, even in the instant before they are deleted.
"""

from __future__ import annotations

import base64
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.sealing import SubjectErased
from domain.canonical import format_instant
from domain.personal import ALGORITHM, Sealed
from infrastructure.sql import Database, ensure_tables

NONCE_BYTES = 12
KEYS_TABLE = """CREATE TABLE IF NOT EXISTS subject_keys (
    subject_id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    subject_key {blob} NOT NULL,
    created_at TEXT NOT NULL
)"""
KEYS_BY_OWNER = "CREATE INDEX IF NOT EXISTS subject_keys_owner ON subject_keys (owner_id)"


class SubjectKeys:
    """The ``Sealer`` of application/sealing.py on a table of keys."""

    def __init__(self, table: KeyTable | MemoryKeyTable, *, closing: Callable[[], None] | None = None) -> None:
        self._table = table
        self._closing = closing
        self._keys: dict[UUID, tuple[UUID, AESGCM]] = {}  # subject -> (owner, its key's cipher)
        self._shredded: set[UUID] = set()  # owners whose erasure this process has seen
        self._shredded_subjects: set[UUID] = set()  # contacts erased on their own
        self._loaded = False  # every key read at the first miss: a replay of many people reads the table once
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ Sealer

    def seal(self, subject: UUID, owner: UUID, value: str) -> Sealed:
        # Not known here: made at once (one insert), unless another process made it meanwhile (then read).
        cipher = self._cipher(subject, read_one=False) or self._create(subject, owner)
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = cipher.encrypt(nonce, value.encode("utf-8"), _associated(subject))
        return Sealed(subject, base64.b64encode(nonce + ciphertext).decode("ascii"), ALGORITHM)

    def open(self, sealed: Sealed) -> str | None:
        cipher = self._cipher(sealed.subject)
        if cipher is None or sealed.alg != ALGORITHM:
            return None
        data = base64.b64decode(sealed.ciphertext)
        try:
            return cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], _associated(sealed.subject)).decode()
        except InvalidTag:  # not sealed under this key: shown as erased rather than as garbage
            return None

    def shred(self, owner: UUID) -> int:
        self.forget(owner)
        return self._table.delete_owner(owner)

    def shred_subject(self, subject: UUID) -> int:
        self.forget_subject(subject)
        return self._table.delete_subject(subject)

    def owners(self) -> set[UUID]:
        """The debtors some key is kept for (to find the keys an interrupted erasure left)."""
        return self._table.owners()

    def close(self) -> None:
        self._table.close()
        if self._closing is not None:
            self._closing()

    # ------------------------------------------------------------------ cache

    def forget(self, owner: UUID) -> None:
        """This owner was erased: drop its keys from memory and never take them back."""
        with self._lock:
            self._shredded.add(owner)
            for subject in [s for s, (o, _) in self._keys.items() if o == owner]:
                del self._keys[subject]

    def forget_subject(self, subject: UUID) -> None:
        """This subject (a contact) was erased on its own: drop its key and never take it back."""
        with self._lock:
            self._shredded_subjects.add(subject)
            self._keys.pop(subject, None)

    def _cipher(self, subject: UUID, *, read_one: bool = True) -> AESGCM | None:
        with self._lock:
            if subject in self._shredded_subjects:
                return None
            cached = self._keys.get(subject)
        if cached is not None:
            return cached[1]
        if not self._loaded:
            self._load_all()
            with self._lock:
                cached = self._keys.get(subject)
            if cached is not None:
                return cached[1]
        if not read_one:
            return None
        found = self._table.find(subject)
        if found is None:
            return None
        owner, key = found
        cipher = AESGCM(key)
        with self._lock:
            if owner in self._shredded or subject in self._shredded_subjects:
                return None
            self._keys[subject] = (owner, cipher)
        return cipher

    def _load_all(self) -> None:
        rows = self._table.all()
        with self._lock:
            for subject, owner, key in rows:
                if owner not in self._shredded and subject not in self._shredded_subjects:
                    self._keys.setdefault(subject, (owner, AESGCM(key)))
            self._loaded = True

    def _create(self, subject: UUID, owner: UUID) -> AESGCM:
        with self._lock:
            if owner in self._shredded or subject in self._shredded_subjects:
                raise SubjectErased(f"the personal data of {owner} was erased: nothing more is sealed for it")
        key = AESGCM.generate_key(bit_length=256)
        if self._table.insert(subject, owner, key):
            cipher = AESGCM(key)
            with self._lock:
                self._keys[subject] = (owner, cipher)
            return cipher
        stored = self._cipher(subject)  # another process made it first: the stored one is the key
        if stored is None:  # made, then destroyed by an erasure, in between
            raise SubjectErased(f"the personal data of {owner} was erased: nothing more is sealed for it")
        return stored


def _associated(subject: UUID) -> bytes:
    """Bound to its subject: a ciphertext moved under another subject does not open."""
    return b"relance-personal-data/" + subject.bytes


class MemoryKeyTable:
    """Keys in memory: for the application's tests on the in-memory store, and for benchmarks."""

    def __init__(self) -> None:
        self._rows: dict[UUID, tuple[UUID, bytes]] = {}

    def find(self, subject: UUID) -> tuple[UUID, bytes] | None:
        return self._rows.get(subject)

    def insert(self, subject: UUID, owner: UUID, key: bytes) -> bool:
        if subject in self._rows:
            return False
        self._rows[subject] = (owner, key)
        return True

    def delete_owner(self, owner: UUID) -> int:
        subjects = [s for s, (o, _) in self._rows.items() if o == owner]
        for subject in subjects:
            del self._rows[subject]
        return len(subjects)

    def delete_subject(self, subject: UUID) -> int:
        return 0 if self._rows.pop(subject, None) is None else 1

    def owners(self) -> set[UUID]:
        return {owner for owner, _ in self._rows.values()}

    def all(self) -> list[tuple[UUID, UUID, bytes]]:
        return [(subject, owner, key) for subject, (owner, key) in self._rows.items()]

    def close(self) -> None:
        pass


class KeyTable:
    """The rows of keys, on the store's database (PostgreSQL) or a file of their own (SQLite)."""

    def __init__(self, database: Database | None = None, *, path: Path | None = None) -> None:
        self._database = database
        self._path = path
        self._local = threading.local()
        if database is not None:
            ensure_tables(database, [KEYS_TABLE.format(blob="BYTEA"), KEYS_BY_OWNER])
        else:
            with self._sqlite() as connection:
                connection.execute(KEYS_TABLE.format(blob="BLOB"))
                connection.execute(KEYS_BY_OWNER)

    def find(self, subject: UUID) -> tuple[UUID, bytes] | None:
        rows = self._fetch("SELECT owner_id, subject_key FROM subject_keys WHERE subject_id = %s", (str(subject),))
        return None if not rows else (UUID(rows[0][0]), bytes(rows[0][1]))

    def insert(self, subject: UUID, owner: UUID, key: bytes) -> bool:
        """Store the key unless the subject has one already; whether it was stored."""
        inserted = self._execute(
            "INSERT INTO subject_keys (subject_id, owner_id, subject_key, created_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (subject_id) DO NOTHING",
            (str(subject), str(owner), key, format_instant(datetime.now(UTC))),
        )
        return inserted == 1

    def delete_owner(self, owner: UUID) -> int:
        return self._deleted(self._execute("DELETE FROM subject_keys WHERE owner_id = %s", (str(owner),)))

    def delete_subject(self, subject: UUID) -> int:
        return self._deleted(self._execute("DELETE FROM subject_keys WHERE subject_id = %s", (str(subject),)))

    def _deleted(self, deleted: int) -> int:
        if self._database is not None and deleted:
            self._database.execute("VACUUM subject_keys")  # the dead rows' space is reclaimed (docs/privacy.md)
        elif deleted:
            with self._sqlite() as connection:  # no copy of the key's page left in the log
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    def owners(self) -> set[UUID]:
        return {UUID(row[0]) for row in self._fetch("SELECT DISTINCT owner_id FROM subject_keys", ())}

    def all(self) -> list[tuple[UUID, UUID, bytes]]:
        rows = self._fetch("SELECT subject_id, owner_id, subject_key FROM subject_keys", ())
        return [(UUID(subject), UUID(owner), bytes(key)) for subject, owner, key in rows]

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def _fetch(self, statement: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        if self._database is not None:
            return self._database.fetch(statement, params)
        with self._sqlite() as connection:
            return list(connection.execute(statement.replace("%s", "?"), params).fetchall())

    def _execute(self, statement: str, params: tuple[Any, ...]) -> int:
        if self._database is not None:
            return self._database.execute(statement, params)
        with self._sqlite() as connection:
            return connection.execute(statement.replace("%s", "?"), params).rowcount

    @contextmanager
    def _sqlite(self) -> Iterator[sqlite3.Connection]:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            assert self._path is not None
            self._path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self._path, timeout=10, isolation_level=None, check_same_thread=False)
            # A destroyed key is overwritten with zeros in the file; the write-ahead log, which holds copies
            # of pages, is emptied after each destruction (delete_owner). WAL: one sync per new key.
            connection.execute("PRAGMA secure_delete = ON")
            connection.execute("PRAGMA journal_mode = WAL")
            self._local.connection = connection
        yield connection
