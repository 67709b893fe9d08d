"""The deposit list: its order, its CSV as French Excel opens it, La Poste tracking numbers, and the filled list
read back, every problem of the file named with its line."""

from __future__ import annotations

from datetime import date

import pytest

from application.deposit_list import (
    LetterToPost,
    check_tracking_number,
    deposit_csv,
    posting_order,
    read_posted_csv,
    s10_check_digit,
)
from domain.errors import InvalidInput

DAY = date(2026, 12, 7)


def letter(key: str, channel: str, postal_code: str, name: str = "Client SAS") -> LetterToPost:
    return LetterToPost(
        key=key, run_date=DAY, debtor_id=key, debtor_name=name, address_lines=("3 place Bellecour",),
        postal_code=postal_code, city="Lyon", country="FR", kind="formal_notice", channel=channel,
        invoice_numbers=(f"F-{key}",), document_sha256="0" * 64, pages=2,
    )  # fmt: skip


def test_registered_letters_come_first_then_postal_codes_then_names() -> None:
    letters = [
        letter("a", "letter", "13001"),
        letter("b", "registered_letter", "75001"),
        letter("c", "registered_letter", "69002", "Zinc SA"),
        letter("d", "registered_letter", "69002", "Alu"),
    ]

    assert [x.key for x in posting_order(letters)] == ["d", "c", "b", "a"]


def test_the_csv_is_french_excel_with_the_columns_to_fill_left_empty() -> None:
    content = deposit_csv([letter("a", "letter", "13001"), letter("b", "registered_letter", "75001")])

    assert content.startswith("\ufeff".encode())
    header, first, second = content.decode("utf-8-sig").split("\r\n")[:3]
    assert header.startswith("ordre;cle;destinataire;") and header.endswith(";date_depot;numero_suivi")
    assert first.startswith("1;b;Client SAS;") and "Recommandé avec AR" in first and first.endswith(";2;;")
    assert second.startswith("2;a;") and "Lettre simple" in second


@pytest.mark.parametrize(("serial", "digit"), [("47312482", 9), ("12345678", 5), ("00000000", 5)])
def test_the_s10_check_digit_follows_the_upu_standard(serial: str, digit: int) -> None:
    assert s10_check_digit(serial) == digit


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("1A 234 567 8901 2", "1A23456789012"),
        ("rr 123 456 785 fr", "RR123456785FR"),
        ("AA473124829GB", "AA473124829GB"),
    ],
)
def test_a_tracking_number_is_kept_as_printed_without_spaces(typed: str, kept: str) -> None:
    assert check_tracking_number(typed) == kept


@pytest.mark.parametrize(
    ("typed", "rule"),
    [("RR 123 456 784 FR", "tracking_number_check"), ("1A 234", "tracking_number_format"),
     ("ABCDEFGHIJKLM", "tracking_number_format")],
)  # fmt: skip
def test_a_mistyped_tracking_number_is_refused(typed: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_tracking_number(typed)

    assert caught.value.rule == rule


def test_the_filled_list_keeps_the_lines_with_a_date_in_french_or_iso_form() -> None:
    content = (
        "ordre;cle;date_depot;numero_suivi\r\n1;k1;07/12/2026;RR 123 456 785 FR\r\n"
        "2;k2;;\r\n3;k3;2026-12-08;\r\n;;;\r\n"
    ).encode("cp1252")

    lines = read_posted_csv(content)

    assert [(x.key, x.posted_on, x.tracking_number, x.line) for x in lines] == [
        ("k1", date(2026, 12, 7), "RR 123 456 785 FR", 2),
        ("k3", date(2026, 12, 8), None, 4),
    ]


def test_a_list_saved_with_commas_is_read_too() -> None:
    (line,) = read_posted_csv(b"cle,date_depot,numero_suivi\nk1,07/12/2026,\n")

    assert (line.key, line.posted_on) == ("k1", DAY)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"cle;date\r\nk1;07/12/2026\r\n", "column(s) date_depot, numero_suivi missing"),
        (b"cle;date_depot;numero_suivi\r\nk1;;\r\n", "no line has a date_depot"),
        (b"cle;date_depot;numero_suivi\r\nk1;31/02/2026;\r\n", "line 2: date_depot '31/02/2026' is not a date"),
        (b"cle;date_depot;numero_suivi\r\nk1;07/12/2026;\r\nk1;07/12/2026;\r\n", "line 3: k1 already on line 2"),
        (b"cle;date_depot;numero_suivi\r\nk1;;RR123456785FR\r\n", "line 2: a tracking number without date_depot"),
        (b"cle;date_depot;numero_suivi\r\n;07/12/2026;\r\n", "line 2: no cle"),
    ],
    ids=["empty", "columns", "nothing posted", "bad date", "twice", "number without date", "no key"],
)
def test_a_filled_list_with_a_problem_is_refused_whole_naming_the_line(content: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_posted_csv(content)

    assert message in caught.value.message and caught.value.rule == "deposit_list"
