"""`relance ledger verify` compares each head with the latest signed digest covering it
(evidence.md §6), on SQLite and on a real PostgreSQL.

What the chain alone cannot show: a deleted last event, an aggregate rewritten from scratch
with a valid chain, a deleted aggregate. Each test records a ledger, publishes a digest with
the real CLI, tampers in plain SQL as an insider would, and expects exit code 1 naming the
aggregate and the version. Digests themselves tampered with are reported too.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner, Result

from api.cli import app
from application.commands import AddNote
from application.ledger import Ledger
from tests.integration import conftest as stores
from tests.integration.conftest import ACTOR, START, Store, clock_at, issue_invoice, payment, register_debtor

store = stores.store


@dataclass(frozen=True)
class Digested:
    receivable: UUID  # v1 InvoiceIssued 1200.00, v2 PaymentReceived 50.00, v3 and v4 NoteAdded
    other_receivable: UUID  # v1
    debtor: UUID  # v1
    env: dict[str, str]


def record_receivable(ledger: Ledger, debtor: UUID, *, excl: str = "1000.00", notes: int = 2) -> UUID:
    receivable = issue_invoice(ledger, debtor, "F-2025-001", excl=excl)
    ledger.execute(payment(receivable, "50.00", "VIR-0001"), actor=ACTOR)
    for number in range(notes):
        ledger.execute(AddNote(receivable, f"appel {number + 1}"), actor=ACTOR)
    return receivable


@pytest.fixture
def digested(store: Store, tmp_path: Path) -> Digested:
    key = Ed25519PrivateKey.generate()
    key_file = tmp_path / "firm.pem"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    env = {**store.cli_env(), "RELANCE_SIGNING_KEY_FILE": str(key_file)}
    ledger = store.ledger(clock_at(START))
    debtor = register_debtor(ledger)
    receivable = record_receivable(ledger, debtor)
    other = issue_invoice(ledger, debtor, "F-2025-002")
    published = relance(env, "ledger", "digest")
    assert published.exit_code == 0, published.output
    return Digested(receivable, other, debtor, env)


def relance(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def verify(digested: Digested, *args: str) -> Result:
    return relance(digested.env, "ledger", "verify", *args)


def assert_reported(digested: Digested, *expected: tuple[UUID, int, str]) -> None:
    """Exit 1; each (aggregate, version, words) on a BROKEN line; the same breaks in JSON."""
    result = verify(digested)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for aggregate_id, version, words in expected:
        line = next((x for x in result.stderr.splitlines() if f"aggregate {aggregate_id} version {version}:" in x), "")
        assert line.startswith("BROKEN ") and words in line, result.output
    report = json.loads(verify(digested, "--json").stdout)
    assert not report["ok"]
    assert {(b["aggregate_id"], b["version"]) for b in report["breaks"]} == {(str(a), v) for a, v, _ in expected}


def delete_events(store: Store, aggregate_id: UUID, *versions: int) -> None:
    for version in versions:
        store.execute(
            "DELETE FROM {table} WHERE originator_id = ? AND originator_version = ?", (store.key(aggregate_id), version)
        )


def side_sql(store: Store, statement: str, params: Sequence[Any] = ()) -> None:
    """SQL on the digests' database, as an insider who first drops the append-only triggers."""
    if store.kind == "postgres":
        store.execute("ALTER TABLE ledger_digests DISABLE TRIGGER USER")
        store.execute(statement, params)
        return
    connection = sqlite3.connect(store.settings.data_dir / "relance.sqlite")
    try:
        with connection:
            connection.execute("DROP TRIGGER IF EXISTS ledger_digests_no_update")
            connection.execute("DROP TRIGGER IF EXISTS ledger_digests_no_delete")
            connection.execute(statement, params)
    finally:
        connection.close()


# ---------------------------------------------------------------- clean


