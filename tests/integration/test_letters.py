"""The French dunning documents, rendered for real (Jinja2 + WeasyPrint) and read back with pypdf.

Claims come from the real late-charges computation on real receivables and the shipped rate
tables; expected amounts are formatted from those claims, never typed in.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from html import unescape
from pathlib import Path
from uuid import uuid4

import pypdf
import pytest

from application.correspondence import Correspondence, DocumentKind, Firm, InvoiceLine, Recipient
from domain.errors import InvalidInput
from domain.late_charges import Claim, ClaimFacts, compute_claim
from domain.receivable import Receivable
from domain.vocabulary import ContactRole, DebtorKind
from infrastructure.dossier import euros
from infrastructure.letters import LetterError, Renderer, firm_from_settings, long_day
from infrastructure.rate_files import load_rate_table
from infrastructure.settings import Settings
from tests.unit.builders import ACTOR, at, eur, pay, registered_debtor

PRO, CONSUMER = DebtorKind.PROFESSIONAL, DebtorKind.CONSUMER
ON = date(2026, 3, 12)
DEADLINE = date(2026, 3, 24)
TERMS = "nos conditions générales de vente (version du 1er janvier 2026)"
NUMBERED = re.compile(r"relance\s*n\s*°", re.IGNORECASE)
FIRM = Firm(
    name="Atelier Dupont SARL",
    address_lines=("12 rue des Lilas", "69003 Lyon"),
    siren="552100554",
    email="compta@dupont.example",
    phone="04 72 00 00 00",
    iban="FR76 3000 6000 0112 3456 7890 189",
    signatory="Marie Dupont, gérante",
    terms_of_sale_reference=TERMS,
    legal_form="SARL",
    share_capital="10 000 €",
    rcs_city="Lyon",
    place="Lyon",
    consumer_mediator="CM2C, 49 rue de Ponthieu, 75008 Paris",
    consumer_mediator_website="www.cm2c.net",
)


def receivable(kind: DebtorKind, number: str, issued: date, due: date, excl: str, vat: str, label: str) -> Receivable:
    total = str(eur(excl).amount + eur(vat).amount)
    return_value = Receivable.issue(
        invoice_number=number,
        debtor_id=uuid4(),
        debtor_kind=kind,
        issue_date=issued,
        due_date=due,
        amount_excl_vat=eur(excl),
        vat=eur(vat),
        amount_incl_vat=eur(total),
        label=label,
        now=at(issued),
        actor=ACTOR,
    )
    return_value.collect_events()
    return return_value


def invoices(kind: DebtorKind, on: date = ON) -> tuple[InvoiceLine, ...]:
    """Two overdue invoices, the older one partly paid, with their late-charges computation as of ``on``."""
    older = receivable(kind, "F-2025-0412", date(2025, 11, 20), date(2025, 12, 20), "10288.00", "2057.60", "Audit")
    pay(older, "2345.60", on=date(2026, 1, 15), reference="VIR-0412", now=at(date(2026, 1, 15)))
    newer = receivable(kind, "F-2026-0007", date(2026, 1, 5), date(2026, 2, 4), "800.00", "160.00", "Formation")
    return tuple(InvoiceLine.of(r, on, claim_of(r, on)) for r in (older, newer))


def claim_of(r: Receivable, on: date) -> Claim:
    return compute_claim(ClaimFacts.of(r), load_rate_table(), on)


def recipient(kind: DebtorKind) -> Recipient:
    debtor = registered_debtor(kind)
    debtor.add_contact(
        contact_id=uuid4(), role=ContactRole.ACCOUNTS_PAYABLE, name="Paul Martin", email="paul@martin.example",
        now=at(ON), actor=ACTOR,
    )  # fmt: skip
    return Recipient.of(debtor)


def letter(kind: DocumentKind, debtor_kind: DebtorKind, **changes: object) -> Correspondence:
    notice = kind is DocumentKind.FORMAL_NOTICE
    fields: dict[str, object] = {
        "kind": kind,
        "firm": FIRM,
        "recipient": recipient(debtor_kind),
        "invoices": invoices(debtor_kind),
        "dated": ON,
        "place": "Lyon",
        "reference": "R-2026-000123",
        "channel": "registered_letter" if notice else "email",
        "deadline": DEADLINE if notice else None,
    }
    fields.update(changes)
    return Correspondence(**fields)  # type: ignore[arg-type]


def flat(text: str) -> str:
    """Text as a reader sees it: no-break spaces and line breaks are plain spaces."""
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def visible(html: str) -> str:
    """The text of an HTML part as a mail reader shows it."""
    return flat(unescape(re.sub(r"<[^>]+>", " ", html)))


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(content))
    return flat(" ".join(page.extract_text() for page in reader.pages))


@cache
def rendered(kind: DocumentKind, debtor_kind: DebtorKind) -> dict[str, str]:
    """Every output of one document: PDF text, e-mail subject, text and HTML (flattened)."""
    c = letter(kind, debtor_kind)
    email = Renderer().email(c)
    return {
        "pdf": pdf_text(Renderer().pdf(c)),
        "subject": flat(email.subject),
        "text": flat(email.text),
        "html": visible(email.html),
        "html source": flat(email.html),
    }


def money(value: object) -> str:
    return flat(euros(value))


EVERY = [(kind, debtor) for kind in DocumentKind for debtor in (PRO, CONSUMER)]


@pytest.mark.parametrize(("kind", "debtor_kind"), EVERY)
def test_every_document_lists_each_invoice_with_its_date_label_and_amounts(
    kind: DocumentKind, debtor_kind: DebtorKind
) -> None:
    outputs = rendered(kind, debtor_kind)
    for line in invoices(debtor_kind):
        for name in ("pdf", "text", "html"):
            output = outputs[name]
            assert line.number in output, name
            assert line.label in output, name
            assert line.issue_date.strftime("%d/%m/%Y") in output, name
            assert money(line.amount_excl_vat) in output, name
            assert money(line.amount_incl_vat) in output, name
            assert money(line.outstanding) in output, name
    assert "12 345,60 €" in outputs["pdf"]  # thousands grouped, decimal comma, euro sign after


@pytest.mark.parametrize(("kind", "debtor_kind"), EVERY)
def test_no_document_is_ever_numbered_as_a_reminder(kind: DocumentKind, debtor_kind: DebtorKind) -> None:
    for name, output in rendered(kind, debtor_kind).items():
        assert not NUMBERED.search(output), name
        assert "relance" not in output.lower(), name


@pytest.mark.parametrize("kind", [DocumentKind.FIRST_REMINDER, DocumentKind.SECOND_REMINDER])
def test_reminders_to_a_professional_cite_the_terms_of_sale_the_penalties_and_the_40_euro_indemnity(
    kind: DocumentKind,
) -> None:
    for name in ("pdf", "text", "html"):
        output = rendered(kind, PRO)[name]
        assert TERMS in output, name
        assert "pénalités de retard" in output, name
        assert "L441-10" in output, name
        assert "indemnité forfaitaire pour frais de recouvrement de 40,00 €" in output, name


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_nothing_sent_to_a_consumer_mentions_the_40_euro_indemnity(kind: DocumentKind) -> None:
    for name, output in rendered(kind, CONSUMER).items():
        assert "40,00 €" not in output, name
        assert "indemnité forfaitaire" not in output.lower(), name
        assert "L441-10" not in output, name


@pytest.mark.parametrize("kind", [DocumentKind.FIRST_REMINDER, DocumentKind.SECOND_REMINDER])
def test_reminders_to_a_consumer_cite_the_terms_of_sale_and_legal_interest(kind: DocumentKind) -> None:
    for name in ("pdf", "text", "html"):
        output = rendered(kind, CONSUMER)[name]
        assert TERMS in output, name
        assert "intérêts au taux légal" in output, name
        assert "1231-6" in output, name


def test_the_courtesy_message_is_a_friendly_check_without_penalties() -> None:
    for debtor_kind in (PRO, CONSUMER):
        for name, output in rendered(DocumentKind.COURTESY, debtor_kind).items():
            assert "pénalités" not in output, name
            assert "mise en demeure" not in output.lower(), name
        pdf = rendered(DocumentKind.COURTESY, debtor_kind)["pdf"]
        assert "ne pas tenir compte" in pdf
        assert long_day(ON) == "12 mars 2026" and "Lyon, le 12 mars 2026" in pdf


def test_the_second_reminder_states_the_consequences_and_offers_a_payment_plan() -> None:
    pdf = rendered(DocumentKind.SECOND_REMINDER, PRO)["pdf"]
    assert "suspendre toute nouvelle livraison" in pdf
    assert "mise en demeure de payer" in pdf
    assert "échéancier de paiement" in pdf


def test_the_formal_notice_to_a_professional_claims_principal_penalties_and_indemnity_within_days_of_receipt() -> None:
    lines = invoices(PRO)
    claims = [line.claim for line in lines if line.claim is not None]
    outputs = rendered(DocumentKind.FORMAL_NOTICE, PRO)
    total = sum(claim.total for claim in claims)
    assert total == letter(DocumentKind.FORMAL_NOTICE, PRO).total_claimed
    for name in ("pdf", "text", "html"):
        output = outputs[name]
        assert "mise en demeure" in output.lower(), name
        # The deadline runs from receipt (legal.md §6): the letter cannot know the day it will be posted.
        assert f"la somme de {money(total)} dans un délai de 12 jours à compter de la réception" in output, name
        assert "24 mars 2026" not in output, name
        for claim in claims:
            assert claim.penalties > 0 and claim.indemnity > 0
            for amount in (claim.principal_outstanding, claim.penalties, claim.indemnity, claim.total):
                assert money(amount) in output, (name, amount)
            for period in claim.periods:
                assert period.start.strftime("%d/%m/%Y") in output, name
                assert flat(f"{str(period.rate).replace('.', ',')}\u202f%") in output, name
        assert "1344" in output, name
        assert "injonction de payer" in output, name
        assert "petites créances" in output, name
        assert "assureur-crédit" in output, name
        assert "cabinet de recouvrement" in output, name
        assert "interromp" not in output, name  # a formal notice does not interrupt limitation
    pdf = outputs["pdf"]
    assert "Lettre recommandée avec demande d'avis de réception" in pdf
    assert "Objet : Mise en demeure de payer" in pdf
    assert "Atelier Dupont SARL" in pdf and "RCS Lyon 552 100 554" in pdf  # the creditor
    assert "Société Générale de Maintenance" in pdf and "SIREN 732829320" in pdf  # the debtor
    assert "Fait à Lyon, le 12 mars 2026" in pdf
    assert "Marie Dupont, gérante" in pdf
    assert f"Total réclamé {money(sum(c.principal_outstanding for c in claims))}" in pdf


def test_the_formal_notice_to_a_consumer_makes_legal_interest_run_and_names_no_credit_insurer() -> None:
    outputs = rendered(DocumentKind.FORMAL_NOTICE, CONSUMER)
    principal = sum(line.outstanding for line in invoices(CONSUMER))
    for name in ("pdf", "text", "html"):
        output = outputs[name]
        assert "fait courir sur les sommes dues l'intérêt moratoire au taux légal" in output, name
        assert "1231-6" in output, name
        assert f"la somme de {money(principal)} dans un délai de 12 jours à compter de la réception" in output, name
        assert "assureur-crédit" not in output, name
        assert "injonction de payer" in output, name


def test_an_electronic_registered_notice_says_so_and_its_email_copy_says_it_is_a_copy() -> None:
    renderer = Renderer()
    lre = pdf_text(renderer.pdf(letter(DocumentKind.FORMAL_NOTICE, PRO, channel="electronic_registered_letter")))
    assert "Lettre recommandée électronique" in lre
    copy = renderer.email(letter(DocumentKind.FORMAL_NOTICE, PRO, channel="email"))
    assert "Copie de notre courrier adressé ce jour par lettre recommandée avec demande d'avis de réception" in (
        flat(copy.text)
    )


def test_a_rate_not_yet_published_is_named_with_the_published_rate_applied_and_the_notice_stands() -> None:
    later = date(2026, 8, 14)  # 2026H2: not in the shipped tables yet (legal.md §1)
    c = letter(DocumentKind.FORMAL_NOTICE, PRO, invoices=invoices(PRO, later), dated=later, deadline=date(2026, 8, 24))
    email = Renderer().email(c)
    assert c.provisional
    applied = "le dernier taux publié, celui du premier semestre 2026, a été appliqué, soit 12,15 % l'an"
    for name, output in (
        ("pdf", pdf_text(Renderer().pdf(c))),
        ("text", flat(email.text)),
        ("html", visible(email.html)),
    ):
        assert "Second semestre 2026 : le taux de référence de ce semestre n'était pas publié" in output, name
        assert applied in output, name
        assert "provisoire" not in output.lower(), name
        assert f"nous vous mettons en demeure de nous régler la somme de {money(c.total_claimed)}" in output, name
    assert 'class="warn"' not in email.html


def test_the_same_letter_renders_to_the_same_bytes() -> None:
    c = letter(DocumentKind.FORMAL_NOTICE, PRO)
    first, second = Renderer().pdf(c), Renderer().pdf(c)
    assert first == second
    assert Renderer().pdf(replace(c, dated=date(2026, 3, 13))) != first


def test_html_is_escaped_and_the_text_part_is_not() -> None:
    label = "Travaux <urgents> & pièces"
    lines = tuple(replace(line, label=label) for line in invoices(PRO))
    email = Renderer().email(letter(DocumentKind.FIRST_REMINDER, PRO, invoices=lines))
    assert "Travaux &lt;urgents&gt; &amp; pièces" in email.html
    assert label in email.text


def test_a_template_of_the_firm_is_taken_over_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "first_reminder.body.html.j2").write_text(
        "<p>Cher client, merci de régler {{ c.total_outstanding | euros }} (réf. {{ c.reference }}).</p>",
        encoding="utf-8",
    )
    (tmp_path / "first_reminder.subject.txt.j2").write_text("Petit rappel amical", encoding="utf-8")
    renderer = Renderer(tmp_path)
    c = letter(DocumentKind.FIRST_REMINDER, PRO)
    text = pdf_text(renderer.pdf(c))
    assert f"Cher client, merci de régler {money(c.total_outstanding)} (réf. R-2026-000123)." in text
    assert "Objet : Petit rappel amical" in text
    assert "Sauf erreur de notre part" not in text
    assert renderer.email(c).subject == "Petit rappel amical"
    second = pdf_text(renderer.pdf(letter(DocumentKind.SECOND_REMINDER, PRO)))
    assert "Malgré notre précédent rappel" in second  # the shipped template for what the firm did not override


def test_a_template_using_a_missing_variable_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "courtesy.body.html.j2").write_text("<p>{{ c.debtor_phone }}</p>", encoding="utf-8")
    with pytest.raises(LetterError, match=r"courtesy\.body\.html\.j2|debtor_phone"):
        Renderer(tmp_path).pdf(letter(DocumentKind.COURTESY, PRO))


def test_a_missing_template_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LetterError, match="does not exist"):
        Renderer(tmp_path / "nowhere")


def test_a_formal_notice_needs_a_deadline_and_the_calculation_of_every_invoice() -> None:
    with pytest.raises(InvalidInput, match="deadline"):
        letter(DocumentKind.FORMAL_NOTICE, PRO, deadline=None)
    without_claim = tuple(replace(line, claim=None) for line in invoices(PRO))
    with pytest.raises(InvalidInput, match="late-charges computation"):
        letter(DocumentKind.FORMAL_NOTICE, PRO, invoices=without_claim)
    with pytest.raises(InvalidInput, match="channel"):
        letter(DocumentKind.FIRST_REMINDER, PRO, channel="pigeon")
    with pytest.raises(InvalidInput, match="at least one invoice"):
        letter(DocumentKind.FIRST_REMINDER, PRO, invoices=())


def test_the_firm_comes_from_the_settings_and_needs_a_name() -> None:
    settings = Settings(
        firm_name="Atelier Dupont SARL", firm_address="12 rue des Lilas | Bât. A / 2e étage | 69003 Lyon Cedex 03",
        firm_siren="552100554", firm_legal_form="SARL", firm_share_capital="10 000 €", firm_rcs_city="Lyon",
        terms_of_sale_reference=TERMS,
    )  # fmt: skip
    firm = firm_from_settings(settings)
    assert firm.address_lines == ("12 rue des Lilas", "Bât. A / 2e étage", "69003 Lyon Cedex 03")
    assert firm.place == "Lyon"  # the address's city, unless RELANCE_FIRM_PLACE says otherwise
    assert firm.legal_mentions == "SARL au capital de 10 000 € — RCS Lyon 552 100 554"
    assert firm.terms_of_sale_reference == TERMS
    with pytest.raises(LetterError, match="RELANCE_FIRM_NAME"):
        firm_from_settings(Settings(firm_name=None))


def test_the_recipient_is_addressed_to_the_accounts_payable_contact() -> None:
    debtor = registered_debtor(PRO)
    debtor.add_contact(
        contact_id=uuid4(), role=ContactRole.SIGNATORY, name="Directrice", email="dg@x.example", now=at(ON), actor=ACTOR
    )
    debtor.add_contact(
        contact_id=uuid4(), role=ContactRole.ACCOUNTS_PAYABLE, name="Compta", email="ap@x.example", now=at(ON),
        actor=ACTOR,
    )  # fmt: skip
    addressed = Recipient.of(debtor)
    assert (addressed.contact_name, addressed.email) == ("Compta", "ap@x.example")
    assert addressed.address_lines == ("12 rue de la Paix", "75002 Paris")


SIX_DECIMALS = re.compile(r"\d,\d{3,}\s?€")


@pytest.mark.parametrize(("kind", "debtor_kind"), EVERY)
def test_every_amount_in_a_document_is_printed_to_the_cent(kind: DocumentKind, debtor_kind: DebtorKind) -> None:
    for name, output in rendered(kind, debtor_kind).items():
        assert not SIX_DECIMALS.search(output), (name, SIX_DECIMALS.findall(output))
    if kind is DocumentKind.FORMAL_NOTICE:
        periods = [p for line in invoices(debtor_kind) if line.claim for p in line.claim.periods]
        for period in periods:
            cents = period.amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            assert money(cents) in rendered(kind, debtor_kind)["pdf"]


@pytest.mark.parametrize(("kind", "debtor_kind"), EVERY)
def test_the_signature_never_stands_alone_on_the_last_page(kind: DocumentKind, debtor_kind: DebtorKind) -> None:
    reader = pypdf.PdfReader(io.BytesIO(Renderer().pdf(letter(kind, debtor_kind, channel="letter"))))
    last = flat(reader.pages[-1].extract_text())
    assert "Marie Dupont, gérante" in last
    assert "salutations distinguées" in last  # the closing formula travels with the signature


@pytest.mark.parametrize(("kind", "debtor_kind"), EVERY)
def test_the_letterhead_shows_the_legal_form_share_capital_rcs_and_siren(
    kind: DocumentKind, debtor_kind: DebtorKind
) -> None:
    for name in ("pdf", "text", "html"):
        assert "SARL au capital de 10 000 € — RCS Lyon 552 100 554" in rendered(kind, debtor_kind)[name], name


def test_a_consumer_who_is_her_own_contact_is_not_addressed_to_her_attention_twice() -> None:
    debtor = registered_debtor(CONSUMER)
    debtor.add_contact(
        contact_id=uuid4(), role=ContactRole.ACCOUNTS_PAYABLE, name=debtor.legal_name,
        email="claire@bonnet.example", now=at(ON), actor=ACTOR,
    )  # fmt: skip
    c = letter(DocumentKind.FORMAL_NOTICE, CONSUMER, recipient=Recipient.of(debtor))
    email = Renderer().email(c)
    for name, output in (
        ("pdf", pdf_text(Renderer().pdf(c))),
        ("text", flat(email.text)),
        ("html", visible(email.html)),
    ):
        assert "À l'attention de" not in output, name
        assert f"Bonjour {debtor.legal_name}," in output, name


def named(contact: str | None, debtor_kind: DebtorKind = PRO) -> Recipient:
    return replace(recipient(debtor_kind), contact_name=contact)


@pytest.mark.parametrize(
    ("contact", "opening", "closing"),
    [
        ("Paul Martin", "Bonjour Paul Martin,", "Nous vous prions d'agréer l'expression"),
        ("Mme Claire Bonnet", "Madame,", "Nous vous prions d'agréer, Madame, l'expression"),
        ("M. Paul Martin", "Monsieur,", "Nous vous prions d'agréer, Monsieur, l'expression"),
        (None, "Madame, Monsieur,", "Nous vous prions d'agréer, Madame, Monsieur, l'expression"),
    ],
)
def test_a_letter_opens_and_closes_on_the_named_contact_and_madame_monsieur_only_without_one(
    contact: str | None, opening: str, closing: str
) -> None:
    for kind in DocumentKind:
        c = letter(kind, PRO, recipient=named(contact))
        email = Renderer().email(c)
        outputs = {"pdf": pdf_text(Renderer().pdf(c)), "text": flat(email.text), "html": visible(email.html)}
        for name, output in outputs.items():
            assert opening in output and closing in output, (kind, name)
            if contact is not None:
                assert "Madame, Monsieur" not in output, (kind, name)


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_documents_to_a_consumer_name_the_consumer_mediator_and_those_to_a_firm_do_not(kind: DocumentKind) -> None:
    mediator = "CM2C, 49 rue de Ponthieu, 75008 Paris (www.cm2c.net)"
    for name in ("pdf", "text", "html"):
        consumer = rendered(kind, CONSUMER)[name]
        assert "médiateur de la consommation dont nous relevons : " + mediator in consumer, name
        assert "L612-1" in consumer and "L616-1" in consumer, name
        assert "médiateur" not in rendered(kind, PRO)[name], name
    unset = replace(FIRM, consumer_mediator=None, consumer_mediator_website=None)
    assert "médiateur" not in pdf_text(Renderer().pdf(letter(kind, CONSUMER, firm=unset)))


@pytest.mark.parametrize("kind", [DocumentKind.FIRST_REMINDER, DocumentKind.FORMAL_NOTICE])
def test_a_letter_carries_a_sepa_qr_code_for_the_amount_it_asks_and_the_email_none(kind: DocumentKind) -> None:
    c = letter(kind, DebtorKind.PROFESSIONAL)
    html = Renderer().letter_html(c)
    email = Renderer().email(c)

    text = c.payment_qr_text()
    asked = c.total_claimed if kind is DocumentKind.FORMAL_NOTICE else c.total_outstanding
    assert text is not None and text.split("\n")[7] == f"EUR{asked:.2f}"
    assert c.reference in text.split("\n")[10] and all(line.number in text for line in c.invoices)
    assert html.count('src="data:image/svg+xml') == 1 and "scannez ce code" in html
    assert "data:image" not in email.html and "scannez" not in email.text
    assert "scannez ce code" in flat(pdf_text(Renderer().pdf(c)))


def test_without_the_firms_iban_a_letter_has_no_qr_code() -> None:
    c = letter(DocumentKind.FIRST_REMINDER, DebtorKind.PROFESSIONAL, firm=replace(FIRM, iban=None))
    assert c.payment_qr_text() is None
    assert "data:image" not in Renderer().letter_html(c)


def test_the_payment_block_gives_the_bic_and_the_firms_payment_link_filled_for_this_demand() -> None:
    firm = replace(
        FIRM,
        bic="AGRIFRPP882",
        payment_link_template="https://payer.dupont.example/?r={reference}&f={invoices}&m={amount}",
    )
    c = letter(DocumentKind.FIRST_REMINDER, DebtorKind.PROFESSIONAL, firm=firm)
    email = Renderer().email(c)

    expected = f"https://payer.dupont.example/?r={c.reference}&f=F-2025-0412%2CF-2026-0007&m={c.total_outstanding:.2f}"
    assert c.payment_link == expected
    printed = pdf_text(Renderer().pdf(c))
    assert "(BIC AGRIFRPP882)" in printed and expected in printed.replace("? ", "?")  # wrapped after the "?"
    assert f"Vous pouvez aussi régler en ligne : {expected}" in flat(email.text)
    assert f'href="{expected.replace("&", "&amp;")}"' in email.html


def test_without_a_payment_link_none_is_printed() -> None:
    c = letter(DocumentKind.FIRST_REMINDER, DebtorKind.PROFESSIONAL)

    assert c.payment_link is None
    assert "régler en ligne" not in Renderer().email(c).text and "BIC" not in Renderer().letter_html(c)
