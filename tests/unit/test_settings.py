"""Firm settings that go into every letter: refused at start-up when they cannot be right."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infrastructure.settings import Settings


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("http://payer.example/?r={reference}", "https://"),
        ("https://payer.example/?r={reference}&c={customer}", "only {reference}, {invoices} and {amount}"),
        ("https://payer.example/?r={reference", "only {reference}, {invoices} and {amount}"),
    ],
    ids=["not https", "unknown field", "unclosed brace"],
)
def test_a_payment_link_template_that_could_not_be_filled_is_refused(link: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(firm_payment_link=link)

    assert message in str(caught.value)


def test_a_payment_link_with_the_three_fields_and_a_bic_are_kept() -> None:
    settings = Settings(
        firm_payment_link="https://payer.example/{reference}?m={amount}&f={invoices}", firm_bic="AGRIFRPP882"
    )

    assert settings.firm_payment_link is not None and settings.firm_bic == "AGRIFRPP882"


def test_a_malformed_bic_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(firm_bic="AGRI FR PP")
