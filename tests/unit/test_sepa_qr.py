"""The SEPA credit-transfer QR code's text (EPC069-12 version 002) on letters."""

from __future__ import annotations

from decimal import Decimal

from application.sepa_qr import epc_payload, iban_valid

IBAN = "FR76 3000 6000 0112 3456 7890 189"  # a valid French IBAN (check digits 76)


def test_the_payload_is_the_guidelines_eleven_lines_with_the_amount_and_the_reference() -> None:
    payload = epc_payload(
        beneficiary="Menuiseries  Vasseur SAS", iban=IBAN, amount=Decimal("1234.5"), currency="EUR",
        remittance="Réf. 20260312-4F1A9C2B FA-2026-0005",
    )  # fmt: skip
    assert payload == (
        "BCD\n002\n1\nSCT\n\nMenuiseries Vasseur SAS\nFR7630006000011234567890189\nEUR1234.50\n\n\n"
        "Réf. 20260312-4F1A9C2B FA-2026-0005"
    )


def test_no_payload_for_another_currency_an_amount_out_of_range_or_a_wrong_iban() -> None:
    base = {"beneficiary": "Vasseur", "iban": IBAN, "currency": "EUR", "remittance": "FA-1"}
    assert epc_payload(**base, amount=Decimal("10.00")) is not None  # type: ignore[arg-type]
    assert epc_payload(**{**base, "currency": "GBP"}, amount=Decimal("10.00")) is None  # type: ignore[arg-type]
    assert epc_payload(**base, amount=Decimal("0.00")) is None  # type: ignore[arg-type]
    assert epc_payload(**base, amount=Decimal("1000000000.00")) is None  # type: ignore[arg-type]
    assert epc_payload(**base, amount=Decimal("999999999.99")) is not None  # type: ignore[arg-type]
    assert epc_payload(**{**base, "iban": IBAN[:-1] + "8"}, amount=Decimal("10.00")) is None  # type: ignore[arg-type]


def test_names_and_references_are_cut_to_the_lengths_the_guidelines_allow() -> None:
    payload = epc_payload(beneficiary="N" * 90, iban=IBAN, amount=Decimal("1"), currency="EUR", remittance="R" * 200)
    assert payload is not None
    lines = payload.split("\n")
    assert (len(lines), len(lines[5]), len(lines[10])) == (11, 70, 140)


def test_an_iban_is_valid_only_with_its_check_digits() -> None:
    assert iban_valid(IBAN) and iban_valid("GB82 WEST 1234 5698 7654 32") and iban_valid("de89370400440532013000")
    assert not iban_valid("FR77 3000 6000 0112 3456 7890 189")
    assert not iban_valid("FR76") and not iban_valid("not an iban at all")


def test_an_iban_failing_its_check_digits_is_warned_with_what_it_does_to_the_letters() -> None:
    from datetime import date

    from application.configuration_checks import configuration_warnings, iban_invalid
    from application.correspondence import Firm
    from domain.rates import RateTable

    firm = Firm("Vasseur", ("Lyon",), None, None, None, "FR77 3000 6000 0112 3456 7890 189", None, "nos CGV")
    warning = iban_invalid(firm)
    assert warning is not None and warning.rule == "iban_invalid" and "QR" in warning.detail
    assert iban_invalid(Firm("Vasseur", ("Lyon",), None, None, None, IBAN, None, "nos CGV")) is None
    assert "iban_invalid" in [w.rule for w in configuration_warnings(RateTable(), date(2026, 12, 6), firm)]
