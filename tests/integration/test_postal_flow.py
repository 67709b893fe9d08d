"""Letters on both stores: the run prepares them, a person posts them, what comes back is recorded.

The journal states only what happened: nothing postal is in it before the posting (issue 17)."""

from __future__ import annotations

import io
from datetime import timedelta
from uuid import UUID

import pytest
from pypdf import PdfReader

from application.access import Principal, Role
from application.commands import ChangeAddress, RecordPayment
from application.deposit_list import PostedLine, deposit_csv, read_posted_csv, s10_check_digit
from application.dunning_run import RunReport
from application.letters import LetterOutcome
from domain.debtor import Address
from domain.errors import DomainError, Forbidden, InvalidInput, NotFound, RuleViolation
from domain.vocabulary import AcknowledgementOutcome, PaymentMethod, ReminderChannel, ReminderStage
from infrastructure.documents import DocumentStore
from tests.integration.dunning_engine import ACTOR, DUE, TRACKING, Engine

COLLECTOR = Principal("token-collector", "collector:lea", Role.COLLECTOR)
AUDITOR = Principal("token-auditor", "auditor:paul", Role.AUDITOR)
NOTICE_DAY = DUE + timedelta(days=35)  # the default policy's formal notice
SECOND_DAY = DUE + timedelta(days=20)  # its second reminder, by letter


def prepared_notice(engine: Engine, number: str = "F-2026-0301") -> tuple[UUID, RunReport]:
    """A receivable whose formal notice the run prepared on NOTICE_DAY and nobody has posted."""
    (receivable,), report = prepared_notices(engine, [number])
    return receivable, report


def prepared_notices(engine: Engine, numbers: list[str]) -> tuple[list[UUID], RunReport]:
    """One receivable per debtor, each with its formal notice prepared on NOTICE_DAY and not posted."""
    receivables = [engine.invoice(engine.debtor(), number) for number in numbers]
    for days in (5, 20):
        engine.run_on(DUE + timedelta(days=days))
    return receivables, engine.run_on(NOTICE_DAY, post=False)


def the_letter_key(engine: Engine) -> str:
    (letter,) = engine.letters.to_post()
    return letter.key


def journal_length(engine: Engine, receivable: UUID) -> int:
    return len(engine.events(receivable))


def refused(engine: Engine, receivable: UUID, rule: str, action: object) -> DomainError:
    """The action is refused for ``rule`` and records nothing on the receivable."""
    before = journal_length(engine, receivable)
    with pytest.raises(DomainError) as caught:
        action()  # type: ignore[operator]
    assert caught.value.rule == rule, caught.value.message
    assert journal_length(engine, receivable) == before
    return caught.value


# ------------------------------------------------------------- the day's batch, end to end


def s10(serial: int) -> str:
    """A registered letter's number as La Poste prints it (UPU S10, check digit included)."""
    digits = f"{serial:08d}"
    return f"RR {digits[:3]} {digits[3:6]} {digits[6:]}{s10_check_digit(digits)} FR"


