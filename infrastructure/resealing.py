"""The stores of a re-sealed copy (decision 0107): the target opened and checked empty, the keys carried over,
the command outcomes and (SQLite) the side tables copied, the map written; the copy itself is
application/resealing.py.

On SQLite the target is a new data directory: ``ledger.sqlite`` (events and command outcomes), ``keys.sqlite``,
and ``relance.sqlite`` copied with sqlite3's backup API, its digests left out (the copy starts with none). On
PostgreSQL the side tables are copied first with ``pg_dump`` (docs/privacy.md gives the commands), then this
fills ``ledger_events``, ``ledger_command_outcomes`` and ``subject_keys``. The map ``reseal-map.csv`` and, if
the copy does not verify, ``RESEAL-UNVERIFIED.txt`` go in the target's data directory.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg.conninfo import conninfo_to_dict
from pydantic import SecretStr

from application.resealing import (
    MapRow,
    ResealingSealer,
    ResealRefused,
    ResealReport,
    StoreSide,
    compare_stores,
    copy_events,
    erased_owners,
)
from application.verification import verify_store
from infrastructure.event_store import EventsourcingStore
from infrastructure.recorders import COLUMNS, OUTCOMES_TABLE
from infrastructure.settings import Settings
from infrastructure.signing import KEY_FILE_NAME
from infrastructure.sql import Database, PostgresDatabase
from infrastructure.stores import build_event_store
from infrastructure.subject_keys import KeyTable, MemoryKeyTable, SubjectKeys

MAP_FILE = "reseal-map.csv"
UNVERIFIED_FILE = "RESEAL-UNVERIFIED.txt"
SIDE_FILE = "relance.sqlite"
KEYS_FILE = "keys.sqlite"
# Left out of the PostgreSQL side tables' dump: what the copy writes itself, the old digests (the copy starts
# with none) and the read models (rebuilt from the copy's log, whose notification ids are new).
PG_DUMP_EXCLUDED = (
    "ledger_events",
    "ledger_command_outcomes",
    "subject_keys",
    "ledger_digests",
    "rm_*",
    "projection_positions",
)


def pg_dump_command(old_url: str = "$OLD_URL", new_url: str = "$NEW_URL") -> str:
    """The side tables of a PostgreSQL store into the new (empty) database, before the reseal."""
    excluded = " ".join(f"--exclude-table='{table}'" for table in PG_DUMP_EXCLUDED)
    return f'pg_dump --no-owner --no-privileges {excluded} "{old_url}" | psql -q -v ON_ERROR_STOP=1 "{new_url}"'


def target_settings(settings: Settings, to_data_dir: Path, to_database_url: str | None) -> Settings:
    return settings.model_copy(
        update={"data_dir": to_data_dir, "database_url": SecretStr(to_database_url) if to_database_url else None}
    )


def reseal_store(settings: Settings, to_data_dir: Path, to_database_url: str | None = None) -> ResealReport:
    """Copy the configured store into the target, re-sealed, then verify the copy against it."""
    target = target_settings(settings, to_data_dir, to_database_url)
    _refuse_unfit(settings, target)
    with ExitStack() as stack:
        source_keys = stack.enter_context(_key_table(settings))
        source = build_event_store(settings, SubjectKeys(source_keys))
        stack.callback(source.close)
        source_side = StoreSide(source.recorder, source.mapper)
        broken = verify_store(source.recorder, source.mapper).breaks
        if broken:
            raise ResealRefused(f"the store to copy does not verify ({len(broken)} broken chain(s), first: "
                                f"{broken[0]}): run `relance ledger verify`; nothing was copied")  # fmt: skip
        target_keys = stack.enter_context(_key_table(target))
        copy_store = build_event_store(target, SubjectKeys(target_keys))
        stack.callback(copy_store.close)
        _refuse_nonempty(copy_store, target_keys, target)
        try:
            erased = erased_owners(source_side)
            adopt = KeyAdoption(source_keys, target_keys, erased)
            sealer = ResealingSealer(SubjectKeys(target_keys), SubjectKeys(MemoryKeyTable()), erased, adopt)
            copy_side = StoreSide(copy_store.recorder, copy_store.mapper)
            copied = copy_events(source_side, copy_side, sealer, adopt, erased)
            _copy_outcomes(settings, target)
            side_tables = _copy_side_tables(settings, target)
            report = ResealReport(
                _where(settings), _where(target), copied, sorted(erased, key=str), [], side_tables=side_tables
            )
            report.problems = _verified(settings, target, source_side, erased, report)
        except Exception as error:  # a copy stopped half way is no copy either
            _mark_unverified(to_data_dir, [f"the copy stopped: {type(error).__name__}: {error}"])
            raise
    if report.problems:
        _mark_unverified(to_data_dir, report.problems)
    return report


def _mark_unverified(to_data_dir: Path, problems: list[str]) -> None:
    lines = ["Cette copie N'EST PAS VÉRIFIÉE / this copy is NOT verified: do not use it.", *problems]
    to_data_dir.mkdir(parents=True, exist_ok=True)
    (to_data_dir / UNVERIFIED_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _verified(
    settings: Settings, target: Settings, source: StoreSide, erased: set[UUID], report: ResealReport
) -> list[str]:
    """The copy read again from scratch (a new key store, no cache): its chains, then each event against the
    old store's; the map written from the pairs."""
    with _key_table(target) as keys:
        copy_store = build_event_store(target, SubjectKeys(keys))
        try:
            copy = StoreSide(copy_store.recorder, copy_store.mapper)
            checked = verify_store(copy.recorder, copy.mapper)
            problems = [f"the copy's chain breaks: {b}" for b in checked.breaks]
            map_path = Path(target.data_dir) / MAP_FILE
            with map_path.open("w", encoding="utf-8", newline="") as file:
                writer = csv.writer(file, delimiter=";", lineterminator="\n")
                writer.writerow(["aggregate_id", "version", "old_hash", "new_hash"])

                def write(row: MapRow) -> None:
                    writer.writerow([str(row[0]), row[1], row[2], row[3]])
                    report.map_rows += 1

                problems += compare_stores(source, copy, erased, write)
        finally:
            copy_store.close()
    if report.map_rows != report.copy.events or checked.events != report.copy.events:
        problems.append(f"{report.copy.events} events copied, {checked.events} in the copy, {report.map_rows} mapped")
    report.map_path = str(map_path)
    report.map_sha256 = hashlib.sha256(map_path.read_bytes()).hexdigest()
    return problems


