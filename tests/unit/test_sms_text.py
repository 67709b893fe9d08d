"""The SMS of a reminder: what it says, how many segments the network counts, and the number it goes to."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from application.sms import SmsInvoice, mobile_number, reminder_text, segments
from domain.errors import InvalidInput

IBAN = "FR7630004000031234567890143"
DUE = date(2026, 3, 4)


def invoices(count: int, amount: str = "1200.00") -> list[SmsInvoice]:
    return [SmsInvoice(f"FA-2026-{i:04}", Decimal(amount), DUE) for i in range(1, count + 1)]


# ------------------------------------------------------------------ segments


@pytest.mark.parametrize(
    ("text", "encoding", "count"),
    [
        ("", "gsm7", 0),
        ("a" * 160, "gsm7", 1),
        ("a" * 161, "gsm7", 2),
        ("a" * 306, "gsm7", 2),
        ("a" * 307, "gsm7", 3),
        ("é" * 160, "gsm7", 1),  # é, è, à, ù are in GSM 03.38
        ("€" * 80, "gsm7", 1),  # € takes two septets
        ("€" * 81, "gsm7", 2),
        ("a" * 159 + "€", "gsm7", 2),
        ("a" * 152 + "€" + "a" * 152, "gsm7", 3),  # the escape and its € are never split between two parts
        ("ê" + "a" * 69, "ucs2", 1),  # one ê and the whole message is UCS-2
        ("ê" + "a" * 70, "ucs2", 2),
        ("ç" + "a" * 133, "ucs2", 2),
        ("ç" + "a" * 134, "ucs2", 3),
    ],
)
def test_segments_are_counted_as_the_network_counts_them(text: str, encoding: str, count: int) -> None:
    assert segments(text).count == count
    if text:
        assert segments(text).encoding == encoding


# ------------------------------------------------------------------ text


@pytest.mark.parametrize("kind", ["courtesy", "first_reminder", "second_reminder"])
def test_a_reminder_sms_names_the_invoice_the_amount_how_to_pay_and_the_firm_in_two_segments(kind: str) -> None:
    text = reminder_text(kind=kind, firm_name="Atelier Dupont SARL", invoices=invoices(1), iban=IBAN)
    assert "FA-2026-0001" in text and "1 200,00 €" in text
    assert "IBAN FR76 3000 4000 0312 3456 7890 143" in text and text.endswith("\nAtelier Dupont SARL")
    assert text.startswith("Bonjour") and segments(text).count <= 2
    assert segments(text).encoding == "gsm7" and "\u00a0" not in text


def test_the_courtesy_sms_says_when_it_falls_due_and_the_reminders_say_it_is_unpaid() -> None:
    courtesy = reminder_text(kind="courtesy", firm_name="Dupont", invoices=invoices(1), iban=IBAN)
    first = reminder_text(kind="first_reminder", firm_name="Dupont", invoices=invoices(1), iban=IBAN)
    second = reminder_text(kind="second_reminder", firm_name="Dupont", invoices=invoices(1), iban=IBAN)
    assert "arrive à échéance le 04/03/2026" in courtesy and "impayée" not in courtesy
    assert "reste impayée" in first and "précédent rappel" not in first
    assert "précédent rappel" in second and "sans tarder" in second


def test_a_payment_link_replaces_the_iban_and_is_not_followed_by_a_full_stop() -> None:
    link = "https://paiement.dupont.example/p/FA-2026-0001"
    text = reminder_text(kind="first_reminder", firm_name="Dupont", invoices=invoices(1), iban=IBAN, payment_link=link)
    assert link + " " in text and "IBAN" not in text and link + "." not in text


def test_several_invoices_are_named_with_their_total_and_many_are_counted_to_stay_within_two_segments() -> None:
    three = reminder_text(kind="first_reminder", firm_name="Dupont", invoices=invoices(3), iban=IBAN)
    assert "les factures FA-2026-0001, FA-2026-0002, FA-2026-0003 (total 3 600,00 €) restent impayées" in three
    many = reminder_text(kind="second_reminder", firm_name="Dupont", invoices=invoices(40, "99999.99"), iban=IBAN)
    assert segments(many).count <= 2 and "3 999 999,60 €" in many
    assert "FA-2026-0001, FA-2026-0002 et 38 autre(s)" in many or "40 factures" in many


def test_french_accents_of_gsm_stay_and_the_others_are_written_in_gsm_rather_than_losing_words() -> None:
    short = reminder_text(kind="first_reminder", firm_name="Forêt", invoices=invoices(1), payment_link="https://p.ex")
    assert "reste impayée" in short and "régler" in short and short.endswith("\nForet")
    assert segments(short).encoding == "gsm7" and "ne tenez pas compte" in short
    long = reminder_text(kind="second_reminder", firm_name="Menuiserie de la Forêt Domaniale", invoices=invoices(3),
                         iban=IBAN)  # fmt: skip
    assert long.endswith("Menuiserie de la Foret Domaniale") and segments(long).encoding == "gsm7"
    assert segments(long).count <= 2


def test_the_sms_holds_no_address_nor_the_contact_name() -> None:
    text = reminder_text(kind="first_reminder", firm_name="Dupont", invoices=invoices(1), iban=IBAN)
    assert "rue" not in text and "Martin" not in text


def test_a_firm_without_iban_nor_link_gives_its_phone() -> None:
    text = reminder_text(kind="first_reminder", firm_name="Dupont", invoices=invoices(1), phone="04 72 10 20 30")
    assert "contactez-nous au 04 72 10 20 30" in text


def test_an_sms_names_at_least_one_invoice() -> None:
    with pytest.raises(InvalidInput):
        reminder_text(kind="first_reminder", firm_name="Dupont", invoices=[], iban=IBAN)


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("07.81.23.45.67", "+33781234567"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("0690 12 34 56", "+590690123456"),  # Guadeloupe
        ("0692 12 34 56", "+262692123456"),  # La Réunion
        ("+596 696 12 34 56", "+596696123456"),  # Martinique
    ],
)
def test_french_mobile_numbers_are_written_in_e164(raw: str, e164: str) -> None:
    assert mobile_number(raw) == e164


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (None, "phone_missing"),
        ("  ", "phone_missing"),
        ("04 72 00 00 00", "phone_not_mobile"),
        ("01 23 45 67 89", "phone_not_mobile"),
        ("09 70 12 34 56", "phone_not_mobile"),
        ("08 99 12 34 56", "phone_not_mobile"),
        ("+32 470 12 34 56", "phone_not_french"),
        ("06 12 34 56", "phone_invalid"),
        ("06 12 34 56 78 9", "phone_invalid"),
        ("06 12 AB 56 78", "phone_invalid"),
        ("612345678", "phone_invalid"),
    ],
)
def test_landlines_foreign_and_malformed_numbers_are_refused_with_a_reason(raw: str | None, rule: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        mobile_number(raw)
    assert refused.value.rule == rule
