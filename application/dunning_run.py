"""The daily dunning run: decide, render, send, record — once per date, resumable.

For every open receivable the pure decision (domain/dunning.py) says what is due. The run
then works per debtor: one document per (debtor, kind, channel) covering the invoices it
names, rendered, then dispatched in batches (application/dunning_dispatch.py): stored,
written to the outbox, sent (e-mail) or left for print (letters), and only then recorded
on each named receivable with the same sha256 and the policy, version and rule that fired.
Calls and escalations go to the worklist: a person makes them. Every refusal (guardrail,
stale bank data, missing address) is in the report, never silent.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from bisect import insort
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.commands import BreakPromise, MissInstalment
from application.configuration_checks import mediator_missing, missing_rates
from application.correspondence import Correspondence, DocumentKind, InvoiceLine, Recipient
from application.dunning_dispatch import Dispatcher, DunningPorts, Planned
from application.dunning_report import Refusal, RunReport, SentItem, WorkItem, worklist_order
from application.email_fallback import letters_for_bounced_email
from application.ledger import Ledger
from application.ledger_scan import scan_ledger
from application.letters import Letters
from application.registered_email import lre_refusal, recipient_contact
from application.sms import mobile_number, sms_document, sms_recipient
from application.worklist_board import WorklistBoard
from domain.debtor import Debtor
from domain.dunning import Decision, DueAction, contacts_in_week, decide, within_working_hours
from domain.dunning_policy import Action, Channel, Policy, choose_policy
from domain.errors import DomainError, InvalidInput
from domain.late_charges import Claim
from domain.personal import ERASED
from domain.receivable import Receivable
from domain.vocabulary import DebtorKind, ReminderStage
from domain.vocabulary import DocumentKind as AttachmentKind

__all__ = ["DunningPorts", "DunningRun", "RunReport"]

ZERO = Decimal("0.00")
BATCH = 500  # documents per dispatch batch: one transaction each for documents, outbox rows and events
SUNDAY = 6
KIND_RANK = {DocumentKind.COURTESY: 0, DocumentKind.FIRST_REMINDER: 1, DocumentKind.SECOND_REMINDER: 2}
REMINDER_KINDS = frozenset({DocumentKind.FIRST_REMINDER, DocumentKind.SECOND_REMINDER})
PRINTED = frozenset({Channel.LETTER, Channel.REGISTERED_LETTER, Channel.ELECTRONIC_REGISTERED_LETTER})


@dataclass
class _Group:
    kind: DocumentKind
    channel: Channel
    actions: list[DueAction]
    receivables: list[Receivable]


class DunningRun:
    def __init__(self, ledger: Ledger, ports: DunningPorts) -> None:
        self.ledger = ledger
        self.ports = ports
        self._awaiting: dict[UUID, str] = {}  # receivable id -> the key of its letter waiting to be posted
        self.board = WorklistBoard(ledger, decided_items)  # the worklist's decisions, kept current per process

    # -------------------------------------------------------------- entry

    def run(self, *, on: date | None = None, dry_run: bool = False, force: bool = False, actor: str) -> RunReport:
        now = self.ledger.now()
        day = on or now.today
        if day > now.today:
            raise InvalidInput(f"date: {day} is in the future (today is {now.today})", rule="run_date_future")
        report = RunReport(uuid.uuid4().hex, day, dry_run, force, now.instant)
        report.warnings += [warning.view() for warning in missing_rates(self.ledger.rate_table(), day)]
        dispatcher = Dispatcher(self.ledger, self.ports, report.run_id)
        if not dry_run:
            dispatcher.finish_unfinished(report, actor)
        # A file whose letter waits to be posted gets no second letter: the first one has not gone yet.
        self._awaiting = {UUID(step["receivable_id"]): d.key for d in self.ports.outbox.to_post() for step in d.steps}
        sending_allowed = self._bank_data_check(report, day, force)
        policies = list(self.ports.policies())
        book = scan_ledger(self.ledger)  # every receivable and debtor in one pass over the log
        batch: list[Planned] = []
        detected: list[Any] = []  # (command, events) of broken promises and missed instalments, not yet saved
        for debtor_id, receivables in book.open_receivables_by_debtor().items():
            debtor = book.debtors[debtor_id]
            batch += self._debtor(
                report, debtor, receivables, policies, day, actor, detected, sending_allowed=sending_allowed
            )
            if len(batch) >= BATCH or len(detected) >= BATCH:
                self._flush_detections(report, detected, actor)
                dispatcher.dispatch(report, batch, actor)
                batch = []
        self._flush_detections(report, detected, actor)
        dispatcher.dispatch(report, batch, actor)
        for item in report.sent:  # the report names each debtor, as people read it
            known = book.debtors.get(UUID(item.debtor_id))
            item.debtor_name = (known.legal_name or ERASED) if known is not None else None
        report.worklist += Letters(
            self.ledger, self.ports.outbox, post_within_days=self.ports.post_within_days
        ).overdue(day)
        report.worklist += [item for source in self.ports.worklist_sources for item in source(day)]
        report.worklist.sort(key=worklist_order)
        return report

    def worklist(self, on: date) -> list[WorkItem]:
        """Calls and escalations due on ``on``: what a person has to do, by priority and amount."""
        items = self.board.items(on, list(self.ports.policies()))  # kept current and sorted, not decided again
        extra = Letters(self.ledger, self.ports.outbox, post_within_days=self.ports.post_within_days).overdue(on)
        extra += [item for source in self.ports.worklist_sources for item in source(on)]
        for item in extra:  # a few: placed after their equals, as a stable sort of the whole would
            insort(items, item, key=worklist_order)
        return items

    # ------------------------------------------------------------ per debtor

    def _debtor(
        self,
        report: RunReport,
        debtor: Debtor,
        receivables: list[Receivable],
        policies: list[Policy],
        day: date,
        actor: str,
        pending: list[Any],
        *,
        sending_allowed: bool,
    ) -> list[Planned]:
        decisions: dict[UUID, tuple[Receivable, Policy, Decision]] = {}
        for receivable in receivables:
            report.receivables_examined += 1
            policy = choose_policy(policies, receivable=receivable, debtor=debtor)
            decision = decide(receivable, debtor, policy, day)
            if decision.detections and not report.dry_run:
                self._record_detections(report, receivable, decision, actor, pending)
            for detection in decision.detections:
                report.detections.append(
                    {"receivable_id": str(receivable.id), "invoice_number": receivable.invoice_number,
                     "kind": detection.kind, "noted_on": detection.noted_on.isoformat(),
                     "instalment_number": detection.instalment_number}
                )  # fmt: skip
            for hold in decision.holds:
                report.held[hold.reason] = report.held.get(hold.reason, 0) + 1
                if hold.reason.startswith("guardrail_"):  # a step held back by a guardrail is named, not counted
                    report.refused.append(
                        Refusal(str(debtor.id), [str(receivable.id)], hold.reason, hold.detail,
                                debtor.legal_name, [receivable.invoice_number])
                    )  # fmt: skip
            decisions[receivable.id] = (receivable, policy, decision)
            report.worklist += _work_items(decision, receivable, debtor, policy, day)
            if debtor.address_returned_on is not None:
                report.worklist.append(_address_returned(receivable, debtor, day))
            waiting = self._awaiting.get(receivable.id)
            if waiting is not None and any(a.action in SENDING_ACTIONS for a in decision.actions):
                report.refused.append(
                    Refusal(str(debtor.id), [str(receivable.id)], "letter_awaiting_posting",
                            f"a letter prepared for this invoice is not posted yet ({waiting}): post or cancel it",
                            debtor.legal_name, [receivable.invoice_number])
                )  # fmt: skip

        def say(group: _Group, rule: str, detail: str) -> None:
            ids, numbers = [str(r.id) for r in group.receivables], [r.invoice_number for r in group.receivables]
            report.refused.append(Refusal(str(debtor.id), ids, rule, detail, debtor.legal_name, numbers))

        groups = letters_for_bounced_email(self._groups(decisions, day), debtor, say)
        if not groups:
            return []
        recent = [r for r, _, _ in decisions.values()]
        allowed_contacts = _weekly_cap(decisions) - contacts_in_week(recent, day)
        local_now = report.started_at.astimezone(self.ledger.timezone)
        planned: list[Planned] = []
        documents = 0  # each document is one contact, as contacts_in_week counts them
        for group in groups:
            ids = [str(r.id) for r in group.receivables]
            numbers = [r.invoice_number for r in group.receivables]

            def refuse(rule: str, detail: str, group_ids: list[str] = ids, group_numbers: list[str] = numbers) -> None:
                report.refused.append(
                    Refusal(str(debtor.id), group_ids, rule, detail, debtor.legal_name, group_numbers)
                )

            policy = decisions[group.receivables[0].id][1]
            email = group.channel is Channel.EMAIL
            sms = group.channel is Channel.SMS
            contact = debtor.preferred_contact(with_email=True) if email else None
            mobile = sms_recipient(debtor) if sms and self.ports.sms is not None else None
            # An LRE through the provider goes to an e-mail address, not to the post (decision 0100).
            lre = group.channel is Channel.ELECTRONIC_REGISTERED_LETTER and self.ports.registered_email is not None
            printed = group.channel in PRINTED and not lre
            refusal = lre_refusal(debtor, day) if lre else None
            contact = recipient_contact(debtor) if lre else contact
            if not sending_allowed:
                refuse("bank_data_stale", report.bank_data)
            elif self.ports.firm is None:
                refuse("firm_not_configured", "the creditor's name is not set (RELANCE_FIRM_NAME)")
            elif (
                sms and self.ports.sms is None
            ):  # refused alike by a dry run and a real one, never proposed then failed
                refuse("sms_not_available", "no SMS provider is configured (RELANCE_SMS_PROVIDER)")
            elif printed and day.weekday() == SUNDAY:
                refuse("guardrail_letter_on_sunday", "no letter is dated on a Sunday: it goes on the next run")
            elif documents >= allowed_contacts:
                refuse("guardrail_contacts_per_week",
                       "the debtor was already contacted as often as its policy allows this week")  # fmt: skip
            elif (email or sms) and not within_working_hours(policy.guardrails, local_now):
                what = "SMS" if sms else "e-mail"
                refuse("guardrail_working_hours", f"no {what} outside working hours ({local_now:%A %H:%M})")
            elif isinstance(mobile, str):
                refuse("no_mobile_number", mobile)
            elif email and contact is None:
                refuse("no_email_address", "the debtor has no contact with an e-mail address")
            elif email and self.ports.sender is None:
                refuse("smtp_not_configured", "no SMTP server is configured (RELANCE_SMTP_HOST)")
            elif refusal is not None:
                refuse(*refusal)
            elif printed and (debtor.address is None or debtor.erased):
                refuse("no_postal_address", "the debtor has no postal address")
            elif printed and debtor.address_returned_on is not None:
                refuse("address_returned", f"a letter came back undeliverable on {debtor.address_returned_on:%d/%m/%Y}:"
                       " correct the address first")  # fmt: skip
            elif report.dry_run:
                self._mediator_check(report, debtor)
                report.sent.append(self._item(group, debtor, day))
                documents += 1
            else:
                self._mediator_check(report, debtor)
                if isinstance(mobile, tuple):
                    contact = mobile[0]
                try:
                    planned.append(self._plan(group, debtor, contact, policy, day, report.started_at))
                except DomainError as error:
                    report.errors.append(
                        {"debtor_id": str(debtor.id), "kind": group.kind.value, "error": error.message}
                    )
                    continue
                documents += 1
        return planned

    def _mediator_check(self, report: RunReport, debtor: Debtor) -> None:
        """A document to a consumer without the consumer mediator named: said once in the report."""
        if debtor.kind is not DebtorKind.CONSUMER:
            return
        warning = mediator_missing(self.ports.firm)
        if warning is not None and warning.view() not in report.warnings:
            report.warnings.append(warning.view())

    def _invoices_as_stored(self, receivables: list[Receivable]) -> list[tuple[str, str, bytes]]:
        """The invoices' own documents (attached as kind ``invoice``), for the e-mail: a reminder carries a copy
        of the invoice when the firm has it (product.md, Dispatch)."""
        found: list[tuple[str, str, bytes]] = []
        for receivable in receivables:
            for attached in receivable.documents:
                content = None
                if attached.kind is AttachmentKind.INVOICE:
                    content = self.ports.documents.content(attached.document_sha256)
                if content is not None:
                    name = re.sub(r"[^A-Za-z0-9._-]+", "-", receivable.invoice_number).strip("-")
                    extension = "pdf" if attached.media_type == "application/pdf" else "bin"
                    found.append((f"facture-{name}.{extension}", attached.media_type, content))
        return found

    def _plan(self, group: _Group, debtor: Debtor, contact: Any, policy: Policy, day: date, now: datetime) -> Planned:
        """Render the group's document and say what each receivable it names will record."""
        ports = self.ports
        key = ports.dispatch_key(day, str(debtor.id), group.kind.value, group.channel.value)
        notice = group.kind is DocumentKind.FORMAL_NOTICE
        claims = {r.id: ports.claim(r, day) for r in group.receivables} if notice else {}
        deadline = day + timedelta(days=policy.notice_deadline_days) if notice else None
        if group.channel is Channel.SMS:  # a short text of its own, not a letter: no address in it
            assert ports.sms is not None and ports.firm is not None  # checked before planning
            numbers = [r.invoice_number for r in group.receivables]
            link = ports.firm.payment_link(
                reference=numbers[0],
                invoice_numbers=numbers,
                amount=sum((r.outstanding for r in group.receivables), Decimal("0.00")),
            )
            content, media_type = sms_document(
                group.kind, ports.firm, group.receivables, link or ports.sms.payment_link
            )
        elif group.channel is Channel.EMAIL:
            message_id = f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@relance>"
            content = ports.renderer.email_message(
                self._correspondence(group, debtor, day, key, claims, deadline), to=contact.email,
                message_id=message_id, sent_at=now, attachments=self._invoices_as_stored(group.receivables),
            )  # fmt: skip
            media_type = "message/rfc822"
        else:
            correspondence = self._correspondence(group, debtor, day, key, claims, deadline)
            content, media_type = ports.renderer.pdf(correspondence), "application/pdf"
        steps = [
            _step(action, receivable, group, claims.get(receivable.id), deadline)
            for action, receivable in zip(group.actions, group.receivables, strict=True)
        ]
        return Planned(
            key=key, debtor_id=str(debtor.id), kind=group.kind, channel=group.channel, content=content,
            media_type=media_type, recipient_id=str(contact.contact_id) if contact is not None else None,
            email=contact.email if contact is not None else None, steps=steps,
            receivables={r.id: r for r in group.receivables},
            phone=mobile_number(contact.phone) if group.channel is Channel.SMS else None,
        )  # fmt: skip

    def _groups(self, decisions: dict[UUID, tuple[Receivable, Policy, Decision]], day: date) -> list[_Group]:
        """One group per (kind, channel); reminder letters also name the debtor's other overdue invoices."""
        groups: dict[tuple[DocumentKind, Channel], _Group] = {}
        for receivable, _policy, decision in decisions.values():
            if receivable.id in self._awaiting:
                continue  # refused above: its letter is not posted yet
            for action in decision.actions:
                if action.action not in SENDING_ACTIONS:
                    continue
                kind = _kind(action)
                for channel in action.channels:
                    group = groups.setdefault((kind, channel), _Group(kind, channel, [], []))
                    group.actions.append(action)
                    group.receivables.append(receivable)
        # Reminder kinds merge: one reminder document per channel, at the firmest stage due.
        merged: dict[Channel, _Group] = {}
        for (kind, channel), group in sorted(groups.items(), key=lambda item: KIND_RANK.get(item[0][0], 9)):
            if kind in REMINDER_KINDS:
                existing = merged.get(channel)
                if existing is None:
                    merged[channel] = group
                else:
                    existing.kind = max(existing.kind, kind, key=lambda k: KIND_RANK[k])
                    existing.actions += group.actions
                    existing.receivables += group.receivables
        result = [g for (k, _), g in groups.items() if k not in REMINDER_KINDS]
        result += merged.values()
        if merged:  # the other overdue invoices join one reminder only: the firmest one
            firmest = max(merged.values(), key=lambda g: (KIND_RANK[g.kind], g.channel in PRINTED))
            named = {r.id for g in groups.values() for r in g.receivables}
            self._add_companions(firmest, decisions, named, day, set(self._awaiting))
        result.sort(key=lambda g: (KIND_RANK.get(g.kind, 9), g.channel.value))
        return result

    @staticmethod
    def _add_companions(
        group: _Group,
        decisions: dict[UUID, tuple[Receivable, Policy, Decision]],
        named: set[UUID],
        day: date,
        awaiting: set[UUID],
    ) -> None:
        """A reminder covers every overdue invoice of the debtor that is not held and not just reminded."""
        for receivable, policy, decision in decisions.values():
            if receivable.id in named or decision.holds or receivable.id in awaiting:
                continue
            if receivable.due_date >= day or receivable.notices or receivable.escalations:
                continue
            last = _last_sending(receivable)
            if last is not None and (day - last).days < policy.min_spacing_days:
                continue
            stage = _next_reminder_stage(receivable)
            rule = _rule_for(policy, stage) or group.actions[0].rule
            group.actions.append(
                DueAction(
                    receivable_id=receivable.id, debtor_id=receivable.debtor_id, rule=rule,
                    action=Action.REMINDER, channels=(group.channel,), template=group.kind.value,
                    reminder_stage=stage, due_on=day, policy_id=policy.id, policy_version=policy.version,
                    amount=receivable.outstanding, days_past_due=receivable.days_past_due(day),
                    priority=group.actions[0].priority, label="inclus dans le même courrier",
                )
            )  # fmt: skip
            group.receivables.append(receivable)

    def _record_detections(
        self, report: RunReport, receivable: Receivable, decision: Decision, actor: str, pending: list[Any]
    ) -> None:
        """What the decision detected, to be recorded with its batch (flush)."""
        for detection in decision.detections:
            command: Any
            if detection.kind == "promise_broken":
                command = BreakPromise(receivable.id, noted_on=detection.noted_on)
            else:
                assert detection.instalment_number is not None
                command = MissInstalment(receivable.id, detection.instalment_number, noted_on=detection.noted_on)
            pending.append((command, receivable))

    def _flush_detections(self, report: RunReport, pending: list[Any], actor: str) -> None:
        """Record the detections of a batch together; one by one on fresh loads if a file moved meanwhile."""
        if not pending:
            return
        outcome = self.ledger.execute_batch(pending, actor=actor)
        for command, error in outcome.refused:
            report.errors.append({"receivable_id": str(command.receivable_id), "error": error.message})
        if not outcome.conflicted:
            report.events_recorded += outcome.events
        else:
            refused = {id(command) for command, _ in outcome.refused}
            for command, _ in pending:
                if id(command) in refused:
                    continue
                try:
                    report.events_recorded += len(self.ledger.execute(command, actor=actor).events)
                except DomainError as error:
                    report.errors.append({"receivable_id": str(command.receivable_id), "error": error.message})
        pending.clear()

    def _bank_data_check(self, report: RunReport, day: date, force: bool) -> bool:
        latest = self.ports.latest_bank_statement()
        limit = self.ports.bank_statement_max_age_days
        if latest is None:
            report.bank_data = "no bank statement has been imported: payments may be missing"
        elif (day - latest).days > limit:
            report.bank_data = f"the latest bank statement is of {latest:%d/%m/%Y}, older than {limit} days"
        else:
            report.bank_data = f"latest bank statement of {latest:%d/%m/%Y}"
            return True
        if force:
            report.bank_data += " (forced)"
            return True
        report.bank_data += ": nothing sent (import a statement, or force)"
        return False

    def _correspondence(
        self, group: _Group, debtor: Debtor, day: date, key: str, claims: dict[UUID, Claim], deadline: date | None
    ) -> Correspondence:
        firm = self.ports.firm
        assert firm is not None  # checked before dispatching
        named = sorted(group.receivables, key=lambda r: (r.due_date, r.invoice_number))
        previous = [d for r in named if (d := _last_sending(r)) is not None]
        return Correspondence(
            kind=group.kind,
            firm=firm,
            recipient=Recipient.of(debtor),
            invoices=tuple(InvoiceLine.of(r, day, claims.get(r.id)) for r in named),
            dated=day,
            place=firm.place,
            # Neutral: a date and a digest, never a reminder's rank (seeds: no « relance n° 1 »).
            reference=f"{day:%Y%m%d}-{hashlib.sha256(key.encode()).hexdigest()[:8].upper()}",
            channel=group.channel.value,
            deadline=deadline,
            previous_on=max(previous) if previous else None,
        )

    def _item(self, group: _Group, debtor: Debtor, day: date) -> SentItem:
        key = self.ports.dispatch_key(day, str(debtor.id), group.kind.value, group.channel.value)
        return SentItem(key, str(debtor.id), group.kind.value, group.channel.value, None,
                        [str(r.id) for r in group.receivables], [r.invoice_number for r in group.receivables],
                        "would_send")  # fmt: skip


