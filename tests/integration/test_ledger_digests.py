"""Signed ledger digests on SQLite and PostgreSQL: published over verified heads, stored
append-only, listed, and refused when the ledger does not verify."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner, Result

from api.cli import app
from application.commands import AddNote
from application.digests import publish_digest
from application.ledger import Ledger
from domain.errors import RuleViolation
from infrastructure.digests import DigestStore
from infrastructure.settings import Settings
from infrastructure.signing import load_signer, verify_signature
from infrastructure.sql import Database, open_database
from tests.integration import conftest as stores
from tests.integration.conftest import ACTOR, START, Store, clock_at, issue_invoice, register_debtor

store = stores.store


def write_key(path: Path) -> Path:
    key = Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return path


@pytest.fixture
def settings(store: Store, tmp_path: Path) -> Settings:
    """The store's settings with the firm's key in a file (required with PostgreSQL)."""
    return store.settings.model_copy(update={"signing_key_file": write_key(tmp_path / "firm.pem")})


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    opened = open_database(settings)
    yield opened
    opened.close()


def cli(store: Store, settings: Settings, *args: str) -> Result:
    env = {**store.cli_env(), "RELANCE_SIGNING_KEY_FILE": str(settings.signing_key_file)}
    return CliRunner().invoke(app, list(args), env=env)


def side_sql(store: Store, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Plain SQL on the database holding the side tables (relance.sqlite beside the SQLite ledger)."""
    if store.kind == "postgres":
        return store.execute(statement, params)
    connection = sqlite3.connect(store.settings.data_dir / "relance.sqlite")
    try:
        with connection:
            return [tuple(row) for row in connection.execute(statement, params).fetchall()]
    finally:
        connection.close()


def small_ledger(ledger: Ledger) -> None:
    debtor = register_debtor(ledger)
    first = issue_invoice(ledger, debtor, "F-2025-001")
    ledger.execute(AddNote(first, "premier appel"), actor=ACTOR)
    issue_invoice(ledger, debtor, "F-2025-002")


def expected_root(leaves: list[bytes]) -> str:
    """RFC 6962 over the leaves, written out independently of domain/merkle.py."""

    def mth(items: list[bytes]) -> bytes:
        if len(items) == 1:
            return hashlib.sha256(b"\x00" + items[0]).digest()
        k = 1
        while k * 2 < len(items):
            k *= 2
        return hashlib.sha256(b"\x01" + mth(items[:k]) + mth(items[k:])).digest()

    return mth(leaves).hex()


def test_a_digest_signs_the_rfc_6962_root_of_every_aggregates_head(
    store: Store, settings: Settings, database: Database
) -> None:
    ledger = store.ledger(clock_at(START))
    small_ledger(ledger)
    signer = load_signer(settings)

    publication = publish_digest(ledger, DigestStore(database), signer, actor="auditor@cabinet.example")

    heads = {}
    for aggregate_id in [*ledger.debtor_ids(), *ledger.receivable_ids()]:
        journal = ledger.journal(aggregate_id)
        heads[str(aggregate_id)] = (len(journal), journal[-1].hash)
    leaves = [f"{i}:{v}:{h}".encode() for i, (v, h) in sorted(heads.items())]
    signed = publication.signed
    expected = {"aggregates": 3, "as_of": "2025-01-10T09:00:00.000000Z", "events": 4, "root": expected_root(leaves)}
    assert json.loads(signed.canonical) == expected
    assert signed.canonical == json.dumps(expected, sort_keys=True, separators=(",", ":")).encode()
    assert verify_signature(signer.public_key_pem, signed.canonical, signed.signature)
    assert signed.published_by == "auditor@cabinet.example"


def test_digests_are_kept_in_order_and_read_back_as_published(
    store: Store, settings: Settings, database: Database
) -> None:
    ledger = store.ledger(clock_at(START))
    small_ledger(ledger)
    digests, signer = DigestStore(database), load_signer(settings)
    first_publication = publish_digest(ledger, digests, signer, actor=ACTOR)
    first = first_publication.signed
    ledger.execute(AddNote(next(iter(ledger.receivable_ids())), "relance"), actor=ACTOR)
    second = publish_digest(ledger, digests, signer, actor=ACTOR).signed

    assert (first.sequence, second.sequence) == (1, 2)
    assert second.digest.events == first.digest.events + 1
    assert digests.latest() == second
    assert [d.sequence for d in digests.page(limit=10)] == [2, 1]
    assert [d.sequence for d in digests.page(limit=10, before=2)] == [1]
    assert digests.leaves(1) == first_publication.leaves
    assert len(digests.leaves(1)) == first.digest.aggregates == 3


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_digests SET root = 'x'",
        "DELETE FROM ledger_digests",
    ],
)
def test_the_digest_table_refuses_updates_and_deletes(
    store: Store, settings: Settings, database: Database, statement: str
) -> None:
    ledger = store.ledger(clock_at(START))
    small_ledger(ledger)
    publish_digest(ledger, DigestStore(database), load_signer(settings), actor=ACTOR)

    with pytest.raises(Exception, match="append-only"):
        side_sql(store, statement)
    assert side_sql(store, "SELECT COUNT(*) FROM ledger_digests") == [(1,)]


