"""French dunning correspondence: PDF letters (WeasyPrint) and e-mails (text + HTML) from Jinja2 templates.

Templates live in ``infrastructure/templates/dunning/``; a firm overrides any of them by putting a
file of the same name in ``RELANCE_TEMPLATE_DIR``, which is searched first (docs/templates.md).
HTML is autoescaped; a variable missing from the context fails the rendering (StrictUndefined)
rather than printing an empty amount in a letter that may be shown to a judge.

The bytes of a PDF depend only on the ``Correspondence``: its date is the document's creation
date and fonts are subset at that same date, so a re-render after a crash gives the same file
(and the same sha256 in the journal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined, TemplateError

from application.correspondence import Correspondence, DocumentKind, Firm
from infrastructure.dossier import day, euros, pinned_source_date, rate
from infrastructure.settings import Settings

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
REGISTERED = "Lettre recommandée avec demande d'avis de réception"
ELECTRONIC_REGISTERED = "Lettre recommandée électronique"
LETTER_TEMPLATE = "letter.html.j2"
EMAIL_HTML_TEMPLATE = "email.html.j2"
CENT = Decimal("0.01")
POSTAL_LINE = re.compile(r"^\d{5}\s+(.+)$")
CEDEX = re.compile(r"\bcedex\b.*$", re.IGNORECASE)


class LetterError(Exception):
    """A template is missing, broken or uses a variable the context does not have; the message names it."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


# ----------------------------------------------------------------- formats


def long_day(value: date | None) -> str:
    """« 1er mars 2026 », « 31 décembre 2026 »: how a French letter writes a date in a sentence."""
    if value is None:
        return "—"
    first = "1er" if value.day == 1 else str(value.day)
    return f"{first} {MONTHS[value.month - 1]} {value.year}"


def detail(value: Any) -> str:
    """A period amount as people read it, to the cent (half-up). The invoice's total is rounded once
    from the exact figures, which the calculation file of the evidence bundle keeps."""
    return euros(Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP))


def half_year(value: Any) -> str:
    """« 2026H2 » → « second semestre 2026 »."""
    text = str(value)
    year, _, half = text.partition("H")
    return f"{'premier' if half == '1' else 'second'} semestre {year}"


def address_lines(text: str | None) -> tuple[str, ...]:
    """An address written on one line: lines separated by « | » (as in the CSV imports) or by line breaks."""
    return tuple(part.strip() for part in (text or "").replace("|", "\n").splitlines() if part.strip())


def place_of(lines: tuple[str, ...]) -> str | None:
    """The city of the address's « 69003 Lyon » line (CEDEX dropped): where the firm writes from."""
    for line in reversed(lines):
        found = POSTAL_LINE.match(line)
        if found:
            return CEDEX.sub("", found.group(1)).strip() or None
    return None


def delivery_mention(c: Correspondence) -> str | None:
    """The mention above the address: how the letter travels (legal.md §6 for the formal notice)."""
    if c.channel == "electronic_registered_letter":
        return ELECTRONIC_REGISTERED
    if c.channel == "registered_letter" or c.kind is DocumentKind.FORMAL_NOTICE:
        return REGISTERED  # a formal notice always goes registered; its e-mail is a copy
    return None


# ---------------------------------------------------------------- renderer


class Renderer:
    def __init__(self, template_dir: Path | None = None) -> None:
        loaders: list[Any] = []
        if template_dir is not None:
            if not template_dir.is_dir():
                raise LetterError(f"template directory {template_dir} does not exist (RELANCE_TEMPLATE_DIR)")
            loaders.append(FileSystemLoader(template_dir))
        loaders.append(PackageLoader("infrastructure", "templates/dunning"))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=lambda name: name is not None and name.endswith(".html.j2"),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(euros=euros, day=day, long_day=long_day, rate=rate, detail=detail, half_year=half_year)

    def pdf(self, c: Correspondence) -> bytes:
        """The letter as an A4 PDF, identical bytes for an identical ``Correspondence``."""
        import weasyprint  # type: ignore[import-untyped]

        html = self.letter_html(c)
        with pinned_source_date(datetime.combine(c.dated, time(), UTC)):
            pdf: bytes = weasyprint.HTML(string=html, base_url=None).write_pdf()
        return pdf

    def letter_html(self, c: Correspondence) -> str:
        return self._render(LETTER_TEMPLATE, {**self._context(c), "payment_qr": payment_qr(c)})

    def email(self, c: Correspondence) -> RenderedEmail:
        context = self._context(c)
        return RenderedEmail(
            subject=context["subject"],
            text=self._render(f"{c.kind.value}.email.txt.j2", context),
            html=self._render(EMAIL_HTML_TEMPLATE, context),
        )

    def subject(self, c: Correspondence) -> str:
        text = self._render(f"{c.kind.value}.subject.txt.j2", {"c": c, "consumer": c.is_consumer})
        return " ".join(text.split())

    def _context(self, c: Correspondence) -> dict[str, Any]:
        return {
            "c": c,
            "firm": c.firm,
            "recipient": c.recipient,
            "invoices": c.invoices,
            "consumer": c.is_consumer,
            "kind": c.kind.value,
            "delivery": delivery_mention(c),
            "subject": self.subject(c),
            "payment_qr": None,  # letters only (letter_html): a QR code means nothing in an e-mail read on the phone
        }

    def _render(self, name: str, context: dict[str, Any]) -> str:
        try:
            return self.env.get_template(name).render(**context)
        except TemplateError as error:
            raise LetterError(f"template {name}: {error}") from error


# ------------------------------------------------------------------- firm


def firm_from_settings(settings: Settings) -> Firm:
    """The creditor from RELANCE_FIRM_*; letters cannot go out without its name."""
    if not settings.firm_name or not settings.firm_name.strip():
        raise LetterError("RELANCE_FIRM_NAME is not set: letters and e-mails need the creditor's name")
    lines = address_lines(settings.firm_address)
    return Firm(
        name=settings.firm_name.strip(),
        address_lines=lines,
        siren=settings.firm_siren,
        email=settings.firm_email,
        phone=settings.firm_phone,
        iban=settings.firm_iban,
        bic=settings.firm_bic,
        payment_link_template=settings.firm_payment_link,
        signatory=settings.firm_signatory,
        terms_of_sale_reference=settings.terms_of_sale_reference,
        legal_form=settings.firm_legal_form,
        share_capital=settings.firm_share_capital,
        rcs_city=settings.firm_rcs_city,
        place=settings.firm_place or place_of(lines),
        consumer_mediator=settings.firm_consumer_mediator,
        consumer_mediator_website=settings.firm_consumer_mediator_website,
    )


def payment_qr(c: Correspondence) -> str | None:
    """The SEPA transfer QR code (EPC069-12: error correction M) as an SVG data URI for the letter."""
    text = c.payment_qr_text()
    if text is None:
        return None
    import segno

    uri: str = segno.make(text, error="m", micro=False, boost_error=False).svg_data_uri(scale=2, border=4)
    return uri
