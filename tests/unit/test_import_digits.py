"""Imported amounts and dates are written in ASCII digits, as docs/imports.md shows them (issue 15,
item 20): Python's ``\\d`` and ``int()`` also read full-width and other scripts' digits."""

from __future__ import annotations

import pytest

from infrastructure.import_files.text_fields import ImportFileError, parse_amount, parse_date


@pytest.mark.parametrize("text", ["１.００", "١٢٣,٤٥", "1２3,45 €"])
def test_an_imported_amount_in_digits_other_than_ascii_is_refused(text: str) -> None:
    with pytest.raises(ImportFileError) as refused:
        parse_amount(text, "line 2")

    assert refused.value.rule == "import_amount"


@pytest.mark.parametrize("text", ["２０２５-１２-３１", "３１/１２/２０２５"])
def test_an_imported_date_in_digits_other_than_ascii_is_refused(text: str) -> None:
    with pytest.raises(ImportFileError) as refused:
        parse_date(text, "line 2")

    assert refused.value.rule == "import_date"


def test_the_documented_french_and_iso_forms_are_still_read() -> None:
    assert str(parse_amount("1 234,50 €", "line 2")) == "1234.50"
    assert parse_date("31/12/2025", "line 2") == parse_date("2025-12-31", "line 2")