def test_prepared_letters_are_printed_with_their_deposit_list_posted_from_it_and_their_fates_recorded(
    engine: Engine,
) -> None:
    numbers = [f"F-2026-04{n:02d}" for n in range(3)]
    created, _ = prepared_notices(engine, numbers)

    batch, pdf = engine.letters.batch_pdf(prepared_on=NOTICE_DAY)
    listing = deposit_csv(batch.letters)

    pages = PdfReader(io.BytesIO(pdf)).pages
    assert sorted(x.invoice_numbers[0] for x in batch.letters) == numbers
    in_order = dict(zip(numbers, created, strict=True))
    receivables = [in_order[x.invoice_numbers[0]] for x in batch.letters]  # as printed and listed
    assert len(pages) == 1 + sum(x.pages or 0 for x in batch.letters) and all(x.pages for x in batch.letters)
    assert "3 recommandé(s) avec avis de réception" in pages[0].extract_text()
    letters_text = [page.extract_text() for page in pages[1:]]
    assert all(any(number in text for text in letters_text) for number in ("F-2026-0400", "F-2026-0402"))
    # each letter is followed by a copy of its invoice, the firm having it (product.md, Dispatch)
    assert [x.enclosures for x in batch.letters] == [1, 1, 1]
    copies = [n for n, text in enumerate(letters_text) if text.startswith("Facture F-2026-04")]
    assert len(copies) == 3 and all("(copie jointe)" in row for row in listing.decode("utf-8-sig").splitlines()[1:])
    assert all(engine.ledger.receivable(r).notices == [] for r in receivables)  # printed is not posted

    header, *rows = listing.decode("utf-8-sig").splitlines()
    posted_on = NOTICE_DAY + timedelta(days=1)
    filled = [header] + [row[:-1] + f"{posted_on:%d/%m/%Y};{s10(1000 + n)}" for n, row in enumerate(rows)]
    engine.at(posted_on)
    postings = engine.letters.post_many(read_posted_csv("\r\n".join(filled).encode("utf-8-sig")), principal=COLLECTOR)

    assert [p.events for p in postings] == [1, 1, 1]
    notices = [engine.ledger.receivable(r).notices[0] for r in receivables]
    assert [n.sent_on for n in notices] == [posted_on] * 3
    sent = [next(e for e in engine.events(r) if type(e).__name__ == "FormalNoticeSent") for r in receivables]
    assert [e.tracking_number for e in sent] == [s10(1000 + n).replace(" ", "") for n in range(3)]

    fates = [(LetterOutcome.DELIVERED, 3), (LetterOutcome.UNCLAIMED, 4), (LetterOutcome.RETURNED, 5)]
    engine.at(posted_on + timedelta(days=6))
    for letter, (outcome, days) in zip(batch.letters, fates, strict=True):
        engine.letters.record_outcome(letter.key, outcome, on=posted_on + timedelta(days=days), principal=COLLECTOR)

    acknowledged = [engine.ledger.receivable(r).notices[0] for r in receivables]
    assert [(n.acknowledgement, n.acknowledged_on) for n in acknowledged] == [
        (AcknowledgementOutcome.DELIVERED, posted_on + timedelta(days=3)),
        (AcknowledgementOutcome.UNCLAIMED, posted_on + timedelta(days=4)),
        (AcknowledgementOutcome.UNDELIVERABLE, posted_on + timedelta(days=5)),
    ]
    assert [n.failed for n in acknowledged] == [False, False, True]
    assert engine.ledger.debtor(engine.ledger.receivable(receivables[2]).debtor_id).address_returned_on is not None


def test_a_deposit_list_with_a_mistyped_tracking_number_records_no_line(engine: Engine) -> None:
    receivables, _ = prepared_notices(engine, [f"F-2026-05{n:02d}" for n in range(2)])
    header, *rows = engine.letters.deposit_list_csv().decode("utf-8-sig").splitlines()
    good, bad = s10(2000), s10(2001).replace(" FR", "").replace("RR", "RA")[:-1] + "0FR"
    filled = [header, rows[0][:-1] + f"{NOTICE_DAY:%d/%m/%Y};{good}", rows[1][:-1] + f"{NOTICE_DAY:%d/%m/%Y};{bad}"]

    with pytest.raises(InvalidInput) as caught:
        engine.letters.post_many(read_posted_csv("\n".join(filled).encode()), principal=COLLECTOR)

    assert "line 3" in caught.value.message and "check digit" in caught.value.message
    assert all(engine.ledger.receivable(r).notices == [] for r in receivables)


# ------------------------------------------------------------- preparation


def test_the_run_prepares_a_registered_letter_and_records_no_sending_until_it_is_posted(engine: Engine) -> None:
    receivable, report = prepared_notice(engine)

    assert [(item.kind, item.channel, item.status) for item in report.sent] == [
        ("formal_notice", "registered_letter", "to_post")
    ]
    assert engine.ledger.receivable(receivable).notices == []
    (letter,) = engine.letters.to_post()
    assert (letter.kind, letter.channel, letter.run_date) == ("formal_notice", "registered_letter", NOTICE_DAY)
    assert letter.invoice_numbers == ("F-2026-0301",) and letter.postal_code == "69002"
    pdf = DocumentStore(engine.database).content(letter.document_sha256)
    assert pdf is not None and pdf.startswith(b"%PDF-")


def test_a_second_run_prepares_no_second_letter_while_the_first_waits_to_be_posted(engine: Engine) -> None:
    receivable, _ = prepared_notice(engine)

    dry = engine.run_on(NOTICE_DAY + timedelta(days=1), dry_run=True)
    real = engine.run_on(NOTICE_DAY + timedelta(days=1), post=False)

    for report in (dry, real):
        assert report.sent == []
        assert [(r.rule, r.receivable_ids) for r in report.refused] == [("letter_awaiting_posting", [str(receivable)])]
    assert len(engine.letters.to_post()) == 1


# ----------------------------------------------------------------- posting


