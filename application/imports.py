"""Imports: open invoices (CSV, Factur-X) and bank statements (CSV, CAMT.053) into the Ledger.

A file is parsed and validated whole before anything is recorded (the parsers raise
``ImportFileError`` naming the line or element at fault). Then each line goes through the
Ledger's commands and gets one line of the report: created, matched, skipped (already
there: invoice numbers and bank references are the keys), unmatched (kept for a person to
allocate) or refused (a rule of the domain, with its reason).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from application.commands import AttachDocument, IssueInvoice, RecordPayment, RegisterDebtor
from application.ledger import Ledger
from domain.debtor import Address, Debtor
from domain.errors import AlreadyExists, DomainError, InvalidInput, NotFound, RuleViolation
from domain.payment_matching import Allocation, BankCredit, Candidate, CandidatePool, Matched, Unmatched
from domain.receivable import Receivable, receivable_id_for
from domain.values import Money, amount
from domain.vocabulary import DebtorKind, DocumentKind, PaymentMethod

DEBTOR_NAMESPACE = uuid5(NAMESPACE_URL, "https://relance.invalid/debtor-by-siren")


class ImportFileError(InvalidInput):
    """The file is refused whole: ``location`` is the line (CSV) or the element path (XML) at fault."""

    def __init__(self, location: str, message: str, *, rule: str = "import_file") -> None:
        super().__init__(f"{location}: {message}", rule=rule)
        self.location = location


# --------------------------------------------------------------- parsed files


@dataclass(frozen=True)
class DebtorFields:
    legal_name: str
    kind: DebtorKind = DebtorKind.PROFESSIONAL
    siren: str | None = None
    siret: str | None = None
    address: Address | None = None  # needed only to create a debtor not known yet
    sole_trader: bool = False  # a professional who is a natural person (entrepreneur individuel)


@dataclass(frozen=True)
class InvoiceRow:
    location: str  # "line 4", or the file name of a Factur-X PDF
    invoice_number: str
    issue_date: date
    due_date: date
    amount_excl_vat: Decimal
    vat: Decimal
    amount_incl_vat: Decimal
    debtor: DebtorFields
    label: str
    currency: str = "EUR"
    payment_terms: str | None = None
    order_reference: str | None = None
    document: bytes | None = field(default=None, repr=False)  # the Factur-X PDF, stored as the invoice
    prepaid: Decimal = Decimal("0.00")  # paid before the invoice (Factur-X TotalPrepaidAmount): never claimed


@dataclass(frozen=True)
class InvoiceFile:
    format: str  # "csv" | "facturx"
    sha256: str
    rows: tuple[InvoiceRow, ...]


@dataclass(frozen=True)
class StatementLine:
    location: str  # "line 7" or "Stmt[1]/Ntry[3]/NtryDtls/TxDtls[2]"
    reference: str
    amount: Decimal
    currency: str
    booked_on: date
    value_date: date | None = None
    remittance: str = ""
    payer: str | None = None
    skip: str | None = None  # why the line is no credit to match: "debit", "not booked", "reversal"

    def credit(self) -> BankCredit:
        return BankCredit(self.reference, self.amount, self.currency, self.booked_on, self.remittance, self.payer)


MAX_KEY_LENGTH = 140  # a payment's bank reference on the receivable


def with_line_keys(lines: Sequence[StatementLine]) -> tuple[StatementLine, ...]:
    """Each credit's key unique within its file (decision 0051): its bank reference when no other
    credit of the file carries it; else the first keeps the bare reference (the key earlier
    versions recorded) and each following one gets ``REF#n:amount:date``, n its rank among them.
    Deterministic: the same file gives the same keys, so a second import records nothing."""
    counts = Counter(line.reference for line in lines if line.skip is None)
    seen: Counter[str] = Counter()
    keyed = []
    for line in lines:
        if line.skip is None and counts[line.reference] > 1:
            seen[line.reference] += 1
            rank = seen[line.reference]
            if rank > 1:
                suffix = f"#{rank}:{line.amount}:{line.booked_on.isoformat()}"
                line = replace(line, reference=line.reference[: MAX_KEY_LENGTH - len(suffix)] + suffix)
        keyed.append(line)
    return tuple(keyed)


@dataclass(frozen=True)
class Statement:
    format: str  # "csv" | "camt053"
    sha256: str
    statement_date: date | None  # what the bank's data is as of: freshness for the dunning run
    lines: tuple[StatementLine, ...]


# --------------------------------------------------------------------- report


class LineOutcome(Enum):
    CREATED = "created"
    MATCHED = "matched"
    SKIPPED = "skipped"
    UNMATCHED = "unmatched"
    REFUSED = "refused"


@dataclass(frozen=True)
class ReportLine:
    location: str
    key: str  # the invoice number or the bank reference
    outcome: LineOutcome
    reason: str | None = None  # stable code
    detail: str = ""
    allocations: tuple[Allocation, ...] = ()
    line_id: str | None = None  # an unmatched line, to allocate


@dataclass(frozen=True)
class ImportReport:
    kind: str  # "invoices" | "payments"
    format: str
    sha256: str
    lines: tuple[ReportLine, ...]

    def counts(self) -> dict[str, int]:
        return {o.value: sum(1 for line in self.lines if line.outcome is o) for o in LineOutcome}


# ---------------------------------------------------------------------- ports


@dataclass(frozen=True)
class BankLineRecord:
    line_id: str
    reference: str
    amount: Decimal
    currency: str
    booked_on: date
    value_date: date | None
    remittance: str
    payer: str | None
    status: str  # "matched" | "unmatched" | "allocating" | "allocated"
    reason: str | None
    detail: str
    source_sha256: str
    imported_at: str
    imported_by: str
    allocations: tuple[Allocation, ...] = ()
    allocated_at: str | None = None
    allocated_by: str | None = None


class BankLines(Protocol):
    """Imported bank lines and statements, beside the journal (infrastructure/import_store.py)."""

    def knows(self, reference: str) -> bool: ...

    def add(
        self, line: StatementLine, *, status: str, reason: str | None, detail: str, allocations: Sequence[Allocation],
        source_sha256: str, actor: str,
    ) -> str: ...  # fmt: skip

    def add_statement(self, sha256: str, *, format: str, statement_date: date | None, actor: str) -> None: ...

    def get(self, line_id: str) -> BankLineRecord: ...

    def claim(self, line_id: str) -> bool: ...

    def release(self, line_id: str) -> None: ...

    def allocated(self, line_id: str, allocations: Sequence[Allocation], *, actor: str) -> None: ...


class HasSha256(Protocol):
    @property
    def sha256(self) -> str: ...


class Documents(Protocol):
    def put(self, content: bytes, media_type: str, *, actor: str) -> tuple[HasSha256, bool]: ...


@dataclass(frozen=True)
class AllocationPart:
    amount: Decimal
    receivable_id: UUID | None = None
    invoice_number: str | None = None


# -------------------------------------------------------------------- service


class Imports:
    def __init__(self, ledger: Ledger, bank_lines: BankLines, documents: Documents) -> None:
        self.ledger = ledger
        self.bank_lines = bank_lines
        self.documents = documents

    # ------------------------------------------------------------- invoices

    def import_invoices(self, batch: InvoiceFile, *, actor: str) -> ImportReport:
        debtors = DebtorIndex(self.ledger.debtor(i) for i in self.ledger.debtor_ids())
        lines = [self._import_invoice(row, debtors, actor) for row in batch.rows]
        return ImportReport("invoices", batch.format, batch.sha256, tuple(lines))

    def _import_invoice(self, row: InvoiceRow, debtors: DebtorIndex, actor: str) -> ReportLine:
        def line(outcome: LineOutcome, reason: str | None = None, detail: str = "") -> ReportLine:
            return ReportLine(row.location, row.invoice_number, outcome, reason, detail)

        try:
            existing = self.ledger.receivable_by_number(row.invoice_number)
        except NotFound:
            existing = None
        if existing is not None:
            attached = self._attach_missing_document(existing, row, actor)
            prepaid = self._record_prepaid(existing.id, row, actor)
            detail = ("; its PDF attached now" if attached else "") + (
                "; its prepaid amount recorded now" if prepaid else ""
            )
            return line(LineOutcome.SKIPPED, "invoice_number_exists", f"{row.invoice_number} is already issued{detail}")
        try:
            debtor_id = debtors.find(row.debtor)
            self._check_issuable(row, debtor_id, actor)
            if debtor_id is None:
                debtor_id = self._register_debtor(row.debtor, actor)
                debtors.add(debtor_id, row.debtor)
            document = self._store_document(row, actor)
            command = issue_command(row, debtor_id)
            outcome = self.ledger.execute(command, actor=actor)
            if document is not None:
                self.ledger.execute(invoice_document(outcome.aggregate_id, document), actor=actor)
            self._record_prepaid(outcome.aggregate_id, row, actor)
        except AlreadyExists as error:  # issued meanwhile by another writer
            return line(LineOutcome.SKIPPED, error.rule, error.message)
        except DomainError as error:
            return line(LineOutcome.REFUSED, error.rule, error.message)
        deposit = f"; {row.prepaid} {row.currency} prepaid recorded as a prepayment" if row.prepaid else ""
        return line(LineOutcome.CREATED, None, f"receivable {receivable_id_for(row.invoice_number)}{deposit}")

    def _record_prepaid(self, receivable_id: UUID, row: InvoiceRow, actor: str) -> bool:
        """The deposit the invoice says was paid before it: a payment of its own nature, so that
        the invoice keeps its total and the outstanding is what the invoice says is due."""
        if not row.prepaid:
            return False
        outcome = self.ledger.execute(prepaid_command(receivable_id, row), actor=actor)
        return bool(outcome.recorded)

    def _check_issuable(self, row: InvoiceRow, debtor_id: UUID | None, actor: str) -> None:
        """The domain's own checks, run on aggregates that are never saved: a refused line must not
        leave a debtor behind."""
        now = self.ledger.now()
        if debtor_id is None:
            if row.debtor.address is None:
                raise InvalidInput(
                    f"debtor {row.debtor.siren or row.debtor.legal_name!r} is not known: its address is needed to "
                    "register it",
                    rule="debtor_address_required",
                )
            Debtor.register(
                debtor_id=uuid4(), legal_name=row.debtor.legal_name, kind=row.debtor.kind, address=row.debtor.address,
                siren_number=row.debtor.siren, siret_number=row.debtor.siret, now=now, actor=actor,
            )  # fmt: skip
        else:
            debtor = self.ledger.debtor(debtor_id)
            if debtor.erased:
                raise RuleViolation("the debtor's personal data was erased", rule="debtor_not_erased")
        command = issue_command(row, debtor_id or uuid4())
        receivable = Receivable.issue(
            invoice_number=command.invoice_number, debtor_id=command.debtor_id, debtor_kind=row.debtor.kind,
            issue_date=command.issue_date, due_date=command.due_date,
            amount_excl_vat=Money(command.amount_excl_vat, command.currency), vat=Money(command.vat, command.currency),
            amount_incl_vat=Money(command.amount_incl_vat, command.currency), label=command.label,
            order_reference=command.order_reference, payment_terms=command.payment_terms, now=now, actor=actor,
        )  # fmt: skip
        if row.prepaid:
            prepaid_command(receivable.id, row).run(receivable, now, actor)

    def _register_debtor(self, fields: DebtorFields, actor: str) -> UUID:
        assert fields.address is not None
        identifier = fields.siren or (fields.siret[:9] if fields.siret else None)
        # Derived from the SIREN: two imports racing to create the same firm create it once.
        debtor_id = uuid5(DEBTOR_NAMESPACE, identifier) if identifier else uuid4()
        command = RegisterDebtor(debtor_id, fields.legal_name, fields.kind, fields.address, fields.siren, fields.siret,
                                 fields.sole_trader)  # fmt: skip
        with suppress(AlreadyExists):  # created meanwhile: it is the one
            self.ledger.execute(command, actor=actor)
        return debtor_id

    def _store_document(self, row: InvoiceRow, actor: str) -> str | None:
        if row.document is None:
            return None
        stored, _ = self.documents.put(row.document, "application/pdf", actor=actor)
        return stored.sha256

    def _attach_missing_document(self, receivable: Receivable, row: InvoiceRow, actor: str) -> bool:
        """A first import stopped between the invoice and its PDF: the second one completes it."""
        sha = self._store_document(row, actor) if row.document is not None else None
        if sha is None or any(d.document_sha256 == sha for d in receivable.documents):
            return False
        self.ledger.execute(invoice_document(receivable.id, sha), actor=actor)
        return True

    # ------------------------------------------------------------- payments

    def import_payments(self, statement: Statement, *, actor: str) -> ImportReport:
        matching = Matching(self.ledger)
        lines = []
        for line in statement.lines:
            report = self._import_line(line, statement.sha256, matching, actor)
            for allocation in report.allocations:  # later lines of the file see what this one paid
                matching.pool().put(candidate_of(self.ledger.receivable(allocation.receivable_id)))
            lines.append(report)
        self.bank_lines.add_statement(
            statement.sha256, format=statement.format, statement_date=statement.statement_date, actor=actor
        )
        return ImportReport("payments", statement.format, statement.sha256, tuple(lines))

    def _import_line(self, line: StatementLine, source: str, matching: Matching, actor: str) -> ReportLine:
        if line.skip is not None:
            return ReportLine(line.location, line.reference, LineOutcome.SKIPPED, "not_a_credit", line.skip)
        if self.bank_lines.knows(line.reference):
            return ReportLine(
                line.location, line.reference, LineOutcome.SKIPPED, "bank_reference_known", "imported before"
            )
        decision = matching.pool().match(line.credit(), payer_debtor_ids=matching.payers().find(line.payer))
        if isinstance(decision, Matched):
            try:
                recorded = self._pay(line, decision.allocations, actor)
            except DomainError as error:
                decision = Unmatched("refused_by_ledger", f"{error.message} [{error.rule}]")
            else:
                self.bank_lines.add(
                    line, status="matched", reason=decision.rule.value, detail="", allocations=decision.allocations,
                    source_sha256=source, actor=actor,
                )  # fmt: skip
                detail = f"by {decision.rule.value}" + ("" if recorded else "; already recorded on the receivable")
                return ReportLine(
                    line.location, line.reference, LineOutcome.MATCHED, decision.rule.value, detail,
                    decision.allocations,
                )  # fmt: skip
        line_id = self.bank_lines.add(
            line, status="unmatched", reason=decision.reason, detail=decision.detail, allocations=(),
            source_sha256=source, actor=actor,
        )  # fmt: skip
        return ReportLine(
            line.location, line.reference, LineOutcome.UNMATCHED, decision.reason, decision.detail, line_id=line_id
        )

    def _pay(self, line: StatementLine, allocations: Sequence[Allocation], actor: str) -> bool:
        """Record every allocation, having first checked each one on a copy nobody saves."""
        commands = payment_commands(line.reference, line.value_date or line.booked_on, line.currency, allocations)
        now = self.ledger.now()
        for command in commands:
            command.run(self.ledger.receivable(command.receivable_id), now, actor)
        outcomes = [self.ledger.execute(command, actor=actor) for command in commands]
        return any(o.recorded for o in outcomes)

    # ----------------------------------------------------------- allocation

    def allocate(self, line_id: str, parts: Sequence[AllocationPart], *, actor: str) -> BankLineRecord:
        """A person says what an unmatched line pays; the parts add up to the line exactly."""
        record = self.bank_lines.get(line_id)
        if record.status != "unmatched":
            raise RuleViolation(f"bank line {line_id} is {record.status}, not unmatched", rule="line_unmatched")
        allocations = self._allocations(record, parts)
        if not self.bank_lines.claim(line_id):
            raise RuleViolation(f"bank line {line_id} is being allocated by someone else", rule="line_unmatched")
        try:
            line = StatementLine(
                "allocation", record.reference, record.amount, record.currency, record.booked_on, record.value_date
            )
            self._pay(line, allocations, actor)
        except BaseException:
            self.bank_lines.release(line_id)
            raise
        self.bank_lines.allocated(line_id, allocations, actor=actor)
        return self.bank_lines.get(line_id)

    def _allocations(self, record: BankLineRecord, parts: Sequence[AllocationPart]) -> tuple[Allocation, ...]:
        if not parts:
            raise InvalidInput("allocations: at least one", rule="allocation_parts")
        allocations = []
        for index, part in enumerate(parts):
            if (part.receivable_id is None) == (part.invoice_number is None):
                raise InvalidInput(
                    f"allocations[{index}]: give receivable_id or invoice_number, one of them", rule="allocation_target"
                )
            receivable_id = part.receivable_id or receivable_id_for(part.invoice_number or "")
            receivable = self.ledger.receivable(receivable_id)
            if receivable.currency != record.currency:
                raise InvalidInput(
                    f"allocations[{index}]: {receivable.invoice_number} is in {receivable.currency}, the line in "
                    f"{record.currency}",
                    rule="currency_mismatch",
                )
            value = amount(part.amount, f"allocations[{index}].amount")
            allocations.append(Allocation(receivable.id, receivable.invoice_number, value))
        if len({a.receivable_id for a in allocations}) != len(allocations):
            raise InvalidInput("allocations: one part per receivable", rule="allocation_parts")
        total = sum((a.amount for a in allocations), Decimal("0"))
        if total > record.amount:
            raise RuleViolation(f"allocations: {total} exceeds the line's {record.amount}", rule="allocation_exceeds")
        if total < record.amount:
            raise RuleViolation(
                f"allocations: {total} leaves {record.amount - total} of the line unallocated; give the surplus to "
                "one receivable (kept as a credit to refund)",
                rule="allocation_short",
            )
        return tuple(allocations)


# -------------------------------------------------------------------- helpers


def issue_command(row: InvoiceRow, debtor_id: UUID) -> IssueInvoice:
    return IssueInvoice(
        invoice_number=row.invoice_number, debtor_id=debtor_id, issue_date=row.issue_date, due_date=row.due_date,
        amount_excl_vat=row.amount_excl_vat, vat=row.vat, amount_incl_vat=row.amount_incl_vat, label=row.label,
        currency=row.currency, order_reference=row.order_reference, payment_terms=row.payment_terms,
    )  # fmt: skip


def prepaid_command(receivable_id: UUID, row: InvoiceRow) -> RecordPayment:
    """The prepaid amount stated on the invoice, dated the invoice's issue: a prepayment."""
    return RecordPayment(
        receivable_id=receivable_id, amount=row.prepaid, value_date=row.issue_date, method=PaymentMethod.PREPAYMENT,
        bank_reference=f"ACOMPTE {row.invoice_number}"[:140], currency=row.currency,
    )  # fmt: skip