def test_no_digest_is_published_over_a_ledger_that_does_not_verify(
    store: Store, settings: Settings, database: Database
) -> None:
    ledger = store.ledger(clock_at(START))
    small_ledger(ledger)
    receivable = next(iter(ledger.receivable_ids()))
    store.execute(
        "UPDATE {table} SET state = ? WHERE originator_id = ? AND originator_version = 1",
        (b"{}", store.key(receivable)),
    )

    with pytest.raises(RuleViolation, match="does not verify") as refused:
        publish_digest(ledger, DigestStore(database), load_signer(settings), actor=ACTOR)
    assert refused.value.rule == "ledger_verifies"
    assert DigestStore(database).latest() is None


def test_a_deletion_since_the_last_digest_is_not_laundered_by_the_next_digest(
    store: Store, settings: Settings, database: Database
) -> None:
    # Given a digest, then the last event of a receivable deleted
    ledger = store.ledger(clock_at(START))
    small_ledger(ledger)
    digests, signer = DigestStore(database), load_signer(settings)
    publish_digest(ledger, digests, signer, actor=ACTOR)
    receivable = next(r for r in ledger.receivable_ids() if len(ledger.journal(r)) == 2)
    store.execute("DELETE FROM {table} WHERE originator_id = ? AND originator_version = 2", (store.key(receivable),))

    # When the schedule publishes again, then it refuses, naming the receivable
    with pytest.raises(RuleViolation, match=f"aggregate {receivable} version 2"):
        publish_digest(ledger, digests, signer, actor=ACTOR)
    assert [d.sequence for d in digests.page(limit=10)] == [1]


def test_the_digest_of_an_empty_ledger_has_the_empty_root(store: Store, settings: Settings, database: Database) -> None:
    ledger = store.ledger(clock_at(START))

    signed = publish_digest(ledger, DigestStore(database), load_signer(settings), actor=ACTOR).signed

    assert (signed.digest.aggregates, signed.digest.events) == (0, 0)
    assert signed.digest.root == hashlib.sha256(b"").hexdigest()


# ------------------------------------------------------------------- CLI


def test_relance_ledger_digest_publishes_and_lists_digests(store: Store, settings: Settings) -> None:
    small_ledger(store.ledger(clock_at(START)))

    published = cli(store, settings, "ledger", "digest")
    listed = cli(store, settings, "ledger", "digests", "--json")

    assert published.exit_code == 0, published.output
    assert "published digest #1 of " in published.stdout
    assert ": 3 aggregate(s), 4 event(s), root " in published.stdout
    (row,) = json.loads(listed.stdout)
    assert (row["sequence"], row["aggregates"], row["events"]) == (1, 3, 4)
    assert row["published_by"].startswith("cli")


def test_the_scheduled_digest_publishes_every_interval_as_the_scheduler(store: Store, settings: Settings) -> None:
    small_ledger(store.ledger(clock_at(START)))

    result = cli(store, settings, "ledger", "digest", "--every", "0.01", "--count", "3", "--json")

    assert result.exit_code == 0, result.output
    assert [json.loads(line)["sequence"] for line in result.stdout.splitlines()] == [1, 2, 3]
    rows = json.loads(cli(store, settings, "ledger", "digests", "--json").stdout)
    assert [(r["sequence"], r["published_by"]) for r in rows] == [(3, "scheduler"), (2, "scheduler"), (1, "scheduler")]


def test_the_public_key_is_printed_as_pem(store: Store, settings: Settings) -> None:
    result = cli(store, settings, "ledger", "public-key")

    assert result.exit_code == 0
    assert result.stdout == load_signer(settings).public_key_pem
    assert result.stdout.startswith("-----BEGIN PUBLIC KEY-----")


@pytest.mark.postgres
def test_postgresql_without_a_key_file_refuses_to_publish_with_exit_code_2(
    tmp_path: Path, fresh_postgres_database: str
) -> None:
    env = {"RELANCE_DATA_DIR": str(tmp_path), "RELANCE_DATABASE_URL": fresh_postgres_database,
           "RELANCE_SIGNING_KEY_FILE": ""}  # fmt: skip

    result = CliRunner().invoke(app, ["ledger", "digest"], env=env)

    assert result.exit_code == 2
    assert "RELANCE_SIGNING_KEY_FILE is required with PostgreSQL" in result.stderr
    assert not (tmp_path / "signing_key.pem").exists()
