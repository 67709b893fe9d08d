"""A whole quarter of daily dunning runs over the demo ledger, with a simulated clock.

Every morning at 09:30 (Paris) the run goes, then goes again at 14:00: the second run must
send and record nothing. Before each run the pure decision says which sending steps are
due for each receivable; after it, each of them was either recorded that day or refused
in the report with a reason (a weekend, the weekly cap...): nothing due is skipped
silently, nothing is sent early, no step is recorded twice, and every e-mail that the
journal names reached the SMTP server exactly once.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from api.cli import app
from api.demo import demo_clock, load_demo
from application.access import Principal, Role
from application.letters import Letters
from domain.dunning import decide
from domain.dunning_policy import Action, choose_policy
from domain.receivable_events import FormalNoticeSent, ReminderSent
from infrastructure.documents import DocumentStore
from infrastructure.dunning_ports import build_dunning
from infrastructure.sql import open_database
from tests.integration.conftest import Store
from tests.support.documents import document_store
from tests.support.smtp_server import smtp_server

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 18, 16, 45, tzinfo=UTC)  # the demo as recorded at this instant
QUARTER = 91
ENGINE = "dunning:daily"
POSTING = Principal("token-post-room", "collector:courrier", Role.COLLECTOR)  # who posts the day's letters
TRACKING = "1A 012 345 6789 0"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).astimezone(UTC)


def test_a_quarter_of_daily_runs_sends_each_step_once_on_the_day_it_falls_due(store: Store) -> None:
    with smtp_server() as (inbox, port):
        settings = store.settings.model_copy(
            update={"firm_name": "Atelier Dupont SARL", "firm_email": "relances@dupont.example",
                    "smtp_host": "127.0.0.1", "smtp_port": port}
        )  # fmt: skip
        clock = demo_clock(NOW)
        ledger = store.ledger(clock)
        load_demo(ledger, clock, document_store(store.settings), now=NOW)
        database = open_database(settings)
        run = build_dunning(settings, ledger, database, DocumentStore(database))
        start = NOW.astimezone(PARIS).date() + timedelta(days=1)
        recorded_steps: Counter[tuple[str, str]] = Counter()
        email_documents: set[str] = set()
        for offset in range(QUARTER):
            day = start + timedelta(days=offset)
            clock.set(at(day, 9, 30))
            due = _due_sending_steps(run, day)
            report = run.run(force=True, actor=ENGINE)
            assert report.errors == [], (day, report.errors)
            named = {rid for item in report.sent for rid in item.receivable_ids}
            refused = {rid for refusal in report.refused for rid in refusal.receivable_ids}
            for receivable_id, rule in due:
                assert receivable_id in named or receivable_id in refused, (day, receivable_id, rule)
            for item in report.sent:
                for receivable_id in item.receivable_ids:
                    recorded_steps[(receivable_id, item.kind + "/" + item.channel)] += 1
                if item.channel == "email":
                    assert item.document_sha256 is not None
                    email_documents.add(item.document_sha256)
            clock.set(at(day, 14))
            again = run.run(force=True, actor=ENGINE)
            assert again.sent == [] and again.events_recorded == 0, (day, again.sent)
            letters = Letters(ledger, run.ports.outbox)
            for letter in letters.to_post():  # the day's letters are posted in the afternoon
                tracking = TRACKING if letter.channel == "registered_letter" else None
                letters.post(letter.key, posted_on=day, tracking_number=tracking, principal=POSTING)

        twice = {step: count for step, count in recorded_steps.items() if count > 1}
        assert twice == {}
        engine_events = [
            event
            for receivable in ledger.receivables()
            for event in ledger._events(receivable.id)
            if isinstance(event, ReminderSent | FormalNoticeSent) and event.actor in (ENGINE, POSTING.name)
        ]
        assert len(engine_events) >= 10, "a quarter of the demo ledger must make the engine work"
        assert all(e.policy_id and e.policy_version and e.rule for e in engine_events)
        posted = [e for r in ledger.receivables() for e in ledger._events(r.id) if isinstance(e, FormalNoticeSent)
                  and e.actor == POSTING.name]  # fmt: skip
        assert posted and all(e.tracking_number == TRACKING.replace(" ", "") for e in posted)
        rules = Counter((e.originator_id, e.rule) for e in engine_events if isinstance(e, FormalNoticeSent))
        assert all(count == 1 for count in rules.values())
        received = {hashlib.sha256(raw).hexdigest() for _, _, raw in inbox.received}
        assert len(inbox.received) == len(email_documents)
        stored = DocumentStore(database)
        assert {hashlib.sha256(stored.content(sha) or b"").hexdigest() for sha in email_documents} == email_documents
        assert len(received) == len(email_documents)
        database.close()
    verified = CliRunner().invoke(app, ["ledger", "verify"], env=store.cli_env())
    assert verified.exit_code == 0, verified.output


def _due_sending_steps(run: object, day: date) -> list[tuple[str, str]]:
    """(receivable id, rule) of every letter, e-mail or notice the pure decision says is due on ``day``."""
    from application.dunning_run import DunningRun

    assert isinstance(run, DunningRun)
    policies = list(run.ports.policies())
    due = []
    for receivable in run.ledger.receivables():
        if receivable.is_closed:
            continue
        debtor = run.ledger.debtor(receivable.debtor_id)
        decision = decide(receivable, debtor, choose_policy(policies, receivable=receivable, debtor=debtor), day)
        due += [
            (str(receivable.id), a.rule)
            for a in decision.actions
            if a.action in (Action.REMINDER, Action.FORMAL_NOTICE)
        ]
    return due