def invoice_document(receivable_id: UUID, sha256: str) -> AttachDocument:
    return AttachDocument(receivable_id, DocumentKind.INVOICE, sha256, "application/pdf", "Factur-X invoice (import)")


def payment_commands(
    reference: str, value_date: date, currency: str, allocations: Sequence[Allocation]
) -> list[RecordPayment]:
    """One payment per receivable; a line split over several gets "/1", "/2"… (a bank reference is
    unique per receivable, and the suffixes keep the receivables' journals pointing at the line)."""
    split = len(allocations) > 1
    return [
        RecordPayment(
            receivable_id=a.receivable_id,
            amount=a.amount,
            value_date=value_date,
            method=PaymentMethod.TRANSFER,
            bank_reference=f"{reference}/{index}" if split else reference,
            currency=currency,
        )
        for index, a in enumerate(allocations, start=1)
    ]


def candidate_of(receivable: Receivable) -> Candidate:
    return Candidate(
        receivable.id, receivable.invoice_number, receivable.debtor_id, receivable.outstanding, receivable.currency,
        is_open=not receivable.is_closed,
    )  # fmt: skip


def normalised_name(name: str) -> str:
    return " ".join(name.casefold().replace(".", " ").replace(",", " ").split())


class DebtorIndex:
    """Debtors of the ledger by SIREN (professionals) or by name and postal code (consumers)."""

    def __init__(self, debtors: Iterable[Debtor]) -> None:
        self._keys: dict[str, UUID] = {}
        for debtor in debtors:
            if not debtor.erased:
                for key in self._debtor_keys(debtor):
                    self._keys.setdefault(key, debtor.id)

    @staticmethod
    def _debtor_keys(debtor: Debtor) -> list[str]:
        if debtor.siren:
            return [f"siren:{debtor.siren}"]
        postal = debtor.address.postal_code if debtor.address else ""
        return [f"name:{normalised_name(debtor.legal_name)}|{postal}"]

    @staticmethod
    def _keys_of(fields: DebtorFields) -> str:
        siren = fields.siren or (fields.siret[:9] if fields.siret else None)
        if siren:
            return f"siren:{siren}"
        postal = fields.address.postal_code if fields.address else ""
        return f"name:{normalised_name(fields.legal_name)}|{postal}"

    def find(self, fields: DebtorFields) -> UUID | None:
        return self._keys.get(self._keys_of(fields))

    def add(self, debtor_id: UUID, fields: DebtorFields) -> None:
        self._keys[self._keys_of(fields)] = debtor_id


