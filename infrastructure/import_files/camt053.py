"""ISO 20022 CAMT.053 bank-to-customer statements, camt.053.001.02 to .08, whatever the namespace.

Each booked credit becomes one line: an entry, or each of its transaction details when the
bank batched several transfers in one entry. Debits, pending entries and reversals are
reported and not matched. The line's reference is the bank's: the account servicer's
reference (AcctSvcrRef), else the end-to-end id, the transaction id, the entry reference
(NtryRef), a proprietary reference or the clearing system's; a credit with none at all is
named by its statement and its place in it. ``application.imports.with_line_keys`` then makes
the key of each line unique within the file (decision 0051). A statement may travel inside a
business application header envelope (AppHdr + Document): the Document is read.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal

from lxml import etree  # type: ignore[import-untyped]

from application.imports import ImportFileError, Statement, StatementLine, with_line_keys
from domain.errors import InvalidInput
from domain.values import amount
from infrastructure.import_files.xml_tree import Element, parse

NAMESPACE = re.compile(r"^\{urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.0([2-8])\}Document$")
NOT_PROVIDED = "NOTPROVIDED"


def read_camt053(content: bytes, filename: str = "statement.xml") -> Statement:
    root = _document(parse(content, filename))
    document = Element(root, "Document")
    statements = document.children("BkToCstmrStmt/Stmt")
    if not statements:
        raise document.error("BkToCstmrStmt/Stmt", "no statement in the file")
    lines: list[StatementLine] = []
    dates: list[date] = []
    for number, statement in enumerate(statements, start=1):
        name = statement.optional("Id") or statement.optional("ElctrncSeqNb") or f"Stmt{number}"
        statement_lines = [
            line
            for place, entry in enumerate(statement.children("Ntry"), start=1)
            for line in _entry_lines(entry, f"{name}:Ntry{place}")
        ]
        lines.extend(statement_lines)
        day = _statement_date(statement, statement_lines)
        if day is not None:
            dates.append(day)
    keyed = with_line_keys(lines)
    return Statement("camt053", hashlib.sha256(content).hexdigest(), max(dates, default=None), keyed)


def _document(root: etree._Element) -> etree._Element:
    """The statement's Document: the root, or inside an envelope with a business application header."""
    if NAMESPACE.match(str(root.tag)):
        return root
    inside = next((node for node in root.iter() if NAMESPACE.match(str(node.tag))), None)
    if inside is not None:
        return inside
    raise ImportFileError(
        str(root.tag), "not a CAMT.053 statement (camt.053.001.02 to .08 are read)", rule="import_camt_version"
    )


def _statement_date(statement: Element, lines: list[StatementLine]) -> date | None:
    for path in ("FrToDt/ToDtTm", "CreDtTm"):
        if statement.optional(path):
            return _day(statement, path)
    return max((line.booked_on for line in lines), default=None)


def _entry_lines(entry: Element, place: str) -> list[StatementLine]:
    direction = entry.text("CdtDbtInd")
    if direction not in ("CRDT", "DBIT"):
        raise entry.error("CdtDbtInd", f"{direction!r}: CRDT or DBIT")
    status = entry.optional("Sts/Cd") or entry.optional("Sts") or ""
    booked_on = _day(entry, "BookgDt/Dt") if entry.optional("BookgDt/Dt") else _day(entry, "BookgDt/DtTm")
    value_date = _optional_day(entry, "ValDt")
    skip = None
    if direction == "DBIT":
        skip = "debit"
    elif status != "BOOK":
        skip = f"status {status or 'missing'}, not booked"
    elif (entry.optional("RvslInd") or "").lower() == "true":
        skip = "reversal of an earlier entry"
    details = entry.children("NtryDtls/TxDtls")
    entry_amount = _amount(entry, "Amt")
    if len(details) <= 1:
        detail = details[0] if details else None
        reference = _reference(entry, detail, prefer_entry=True) or place
        return [_line(entry, detail, reference, entry_amount, booked_on, value_date, skip)]
    lines = []
    for number, detail in enumerate(details, start=1):
        amount_path = "AmtDtls/TxAmt/Amt" if detail.optional("AmtDtls/TxAmt/Amt") else "Amt"
        reference = _reference(entry, detail, prefer_entry=False) or f"{place}.{number}"
        lines.append(_line(entry, detail, reference, _amount(detail, amount_path), booked_on, value_date, skip))
    return lines


def _line(
    entry: Element, detail: Element | None, reference: str, value: tuple[Decimal, str], booked_on: date,
    value_date: date | None, skip: str | None,
) -> StatementLine:  # fmt: skip
    source = detail or entry
    if skip is None and value[0] == 0:
        skip = "zero amount"
    payer = source.optional("RltdPties/Dbtr/Pty/Nm") or source.optional("RltdPties/Dbtr/Nm")
    remittance = [*_texts(source, "RmtInf/Ustrd"), *_texts(source, "RmtInf/Strd/CdtrRefInf/Ref"),
                  *_texts(source, "RmtInf/Strd/RfrdDocInf/Nb"), *_texts(entry, "AddtlNtryInf")]  # fmt: skip
    return StatementLine(
        location=source.path, reference=reference, amount=value[0], currency=value[1], booked_on=booked_on,
        value_date=value_date, remittance=" | ".join(remittance), payer=payer, skip=skip,
    )  # fmt: skip


def _reference(entry: Element, detail: Element | None, *, prefer_entry: bool) -> str:
    """The bank's reference of a line; empty when it has none (the caller names it by its place).

    The order is the one of earlier versions (AcctSvcrRef, EndToEndId, TxId) so that statements
    imported before keep their keys; the references banks use when those are missing follow."""
    found = [entry.optional("AcctSvcrRef")] if prefer_entry else []
    if detail is not None:
        found += [detail.optional(f"Refs/{name}") for name in ("AcctSvcrRef", "EndToEndId", "TxId")]
    if not prefer_entry:
        found.append(entry.optional("AcctSvcrRef"))
    found.append(entry.optional("NtryRef"))
    if detail is not None:
        found += [detail.optional("Refs/Prtry/Ref"), detail.optional("Refs/ClrSysRef")]
    for value in found:
        if value and value.upper() != NOT_PROVIDED:
            return value
    return ""


def _texts(element: Element, path: str) -> list[str]:
    return [" ".join((node.text or "").split()) for node in element.all(path) if (node.text or "").strip()]


def _amount(element: Element, path: str) -> tuple[Decimal, str]:
    node = element.first(path)
    if node is None:
        raise element.error(path, "missing")
    try:
        value = amount((node.text or "").strip(), path, allow_zero=True)
    except InvalidInput as error:
        raise element.error(path, error.message) from error
    currency = node.get("Ccy") or ""
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise element.error(f"{path}/@Ccy", f"{currency!r} is not a currency code")
    return value, currency


def _optional_day(element: Element, path: str) -> date | None:
    for leaf in ("Dt", "DtTm"):
        if element.optional(f"{path}/{leaf}"):
            return _day(element, f"{path}/{leaf}")
    return None


def _day(element: Element, path: str) -> date:
    raw = element.text(path)
    try:
        return date.fromisoformat(raw[:10])
    except ValueError as error:
        raise element.error(path, f"{raw!r} is not an ISO date") from error