class KeyAdoption:
    """The target takes the old key store's key of a subject (once), unless its owner was erased."""

    def __init__(self, source: KeyTable, target: KeyTable, erased: set[UUID]) -> None:
        self._source, self._target, self._erased = source, target, erased
        self._seen: set[UUID] = set()

    def __call__(self, subject: UUID) -> None:
        if subject in self._seen:
            return
        self._seen.add(subject)
        found = self._source.find(subject)
        if found is not None and found[0] not in self._erased:
            self._target.insert(subject, found[0], found[1])


# ------------------------------------------------------------------ the target, before anything is written


def _refuse_unfit(settings: Settings, target: Settings) -> None:
    if settings.uses_postgres != target.uses_postgres:
        raise ResealRefused(
            "the copy stays on the same kind of store (SQLite to SQLite, PostgreSQL to PostgreSQL): its side "
            "tables are copied by that store's own tools",
            2,
        )
    if _where(settings) == _where(target) or Path(target.data_dir).resolve() == Path(settings.data_dir).resolve():
        raise ResealRefused("the copy must go to another data directory (and database) than the store's own", 2)
    data_dir = Path(target.data_dir)
    present = [n for n in (target.sqlite_path.name, KEYS_FILE, SIDE_FILE, MAP_FILE) if (data_dir / n).exists()]
    if not target.uses_postgres and present:
        raise ResealRefused(f"{data_dir} already holds a store ({', '.join(present)}): give a new directory")
    if target.uses_postgres and not _holds_side_tables(target):
        raise ResealRefused(
            "the target database has no side tables: copy them first (docs/privacy.md), with\n  " + pg_dump_command(),
            2,
        )