class Matching:
    """The open items and the payers a statement's credits are matched against, read from the
    ledger on the first credit that needs them: a statement imported again, every line known,
    replays nothing."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._pool: CandidatePool | None = None
        self._payers: PayerIndex | None = None

    def pool(self) -> CandidatePool:
        if self._pool is None:
            self._pool = CandidatePool(candidate_of(r) for r in self._ledger.receivables())
        return self._pool

    def payers(self) -> PayerIndex:
        if self._payers is None:
            self._payers = PayerIndex(self._ledger.debtor(i) for i in self._ledger.debtor_ids())
        return self._payers


class PayerIndex:
    """Who a bank line's payer is: a debtor whose legal name is the payer's name (case, dots and
    spaces aside). Names only: the ledger keeps no IBANs."""

    def __init__(self, debtors: Iterable[Debtor]) -> None:
        self._by_name: dict[str, set[UUID]] = {}
        for debtor in debtors:
            if not debtor.erased:
                self._by_name.setdefault(normalised_name(debtor.legal_name), set()).add(debtor.id)

    def find(self, payer: str | None) -> frozenset[UUID]:
        return frozenset(self._by_name.get(normalised_name(payer), set())) if payer else frozenset()


def report_view(report: ImportReport) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "format": report.format,
        "sha256": report.sha256,
        "counts": report.counts(),
        "lines": [line_view(line) for line in report.lines],
    }


def line_view(line: ReportLine) -> dict[str, Any]:
    return {
        "location": line.location,
        "key": line.key,
        "outcome": line.outcome.value,
        "reason": line.reason,
        "detail": line.detail,
        "allocations": [allocation_view(a) for a in line.allocations],
        "line_id": line.line_id,
    }


def allocation_view(allocation: Allocation) -> dict[str, Any]:
    return {
        "receivable_id": str(allocation.receivable_id),
        "invoice_number": allocation.invoice_number,
        "amount": str(allocation.amount),
    }


def bank_line_view(record: BankLineRecord) -> dict[str, Any]:
    view = {
        key: value
        for key, value in vars(record).items()
        if key not in {"allocations", "amount", "booked_on", "value_date"}
    }
    return {
        **view,
        "amount": str(record.amount),
        "booked_on": record.booked_on.isoformat(),
        "value_date": None if record.value_date is None else record.value_date.isoformat(),
        "allocations": [allocation_view(a) for a in record.allocations],
    }