def test_posting_records_the_notice_on_the_posting_day_with_its_tracking_number_and_the_deadline_moved(
    engine: Engine,
) -> None:
    receivable, _ = prepared_notice(engine)
    key = the_letter_key(engine)
    posted_on = NOTICE_DAY + timedelta(days=2)
    engine.at(posted_on + timedelta(days=1))

    posting = engine.letters.post(key, posted_on=posted_on, tracking_number=TRACKING, principal=COLLECTOR)

    assert posting.invoices == ["F-2026-0301"] and posting.events == 1
    (notice,) = engine.ledger.receivable(receivable).notices
    assert (notice.sent_on, notice.deadline) == (posted_on, posted_on + timedelta(days=8))
    (event,) = [e for e in engine.events(receivable) if type(e).__name__ == "FormalNoticeSent"]
    assert event.tracking_number == TRACKING.replace(" ", "") and event.actor == "collector:lea"
    assert engine.letters.to_post() == []
    again = refused(engine, receivable, "letter_already_posted", lambda: engine.letters.post(
        key, posted_on=posted_on, tracking_number=TRACKING, principal=COLLECTOR))  # fmt: skip
    assert isinstance(again, RuleViolation)


@pytest.mark.parametrize(
    ("posted", "tracking", "rule"),
    [
        (1, TRACKING, "date_not_in_future"),
        (-1, TRACKING, "posting_after_preparation"),
        (0, None, "tracking_number_required"),
        (0, "12345", "tracking_number_format"),
    ],
    ids=["in the future", "before it was prepared", "without a tracking number", "with a malformed number"],
)
def test_a_posting_is_refused_and_records_nothing(engine: Engine, posted: int, tracking: str | None, rule: str) -> None:
    receivable, _ = prepared_notice(engine)
    key = the_letter_key(engine)

    error = refused(engine, receivable, rule, lambda: engine.letters.post(
        key, posted_on=NOTICE_DAY + timedelta(days=posted), tracking_number=tracking, principal=COLLECTOR))  # fmt: skip

    assert isinstance(error, InvalidInput)
    assert [letter.key for letter in engine.letters.to_post()] == [key]


def test_an_auditor_may_not_post_a_letter_and_an_unknown_letter_is_not_found(engine: Engine) -> None:
    receivable, _ = prepared_notice(engine)
    key = the_letter_key(engine)

    forbidden = refused(engine, receivable, "forbidden", lambda: engine.letters.post(
        key, posted_on=NOTICE_DAY, tracking_number=TRACKING, principal=AUDITOR))  # fmt: skip

    assert isinstance(forbidden, Forbidden)
    with pytest.raises(NotFound):
        engine.letters.post("2026-04-08/nobody/formal_notice/registered_letter", posted_on=NOTICE_DAY,
                            tracking_number=TRACKING, principal=COLLECTOR)  # fmt: skip


def test_a_letter_posted_after_the_invoice_was_paid_is_kept_as_a_note_not_as_a_reminder(engine: Engine) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0302")
    engine.run_on(DUE + timedelta(days=5))
    engine.run_on(SECOND_DAY, post=False)
    engine.ledger.execute(
        RecordPayment(receivable, engine.ledger.receivable(receivable).outstanding, SECOND_DAY,
                      PaymentMethod.TRANSFER, "VIR-302"),
        actor=ACTOR,
    )  # fmt: skip

    posting = engine.letters.post(the_letter_key(engine), posted_on=SECOND_DAY, principal=COLLECTOR)

    assert posting.noted == ["F-2026-0302"]
    assert [r.stage for r in engine.reminders(receivable)] == [ReminderStage.FIRST]
    (note,) = engine.ledger.receivable(receivable).notes
    assert "postée le" in note.text and "déjà soldée" in note.text