def test_a_clean_digested_store_verifies_and_says_what_it_compared(store: Store, digested: Digested) -> None:
    result = verify(digested)

    assert result.exit_code == 0, result.output
    assert "compared 3 head(s) with the latest digest covering each (newest: digest #1 of " in result.stdout
    assert "checked 3 aggregate(s), 6 event(s): every chain verifies" in result.stdout


def test_events_recorded_after_the_digest_verify_against_the_hash_at_the_digested_version(
    store: Store, digested: Digested
) -> None:
    ledger = store.ledger(clock_at(START))
    ledger.execute(AddNote(digested.receivable, "après le condensat"), actor=ACTOR)
    issue_invoice(ledger, digested.debtor, "F-2025-003")  # not in any digest yet

    result = verify(digested, "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["aggregates"], report["events"], report["digests"]["anchored"]) == (4, 8, 3)
    assert report["digests"]["problems"] == []


def test_a_store_without_any_digest_says_its_heads_are_not_anchored(store: Store, tmp_path: Path) -> None:
    ledger = store.ledger(clock_at(START))
    register_debtor(ledger)

    result = relance(store.cli_env(), "ledger", "verify")

    assert result.exit_code == 0, result.output
    assert "no digest published yet" in result.stdout


# ------------------------------------------------------ what only a digest shows


def test_a_deleted_last_event_is_reported_at_that_version(store: Store, digested: Digested) -> None:
    delete_events(store, digested.receivable, 4)

    assert_reported(digested, (digested.receivable, 4, "version 4 missing: digest #1 of"))


def test_the_last_two_events_deleted_are_reported_from_the_first_missing_version(
    store: Store, digested: Digested
) -> None:
    delete_events(store, digested.receivable, 4, 3)

    assert_reported(digested, (digested.receivable, 3, "versions 3..4 missing"))


def test_an_aggregate_rewritten_after_the_digest_with_as_many_events_is_reported(
    store: Store, digested: Digested
) -> None:
    # Given the receivable's rows deleted and recorded again through the application with
    # another amount: the new chain is valid, and as long as the digested one
    delete_events(store, digested.receivable, 4, 3, 2, 1)
    ledger = store.ledger(clock_at(START))
    assert record_receivable(ledger, digested.debtor, excl="900.00") == digested.receivable
    assert ledger.receivable(digested.receivable).version == 4

    assert_reported(digested, (digested.receivable, 4, "rewritten after it was digested"))


def test_an_aggregate_rewritten_with_more_events_than_digested_is_reported_at_the_digested_version(
    store: Store, digested: Digested
) -> None:
    delete_events(store, digested.receivable, 4, 3, 2, 1)
    record_receivable(store.ledger(clock_at(START)), digested.debtor, excl="900.00", notes=4)

    assert_reported(digested, (digested.receivable, 4, "rewritten after it was digested"))


def test_an_aggregate_failing_only_its_digest_is_counted_once_among_those_checked(
    store: Store, digested: Digested
) -> None:
    # Given a store of 3 aggregates, one rewritten after the digest: its chain holds, its head does not
    delete_events(store, digested.receivable, 4, 3, 2, 1)
    record_receivable(store.ledger(clock_at(START)), digested.debtor, excl="900.00")

    result = verify(digested)

    assert result.exit_code == 1
    assert "checked 3 aggregate(s), 6 event(s): 1 broken chain(s)" in result.stdout
    assert json.loads(verify(digested, "--json").stdout)["aggregates"] == 3


def test_a_deleted_aggregate_is_reported(store: Store, digested: Digested) -> None:
    delete_events(store, digested.other_receivable, 1)

    assert_reported(digested, (digested.other_receivable, 1, "missing from the store, but digest #1 of"))


def test_a_deleted_debtor_is_reported(store: Store, digested: Digested) -> None:
    delete_events(store, digested.debtor, 1)

    assert_reported(digested, (digested.debtor, 1, "the aggregate was deleted"))


def test_an_altered_event_is_still_reported_once_by_its_chain(store: Store, digested: Digested) -> None:
    (row,) = store.execute(
        "SELECT state FROM {table} WHERE originator_id = ? AND originator_version = 2",
        (store.key(digested.receivable),),
    )
    store.execute(
        "UPDATE {table} SET state = ? WHERE originator_id = ? AND originator_version = 2",
        (bytes(row[0]).replace(b'"50.00"', b'"60.00"'), store.key(digested.receivable)),
    )

    assert_reported(digested, (digested.receivable, 2, "altered"))


def test_every_tampering_is_reported_in_one_run(store: Store, digested: Digested) -> None:
    delete_events(store, digested.receivable, 4)
    delete_events(store, digested.other_receivable, 1)

    assert_reported(
        digested,
        (digested.receivable, 4, "events deleted after the digest"),
        (digested.other_receivable, 1, "the aggregate was deleted"),
    )


# ------------------------------------------------------- digests tampered with


def test_a_digest_whose_signature_was_altered_is_reported(store: Store, digested: Digested) -> None:
    side_sql(store, "UPDATE ledger_digests SET signature = ?", ("A" * 86 + "==",))

    result = verify(digested)

    assert result.exit_code == 1
    assert "BROKEN digest #1 of " in result.stderr
    assert "the signature does not verify with the firm's public key" in result.stderr
    report = json.loads(verify(digested, "--json").stdout)
    assert [p["problem"][:13] for p in report["digests"]["problems"]] == ["the signature"]


def test_a_digest_whose_root_column_was_altered_is_reported(store: Store, digested: Digested) -> None:
    side_sql(store, "UPDATE ledger_digests SET root = ?", ("0" * 64,))

    result = verify(digested)

    assert result.exit_code == 1
    assert "its columns differ from the bytes it signed" in result.stderr


def test_digest_leaves_edited_to_hide_a_deletion_are_reported(store: Store, digested: Digested) -> None:
    # Given the last event deleted, and the digest's stored leaf lowered to match
    delete_events(store, digested.receivable, 4)
    side_sql(
        store,
        "UPDATE ledger_digests SET leaves = REPLACE(leaves, ?, ?)",
        (f"{digested.receivable}:4:", f"{digested.receivable}:3:"),
    )

    result = verify(digested)

    assert result.exit_code == 1
    assert "its stored leaves do not give its signed root" in result.stderr


def test_a_signed_digest_by_another_key_is_reported(store: Store, digested: Digested, tmp_path: Path) -> None:
    # Given the firm's key file replaced by another key
    other = Ed25519PrivateKey.generate()
    Path(digested.env["RELANCE_SIGNING_KEY_FILE"]).write_bytes(
        other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )

    result = verify(digested)

    assert result.exit_code == 1
    assert "signed by another key" in result.stderr


def test_a_tampered_newest_digest_falls_back_to_the_previous_one_which_still_catches_a_deletion(
    store: Store, digested: Digested
) -> None:
    assert relance(digested.env, "ledger", "digest").exit_code == 0  # digest #2, same heads
    delete_events(store, digested.receivable, 4)
    side_sql(store, "UPDATE ledger_digests SET signature = ? WHERE sequence = 2", ("A" * 86 + "==",))

    result = verify(digested)

    assert result.exit_code == 1
    assert "BROKEN digest #2 of " in result.stderr
    assert f"BROKEN aggregate {digested.receivable} version 4: version 4 missing: digest #1 of" in result.stderr


def test_verifying_digests_without_the_key_is_a_configuration_error(store: Store, digested: Digested) -> None:
    env = {**digested.env, "RELANCE_SIGNING_KEY_FILE": digested.env["RELANCE_SIGNING_KEY_FILE"] + ".gone"}

    result = relance(env, "ledger", "verify")

    assert result.exit_code == 2
    assert "firm.pem.gone: cannot be read" in result.stderr
