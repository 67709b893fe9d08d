"""The day's deposit list (liste de dépôt): the letters in the order they are posted, the tracking
numbers a person writes in at the counter, and the filled list read back to record each posting.

The list goes out as a CSV in French Excel form (``;``, UTF-8 with BOM) beside the print batch; the
person fills ``date_depot`` and, for a recommandé, ``numero_suivi`` (the number on the label), then
imports it: every line is checked before any is recorded (application/letters.py ``post_many``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from domain.errors import InvalidInput

REGISTERED = "registered_letter"
ELECTRONIC = "electronic_registered_letter"
PRINTED_CHANNELS = ("registered_letter", "letter")  # an LRE is submitted to its provider, never printed

KIND_LABELS = {  # the documents' names in French, wherever they are shown (deposit list, console)
    "courtesy": "Rappel de courtoisie",
    "first_reminder": "Première relance",
    "second_reminder": "Deuxième relance",
    "formal_notice": "Mise en demeure",
}
CHANNEL_LABELS = {
    "registered_letter": "Recommandé avec AR",
    "letter": "Lettre simple",
    "electronic_registered_letter": "LRE",
}
COLUMNS = (
    "ordre", "cle", "destinataire", "adresse", "code_postal", "commune", "pays", "nature", "envoi", "factures",
    "pages", "date_depot", "numero_suivi",
)  # fmt: skip
REQUIRED_COLUMNS = ("cle", "date_depot", "numero_suivi")

# UPU S10 (international and La Poste's « RR 123 456 785 FR »): two letters, eight digits, a check digit
# computed with these weights, the country. La Poste's domestic labels (« 1A 234 567 8901 2 »): a digit,
# a letter, eleven digits; their key is not published, so only their shape is checked.
S10 = re.compile(r"[A-Z]{2}([0-9]{8})([0-9])[A-Z]{2}")
DOMESTIC = re.compile(r"[0-9][A-Z][0-9]{11}")
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


@dataclass(frozen=True)
class LetterToPost:
    key: str
    run_date: date
    debtor_id: str
    debtor_name: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str
    country: str
    kind: str
    channel: str
    invoice_numbers: tuple[str, ...]
    document_sha256: str
    pages: int | None = None  # printed pages, the enclosed invoice copies included (known once printed)
    receivable_ids: tuple[str, ...] = ()
    enclosures: int = 0  # invoice copies put in the envelope after the letter

    @property
    def registered(self) -> bool:
        return self.channel == REGISTERED


@dataclass(frozen=True)
class PostedLine:
    """One line of a filled deposit list: the letter, the day it was posted, its tracking number."""

    key: str
    posted_on: date
    tracking_number: str | None
    line: int  # in the file, header included, for the error messages


def posting_order(letters: Sequence[LetterToPost]) -> list[LetterToPost]:
    """Registered letters first (they go over the counter with the list), then by postal code and name,
    so that the printed pile, the list and the labels follow one order."""
    return sorted(letters, key=lambda x: (not x.registered, x.postal_code, x.debtor_name, x.key))


def s10_check_digit(serial: str) -> int:
    """UPU S10 check digit of the eight-digit serial number."""
    remainder = 11 - sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(remainder, remainder)


def check_tracking_number(text: str) -> str:
    """The tracking number as printed on the label, spaces and dashes removed; refused when it cannot be one."""
    cleaned = re.sub(r"[\s-]", "", text).upper()
    s10 = S10.fullmatch(cleaned)
    if s10 is not None:
        if s10_check_digit(s10.group(1)) != int(s10.group(2)):
            raise InvalidInput(
                f"tracking_number: {text!r} fails its check digit (UPU S10): mistyped?", rule="tracking_number_check"
            )
        return cleaned
    if DOMESTIC.fullmatch(cleaned):
        return cleaned
    raise InvalidInput(
        f"tracking_number: {text!r} is not a La Poste number (« 1A 234 567 8901 2 » or « RR 123 456 785 FR »)",
        rule="tracking_number_format",
    )


# ------------------------------------------------------------------ the list


def deposit_rows(letters: Sequence[LetterToPost]) -> list[dict[str, str]]:
    """The deposit list's lines, in posting order, with the two columns to fill left empty."""
    rows = []
    for number, letter in enumerate(posting_order(letters), start=1):
        rows.append(
            {
                "ordre": str(number), "cle": letter.key, "destinataire": letter.debtor_name,
                "adresse": " ".join(letter.address_lines), "code_postal": letter.postal_code,
                "commune": letter.city, "pays": letter.country, "nature": KIND_LABELS.get(letter.kind, letter.kind),
                "envoi": CHANNEL_LABELS.get(letter.channel, letter.channel),
                "factures": ", ".join(letter.invoice_numbers) + (" (copie jointe)" if letter.enclosures else ""),
                "pages": "" if letter.pages is None else str(letter.pages), "date_depot": "", "numero_suivi": "",
            }
        )  # fmt: skip
    return rows


def deposit_csv(letters: Sequence[LetterToPost]) -> bytes:
    """The deposit list as French Excel opens it: ``;``, CRLF, UTF-8 with a BOM."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(deposit_rows(letters))
    return out.getvalue().encode("utf-8-sig")


def read_posted_csv(content: bytes) -> list[PostedLine]:
    """The filled deposit list: the lines with a ``date_depot`` (the others were not posted), every
    problem of the file reported at once with its line number."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")  # saved by Excel as « CSV (séparateur : point-virgule) »
        except UnicodeDecodeError:
            raise InvalidInput("deposit list: not a text file", rule="deposit_list") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InvalidInput("deposit list: the file is empty", rule="deposit_list")
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise InvalidInput(
            f"deposit list: column(s) {', '.join(missing)} missing (expected the list relance wrote, filled in)",
            rule="deposit_list",
        )
    posted: list[PostedLine] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        key, day_text, tracking = row.get("cle", ""), row.get("date_depot", ""), row.get("numero_suivi", "")
        if not key and not day_text:
            continue  # a blank line
        if not day_text:
            if tracking:
                problems.append(f"line {number}: a tracking number without date_depot")
            continue  # not posted (yet): stays on the list
        if not key:
            problems.append(f"line {number}: no cle")
            continue
        if key in seen:
            problems.append(f"line {number}: {key} already on line {seen[key]}")
            continue
        seen[key] = number
        try:
            posted_on = parse_day(day_text)
        except ValueError:
            problems.append(f"line {number}: date_depot {day_text!r} is not a date (dd/mm/yyyy)")
            continue
        posted.append(PostedLine(key, posted_on, tracking or None, number))
    if problems:
        raise InvalidInput("deposit list: " + "; ".join(problems), rule="deposit_list")
    if not posted:
        raise InvalidInput("deposit list: no line has a date_depot: nothing to record", rule="deposit_list")
    return posted


TWO_DIGIT_YEAR = re.compile(r"\d{1,2}/\d{1,2}/\d{2}")


def two_digit_year(text: str) -> bool:
    """« 07/12/26 »: a day people mean, whose century each reader asks for rather than guesses."""
    return TWO_DIGIT_YEAR.fullmatch(text.strip()) is not None


def parse_day(text: str) -> date:
    """A day as people type it, the one reader of every entry point (CLI, console, deposit list):
    « 07/12/2026 », « 7/12/2026 » or « 2026-12-07 »; ValueError otherwise."""
    for layout in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), layout).date()
        except ValueError:
            continue
    raise ValueError(text)
