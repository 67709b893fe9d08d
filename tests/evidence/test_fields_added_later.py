"""A field added to an event type after such events were recorded leaves the older ones intact.

FormalNoticeSent gained policy_id, policy_version and rule (the dunning engine names the rule
that fired). A notice recorded before has none of these keys in its stored bytes: its hash, the
next event's link and `relance ledger verify` must not change.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from decimal import Decimal

from application.commands import AddNote, SendFormalNotice
from domain.vocabulary import NoticeChannel
from tests.evidence.test_store_tampering import set_row, state_of, verify
from tests.integration import conftest as stores
from tests.integration.conftest import ACTOR, DUE_ON, START, Store, clock_at, issue_invoice, register_debtor

store = stores.store

ADDED = ("policy_id", "policy_version", "rule")
NOTICE = b"%PDF-1.4\n% mise en demeure\n%%EOF\n"
DOCUMENT = hashlib.sha256(NOTICE).hexdigest()


def notice(receivable_id: object, **engine: object) -> SendFormalNotice:
    return SendFormalNotice(
        receivable_id, NoticeChannel.REGISTERED_LETTER, DUE_ON + timedelta(days=40), DUE_ON + timedelta(days=48),
        Decimal("1200.00"), Decimal("12.34"), Decimal("40.00"), DOCUMENT, **engine,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_notice_stored_without_the_added_keys_keeps_its_hash_and_verifies(store: Store) -> None:
    clock = clock_at(START)
    ledger = store.ledger(clock)
    store.put_document(NOTICE)
    receivable = issue_invoice(ledger, register_debtor(ledger))
    clock.set(START + timedelta(days=120))
    sent = ledger.execute(notice(receivable), actor=ACTOR).events[0]
    ledger.execute(AddNote(receivable, "appel au débiteur"), actor=ACTOR)
    state = json.loads(state_of(store, receivable, 2))
    assert all(state[key] is None for key in ADDED)  # recorded now: the keys are there, empty

    older = {key: value for key, value in state.items() if key not in ADDED}  # as an older version stored it
    set_row(store, receivable, 2, state=json.dumps(older, separators=(",", ":")).encode())
    reloaded = store.ledger(clock)
    assert reloaded.journal(receivable)[1].hash == sent.hash()
    assert not set(ADDED) & set(reloaded.journal(receivable)[1].record["data"])
    result = verify(store)
    assert result.exit_code == 0, result.output


def test_a_notice_sent_by_the_engine_names_its_policy_version_and_rule_in_the_journal(store: Store) -> None:
    clock = clock_at(START)
    ledger = store.ledger(clock)
    store.put_document(NOTICE)
    receivable = issue_invoice(ledger, register_debtor(ledger))
    clock.set(START + timedelta(days=120))
    engine = {"policy_id": "default", "policy_version": 3, "rule": "formal_notice"}
    ledger.execute(notice(receivable, **engine), actor=ACTOR)
    data = ledger.journal(receivable)[1].record["data"]
    assert {key: data[key] for key in ADDED} == engine
    assert ledger.receivable(receivable).notices[0].rule == "formal_notice"
    assert verify(store).exit_code == 0