SENDING_ACTIONS = frozenset({Action.REMINDER, Action.FORMAL_NOTICE})


def _kind(action: DueAction) -> DocumentKind:
    if action.action is Action.FORMAL_NOTICE:
        return DocumentKind.FORMAL_NOTICE
    stage = action.reminder_stage
    if stage is ReminderStage.COURTESY:
        return DocumentKind.COURTESY
    if stage is ReminderStage.SECOND:
        return DocumentKind.SECOND_REMINDER
    return DocumentKind.FIRST_REMINDER


def _step(
    action: DueAction, receivable: Receivable, group: _Group, claim: Claim | None, deadline: date | None
) -> dict[str, Any]:
    step: dict[str, Any] = {
        "receivable_id": str(receivable.id), "invoice_number": receivable.invoice_number, "rule": action.rule,
        "policy_id": action.policy_id, "policy_version": action.policy_version,
        "stage": action.reminder_stage.value if action.reminder_stage is not None else None,
    }  # fmt: skip
    if group.kind is DocumentKind.FORMAL_NOTICE:
        assert claim is not None and deadline is not None
        # The breakdown adds up to what the letter claims: charges already invoiced or waived come off.
        rest = max(ZERO, claim.total - claim.principal_outstanding)
        indemnity = min(claim.indemnity, rest)
        step |= {
            "deadline": deadline.isoformat(),
            "principal": str(claim.principal_outstanding),
            "interest": str(rest - indemnity),
            "indemnity": str(indemnity),
        }
    return step


