"""The day's print batch as one PDF: the deposit list (WeasyPrint, from a Jinja2 template), then every
letter's stored PDF, unchanged, in posting order (pypdf). Printing records nothing: the posting does."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from functools import cached_property
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from application.correspondence import Firm
from application.deposit_list import REGISTERED, LetterToPost, deposit_rows
from domain.errors import RuleViolation
from infrastructure.dossier import day, pinned_source_date


class BatchPdf:
    """Built for every request that reads letters: nothing is loaded until a batch is printed."""

    def __init__(self, firm: Firm | None) -> None:
        self.firm = firm
        self._parsed: dict[bytes, Any] = {}  # each letter parsed once: counted, then merged

    @cached_property
    def env(self) -> Environment:
        env = Environment(
            loader=PackageLoader("infrastructure", "templates/print"), autoescape=True, undefined=StrictUndefined
        )
        env.filters.update(day=day)
        return env

    def page_count(self, pdf: bytes) -> int:
        from pypdf.errors import PdfReadError

        try:
            return len(self._reader(pdf).pages)
        except (PdfReadError, ValueError) as error:
            raise RuleViolation(
                f"a stored letter is not a readable PDF: {error}", rule="document_unreadable"
            ) from error

    def deposit_list_pdf(self, letters: Sequence[LetterToPost], *, printed_on: date) -> bytes:
        import weasyprint  # type: ignore[import-untyped]

        html = self.env.get_template("deposit_list.html.j2").render(
            firm=self.firm or _UNNAMED, printed_on=printed_on, rows=deposit_rows(letters),
            registered=sum(1 for x in letters if x.channel == REGISTERED),
            simple=sum(1 for x in letters if x.channel != REGISTERED), pages=sum(x.pages or 0 for x in letters),
        )  # fmt: skip
        with pinned_source_date(datetime.combine(printed_on, time(), UTC)):
            pdf: bytes = weasyprint.HTML(string=html, base_url=None).write_pdf()
        return pdf

    def batch_pdf(
        self, letters: Sequence[LetterToPost], documents: Sequence[Sequence[bytes]], *, printed_on: date
    ) -> bytes:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter()
        writer.append(PdfReader(io.BytesIO(self.deposit_list_pdf(letters, printed_on=printed_on))))
        ordered = {x.key: i for i, x in enumerate(letters)}
        for letter in sorted(letters, key=lambda x: ordered[x.key]):
            letter_pdf, *copies = documents[ordered[letter.key]]
            writer.append(
                self._reader(letter_pdf), outline_item=f"{letter.debtor_name} — {', '.join(letter.invoice_numbers)}"
            )
            for copy in copies:  # the invoices the letter encloses, right behind it in the pile
                writer.append(self._reader(copy))
        writer.add_metadata({"/Title": f"Courriers à poster du {day(printed_on)}", "/Producer": "relance"})
        out = io.BytesIO()
        writer.write(out)
        self._parsed.clear()
        return out.getvalue()

    def _reader(self, pdf: bytes) -> Any:
        from pypdf import PdfReader

        if pdf not in self._parsed:
            self._parsed[pdf] = PdfReader(io.BytesIO(pdf))
        return self._parsed[pdf]


_UNNAMED = Firm(
    name="(RELANCE_FIRM_NAME non renseigné)", address_lines=(), siren=None, email=None, phone=None, iban=None,
    signatory=None, terms_of_sale_reference="",
)  # fmt: skip