def test_a_posting_interrupted_after_recording_is_finished_by_posting_again_without_a_second_notice(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    receivable, _ = prepared_notice(engine)
    key = the_letter_key(engine)
    outbox = engine.run.ports.outbox

    def killed(*args: object, **kwargs: object) -> None:
        raise SystemExit("killed after the journal, before the outbox")

    monkeypatch.setattr(type(outbox), "mark", killed)
    with pytest.raises(SystemExit):
        engine.letters.post(key, posted_on=NOTICE_DAY, tracking_number=TRACKING, principal=COLLECTOR)
    monkeypatch.undo()
    assert len(engine.ledger.receivable(receivable).notices) == 1 and engine.letters.to_post() != []

    engine.letters.post(key, posted_on=NOTICE_DAY, tracking_number=TRACKING, principal=COLLECTOR)

    assert len(engine.ledger.receivable(receivable).notices) == 1 and engine.letters.to_post() == []


def test_a_filled_deposit_list_with_one_bad_line_records_nothing(engine: Engine) -> None:
    first, _ = prepared_notice(engine, "F-2026-0303")
    key = the_letter_key(engine)
    lines = [
        PostedLine(key, NOTICE_DAY, TRACKING, 2),
        PostedLine("2026-04-08/unknown/formal_notice/registered_letter", NOTICE_DAY, TRACKING, 3),
    ]

    with pytest.raises(InvalidInput) as caught:
        engine.letters.post_many(lines, principal=COLLECTOR)

    assert "line 3" in caught.value.message and caught.value.rule == "deposit_list"
    assert engine.ledger.receivable(first).notices == [] and len(engine.letters.to_post()) == 1
    (posting,) = engine.letters.post_many(lines[:1], principal=COLLECTOR)
    assert posting.invoices == ["F-2026-0303"]


def test_a_cancelled_letter_records_nothing_and_the_next_run_prepares_it_again(engine: Engine) -> None:
    receivable, _ = prepared_notice(engine)

    engine.letters.cancel(the_letter_key(engine), principal=COLLECTOR)

    assert engine.letters.to_post() == [] and engine.ledger.receivable(receivable).notices == []
    again = engine.run_on(NOTICE_DAY + timedelta(days=1), post=False)
    assert [(i.kind, i.status) for i in again.sent] == [("formal_notice", "to_post")]


def test_a_letter_withdrawn_with_a_reason_has_it_noted_on_its_file_by_the_person(engine: Engine) -> None:
    receivable, _ = prepared_notice(engine)

    engine.letters.cancel(the_letter_key(engine), principal=COLLECTOR, reason="Réglée par chèque hier")

    (note,) = engine.ledger.receivable(receivable).notes
    assert note.actor == COLLECTOR.name and note.text.startswith("Mise en demeure préparé(e) le ")
    assert note.text.endswith("retiré(e) avant envoi : Réglée par chèque hier")
    assert engine.ledger.receivable(receivable).notices == [] and engine.letters.to_post() == []


def test_a_letter_not_posted_within_three_days_comes_back_on_the_worklist(engine: Engine) -> None:
    receivable, _ = prepared_notice(engine)

    on_time = engine.run.worklist(NOTICE_DAY + timedelta(days=3))
    late = engine.run.worklist(NOTICE_DAY + timedelta(days=4))

    assert [i.action for i in on_time if i.action == "post_letter"] == []
    (item,) = [i for i in late if i.action == "post_letter"]
    assert item.receivable_id == str(receivable) and "non posté depuis 4 jours" in item.label


# ----------------------------------------------------------------- outcome


@pytest.mark.parametrize(
    ("outcome", "acknowledged"),
    [
        (LetterOutcome.DELIVERED, AcknowledgementOutcome.DELIVERED),
        (LetterOutcome.UNCLAIMED, AcknowledgementOutcome.UNCLAIMED),
        (LetterOutcome.REFUSED, AcknowledgementOutcome.REFUSED),
    ],
    ids=lambda value: getattr(value, "value", value),
)
def test_the_deadline_of_a_posted_notice_runs_from_receipt_or_first_presentation(
    engine: Engine, outcome: LetterOutcome, acknowledged: AcknowledgementOutcome
) -> None:
    receivable, _ = prepared_notice(engine)
    key = the_letter_key(engine)
    engine.letters.post(key, posted_on=NOTICE_DAY, tracking_number=TRACKING, principal=COLLECTOR)
    presented = NOTICE_DAY + timedelta(days=3)
    engine.at(presented + timedelta(days=2))

    engine.letters.record_outcome(key, outcome, on=presented, principal=COLLECTOR)

    (notice,) = engine.ledger.receivable(receivable).notices
    assert (notice.acknowledgement, notice.acknowledged_on) == (acknowledged, presented)
    assert notice.deadline == NOTICE_DAY + timedelta(days=8)  # the journal keeps the posting's date...
    assert notice.effective_deadline == presented + timedelta(days=8)  # ...and the deadline runs from receipt


def test_a_notice_returned_undeliverable_flags_the_address_until_it_is_corrected(engine: Engine) -> None:
    receivable, _ = prepared_notice(engine)
    key = the_letter_key(engine)
    engine.letters.post(key, posted_on=NOTICE_DAY, tracking_number=TRACKING, principal=COLLECTOR)
    returned_on = NOTICE_DAY + timedelta(days=6)
    engine.at(returned_on)

    engine.letters.record_outcome(key, LetterOutcome.RETURNED, on=returned_on, principal=COLLECTOR)

    file = engine.ledger.receivable(receivable)
    assert file.notices[0].failed and file.notices[0].effective_deadline is None
    debtor = engine.ledger.debtor(file.debtor_id)
    assert debtor.address_returned_on == returned_on
    items = [i for i in engine.run.worklist(returned_on + timedelta(days=1)) if i.action == "correct_address"]
    assert [i.receivable_id for i in items] == [str(receivable)]
    blocked = engine.run_on(returned_on + timedelta(days=1), post=False)
    assert [r.rule for r in blocked.refused] == ["address_returned"] and blocked.sent == []

    engine.ledger.execute(ChangeAddress(debtor.id, Address(["9 quai Perrache"], "69002", "Lyon", "FR")), actor=ACTOR)

    again = engine.run_on(returned_on + timedelta(days=2), post=False)
    assert [(i.kind, i.status) for i in again.sent] == [("formal_notice", "to_post")]  # the failed step is due again
    assert engine.letters.to_post()[0].address_lines == ("9 quai Perrache",)


def test_a_returned_reminder_letter_fails_its_step_and_a_simple_letter_has_no_receipt(engine: Engine) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0304")
    engine.run_on(DUE + timedelta(days=5))
    engine.run_on(SECOND_DAY, post=False)
    key = the_letter_key(engine)
    engine.letters.post(key, posted_on=SECOND_DAY, principal=COLLECTOR)
    second = engine.reminders(receivable)[-1]
    assert (second.stage, second.channel) == (ReminderStage.SECOND, ReminderChannel.LETTER)

    refused(engine, receivable, "outcome_needs_registered_letter", lambda: engine.letters.record_outcome(
        key, LetterOutcome.DELIVERED, on=SECOND_DAY + timedelta(days=2), principal=COLLECTOR))  # fmt: skip
    engine.at(SECOND_DAY + timedelta(days=4))
    engine.letters.record_outcome(key, LetterOutcome.RETURNED, on=SECOND_DAY + timedelta(days=4), principal=COLLECTOR)

    assert engine.ledger.receivable(receivable).returned_letters == {
        second.document_sha256: SECOND_DAY + timedelta(days=4)
    }
    assert engine.ledger.debtor(engine.ledger.receivable(receivable).debtor_id).address_returned_on is not None


def test_an_outcome_before_the_posting_is_refused(engine: Engine) -> None:
    receivable, _ = prepared_notice(engine)

    refused(engine, receivable, "letter_posted", lambda: engine.letters.record_outcome(
        the_letter_key(engine), LetterOutcome.DELIVERED, on=NOTICE_DAY, principal=COLLECTOR))  # fmt: skip


def test_the_same_run_date_resumed_puts_a_letter_left_half_done_on_the_list_never_in_the_journal(
    engine: Engine,
) -> None:
    receivable = engine.invoice(engine.debtor(), "F-2026-0305")
    engine.run_on(DUE + timedelta(days=5))
    engine.run_on(SECOND_DAY, post=False)
    key = the_letter_key(engine)
    outbox = engine.run.ports.outbox
    outbox.mark(key, "prepared", now=engine.clock())  # as a run killed before it listed the letter leaves it

    resumed = engine.run_on(SECOND_DAY, hour=15, post=False)

    assert [(i.dispatch_key, i.status) for i in resumed.sent] == [(key, "to_post")]
    assert [r.stage for r in engine.reminders(receivable)] == [ReminderStage.FIRST]
    assert [letter.key for letter in engine.letters.to_post()] == [key]


def test_the_posting_day_is_no_earlier_than_the_preparation_even_for_a_returned_letter(engine: Engine) -> None:
    receivable, _ = prepared_notice(engine)
    key = the_letter_key(engine)
    engine.letters.post(key, posted_on=NOTICE_DAY, tracking_number=TRACKING, principal=COLLECTOR)

    refused(engine, receivable, "date_order", lambda: engine.letters.record_outcome(
        key, LetterOutcome.RETURNED, on=NOTICE_DAY - timedelta(days=1), principal=COLLECTOR))  # fmt: skip

    assert engine.ledger.debtor(engine.ledger.receivable(receivable).debtor_id).address_returned_on is None