def _refuse_nonempty(copy_store: EventsourcingStore, keys: KeyTable, target: Settings) -> None:
    if copy_store.recorder.max_notification_id() or keys.owners():
        raise ResealRefused(f"the target {_where(target)} already holds events or keys: it must be a new store")


def _holds_side_tables(target: Settings) -> bool:
    assert target.database_url is not None
    with psycopg.connect(target.database_url.get_secret_value()) as connection:
        row = connection.execute("SELECT to_regclass('documents') IS NOT NULL").fetchone()
    return bool(row and row[0])


def _where(settings: Settings) -> str:
    if settings.database_url is None:
        return str(Path(settings.sqlite_path).resolve())
    url = conninfo_to_dict(settings.database_url.get_secret_value())
    return f"postgresql://{url.get('host', '')}:{url.get('port', '')}/{url.get('dbname', '')}"


@contextmanager
def _key_table(settings: Settings) -> Iterator[KeyTable]:
    """The store's key table, opened on its own (no side table is created on a PostgreSQL target)."""
    database: Database | None = None
    if settings.database_url is None:
        table = KeyTable(path=Path(settings.data_dir) / KEYS_FILE)
    else:
        database = PostgresDatabase(settings.database_url.get_secret_value(), max_size=2)
        table = KeyTable(database)
    try:
        yield table
    finally:
        table.close()
        if database is not None:
            database.close()


# ------------------------------------------------------------------ what is copied beside the events


def _copy_outcomes(settings: Settings, target: Settings) -> None:
    """The outcomes of keyed commands (aggregate and versions, unchanged by the copy): a retried command
    finds its outcome in the copy too."""
    statement = f"INSERT INTO {OUTCOMES_TABLE} ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)"
    if settings.database_url is None:
        rows = _sqlite_rows(settings.sqlite_path, f"SELECT {COLUMNS} FROM {OUTCOMES_TABLE}")
        if rows:
            connection = sqlite3.connect(target.sqlite_path)
            try:
                with connection:
                    connection.executemany(statement.replace("%s", "?"), rows)
            finally:
                connection.close()
        return
    assert target.database_url is not None
    with psycopg.connect(settings.database_url.get_secret_value()) as source:
        rows = list(source.execute(f"SELECT {COLUMNS} FROM {OUTCOMES_TABLE}").fetchall())
    if rows:
        with psycopg.connect(target.database_url.get_secret_value()) as copy, copy.cursor() as cursor:
            cursor.executemany(statement, rows)


def _sqlite_rows(path: Path, statement: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(path)
    try:
        return list(connection.execute(statement).fetchall())
    finally:
        connection.close()


def _copy_side_tables(settings: Settings, target: Settings) -> str:
    """SQLite: ``relance.sqlite`` by sqlite3's backup API, without the old digests; the data directory's own
    signing key, if the store uses it, beside it. PostgreSQL: copied before (pg_dump), nothing to do here."""
    if settings.database_url is not None:
        return "pg_dump (before the reseal): " + pg_dump_command()
    source_path, copy_path = Path(settings.data_dir) / SIDE_FILE, Path(target.data_dir) / SIDE_FILE
    done = []
    if source_path.exists():
        source, copy = sqlite3.connect(source_path), sqlite3.connect(copy_path)
        try:
            source.backup(copy)
            with copy:  # the old digests stay with the old store; the copy's first digest is published anew
                copy.execute("DROP TABLE IF EXISTS ledger_digests")
            copy.execute("VACUUM")
        finally:
            source.close()
            copy.close()
        done.append(f"{SIDE_FILE} copied (sqlite3 backup), its digests left out")
    key = Path(settings.data_dir) / KEY_FILE_NAME
    if settings.signing_key_file is None and key.exists():
        shutil.copy2(key, Path(target.data_dir) / KEY_FILE_NAME)
        done.append(f"{KEY_FILE_NAME} copied")
    return "; ".join(done) or "no side tables"
