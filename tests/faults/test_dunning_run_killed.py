"""``relance dunning run`` killed with SIGKILL half way through 300 debtors' reminder e-mails, then
run again: every receivable gets its reminder once, every dispatch is recorded once, and the SMTP
server got one message per dispatch, plus at most the one caught between the server's acceptance
and the outbox's status update (the window decision 0065 names: the resend has the same Message-ID).
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest

from application.commands import AddContact, AssignPolicy, IssueInvoice, RegisterDebtor
from application.ledger import Ledger
from domain.debtor import Address
from domain.vocabulary import ContactRole, DebtorKind
from infrastructure.sql import open_database
from infrastructure.stores import build_ledger
from tests.e2e.test_cli_dunning import always_open_policy
from tests.faults.processes import cli_env, kill_group, run_cli, settings_for, spawn, wait_until
from tests.support.smtp_server import Inbox, smtp_server

DEBTORS = 300  # one overdue invoice each: one reminder e-mail per debtor
KILL_AFTER_MESSAGES = DEBTORS // 2
NAMESPACE = uuid5(NAMESPACE_URL, "https://relance.invalid/tests/faults/dunning")
ACTOR = "fault-setup"


def noon_timezone() -> str:
    """A fixed-offset zone where it is about noon now: the always-open policy's one closed minute
    (23:59) and the change of day stay hours away while the test runs, whenever it runs."""
    offset = 12 - datetime.now(UTC).hour  # hours east of UTC; -11..12, all valid Etc/GMT zones
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


def write_debtors(ledger: Ledger) -> list[UUID]:
    """DEBTORS debtors on the "always" policy, each with an e-mail contact and one invoice 10 days overdue."""
    due = ledger.now().today - timedelta(days=10)
    receivables = []
    for n in range(DEBTORS):
        debtor = uuid5(NAMESPACE, f"debtor-{n}")
        address = Address([f"{n} rue des Tanneurs"], "69002", "Lyon", "FR")
        ledger.execute(
            RegisterDebtor(debtor, f"Client {n} SARL", DebtorKind.PROFESSIONAL, address, "732829320"), actor=ACTOR
        )
        ledger.execute(
            AddContact(debtor, uuid5(NAMESPACE, f"contact-{n}"), ContactRole.ACCOUNTS_PAYABLE, f"Compta {n}",
                       f"compta{n}@client.example"),
            actor=ACTOR,
        )  # fmt: skip
        ledger.execute(AssignPolicy(debtor, "always"), actor=ACTOR)
        outcome = ledger.execute(
            IssueInvoice(f"F-DUN-{n:04d}", debtor, due - timedelta(days=30), due, Decimal("1000.00"),
                         Decimal("200.00"), Decimal("1200.00"), "Escalier"),
            actor=ACTOR,
        )  # fmt: skip
        receivables.append(outcome.aggregate_id)
    return receivables


def message_ids(inbox: Inbox) -> Counter[str]:
    return Counter(str(message["Message-ID"]) for message in inbox.messages())


@pytest.fixture
def firm(fresh_postgres_database: str, tmp_path: Path) -> Iterator[tuple[Any, dict[str, str], list[UUID], Inbox]]:
    timezone = noon_timezone()
    settings = settings_for(fresh_postgres_database, tmp_path, timezone=timezone)
    ledger = build_ledger(settings)
    try:
        receivables = write_debtors(ledger)
    finally:
        ledger.close()
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "always.toml").write_text(always_open_policy(), encoding="utf-8")
    with smtp_server() as (inbox, port):
        env = cli_env(
            fresh_postgres_database, tmp_path, RELANCE_TIMEZONE=timezone, RELANCE_POLICY_DIR=str(policies),
            RELANCE_FIRM_NAME="Atelier Dupont SARL", RELANCE_FIRM_EMAIL="relances@dupont.example",
            RELANCE_SMTP_HOST="127.0.0.1", RELANCE_SMTP_PORT=str(port),
        )  # fmt: skip
        yield settings, env, receivables, inbox


@pytest.mark.postgres
def test_a_run_killed_half_way_then_run_again_sends_and_records_each_reminder_once(
    firm: tuple[Any, dict[str, str], list[UUID], Inbox], tmp_path: Path
) -> None:
    settings, env, receivables, inbox = firm
    database = open_database(settings)
    ledger = build_ledger(settings)
    try:
        day_text = ledger.now().today.isoformat()

        # Given a run half way through its e-mails
        run = spawn(env, "dunning", "run", "--force", "--date", day_text, log=tmp_path / "run-1.log")
        wait_until(lambda: len(inbox.received) >= KILL_AFTER_MESSAGES, "half the e-mails are out", 120)

        # When it is killed outright
        kill_group(run, signal.SIGKILL)
        received_at_kill = message_ids(inbox)
        statuses_at_kill = Counter(s for (s,) in database.fetch("SELECT status FROM dunning_dispatches"))

        # ...and run again, then once more
        second = run_cli(env, "dunning", "run", "--force", "--date", day_text, "--json")
        assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-2000:]
        third = run_cli(env, "dunning", "run", "--force", "--date", day_text, "--json")
        assert third.returncode == 0, third.stderr
        report = json.loads(second.stdout)

        # Then each receivable records its first reminder once, by e-mail, with the rule that fired
        rules = {rid: [r.rule for r in ledger.receivable(rid).reminders] for rid in receivables}
        assert rules == {key: ["first_reminder"] for key in receivables}
        # ...every dispatch is written down once and recorded
        dispatches = database.fetch("SELECT dispatch_key, status, document_sha256 FROM dunning_dispatches")
        assert len(dispatches) == DEBTORS and {status for _, status, _ in dispatches} == {"recorded"}
        shas = {sha for _, _, sha in dispatches}
        assert {r.document_sha256 for rid in receivables for r in ledger.receivable(rid).reminders} == shas
        # ...one message per dispatch, plus at most the one the kill caught between the SMTP server's
        # acceptance and the outbox's update to "sent" (e-mails go one at a time): sent again, with
        # the same Message-ID, and accepted before the kill
        ids = message_ids(inbox)
        assert len(ids) == DEBTORS and set(ids.values()) <= {1, 2}
        resent = [message_id for message_id, count in ids.items() if count == 2]
        assert len(resent) <= min(1, statuses_at_kill["prepared"]), (resent, statuses_at_kill)
        assert set(resent) <= set(received_at_kill)
        assert json.loads(third.stdout)["sent"] == []
        assert len(inbox.received) == DEBTORS + len(resent)
        # ...and the chains verify
        verified = run_cli(env, "ledger", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        print(
            f"\nkilled after {sum(received_at_kill.values())} messages, outbox {dict(statuses_at_kill)}; second "
            f"run {Counter(s['status'] for s in report['sent'])}; messages {len(inbox.received)}, resent {len(resent)}"
        )
    finally:
        ledger.close()
        database.close()