def _last_sending(receivable: Receivable) -> date | None:
    days = [r.sent_on for r in receivable.reminders] + [n.sent_on for n in receivable.notices]
    return max(days) if days else None


def _next_reminder_stage(receivable: Receivable) -> ReminderStage:
    stages = {r.stage for r in receivable.reminders}
    reminded = ReminderStage.FIRST in stages or ReminderStage.SECOND in stages
    return ReminderStage.SECOND if reminded else ReminderStage.FIRST


def _rule_for(policy: Policy, stage: ReminderStage) -> str | None:
    return next((s.rule for s in policy.stages if s.reminder_stage is stage), None)


def _weekly_cap(decisions: dict[UUID, tuple[Receivable, Policy, Decision]]) -> int:
    return min(policy.guardrails.max_contacts_per_week for _, policy, _ in decisions.values())


def decided_items(receivable: Receivable, debtor: Debtor, on: date, policies: list[Policy]) -> list[WorkItem]:
    """What a person has to do on ``on`` for this open receivable, as its policy decides."""
    policy = choose_policy(policies, receivable=receivable, debtor=debtor)
    items = _work_items(decide(receivable, debtor, policy, on), receivable, debtor, policy, on)
    if debtor.address_returned_on is not None:
        items.append(_address_returned(receivable, debtor, on))
    return items


def _work_items(decision: Decision, receivable: Receivable, debtor: Debtor, policy: Policy, on: date) -> list[WorkItem]:
    """What a person must do: escalations, and calls on the policy's working days only (a call due on a
    Saturday waits for Monday while its window is open)."""
    working_day = on.weekday() in policy.guardrails.working_days
    return [
        _work_item(action, receivable, debtor)
        for action in decision.actions
        if action.action is Action.ESCALATE or (action.action is Action.CALL and working_day)
    ]


def _address_returned(receivable: Receivable, debtor: Debtor, on: date) -> WorkItem:
    """A letter came back: no letter goes to this debtor until a person corrects the address."""
    assert debtor.address_returned_on is not None
    return WorkItem(
        receivable_id=str(receivable.id), debtor_id=str(debtor.id), invoice_number=receivable.invoice_number,
        action="correct_address", rule="address_returned",
        label=f"courrier revenu le {debtor.address_returned_on:%d/%m/%Y} : corriger l'adresse du débiteur",
        due_on=debtor.address_returned_on, priority="high", amount=receivable.outstanding,
        days_past_due=receivable.days_past_due(on), contact=None, debtor_name=debtor.legal_name,
        currency=receivable.currency,
    )  # fmt: skip


def _work_item(action: DueAction, receivable: Receivable, debtor: Debtor) -> WorkItem:
    contact = debtor.preferred_contact()
    return WorkItem(
        receivable_id=str(receivable.id), debtor_id=str(debtor.id), invoice_number=receivable.invoice_number,
        action=action.action.value, rule=action.rule, label=action.label, due_on=action.due_on,
        priority=action.priority.value, amount=action.amount, days_past_due=action.days_past_due,
        contact=None if contact is None else {
            "contact_id": str(contact.contact_id), "role": contact.role.value, "name": contact.name,
            "email": contact.email, "phone": contact.phone,
        },
        debtor_name=debtor.legal_name, currency=receivable.currency,
    )  # fmt: skip
