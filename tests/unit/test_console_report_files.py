"""The Rapports' files (api/console/report_files.py) and the pure helpers of their pages (api/console/reports.py)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

from api.console.report_files import Column, Kind, Sheet, csv_bytes, xlsx_bytes
from api.console.reports import BAD_DAY, FAR_DAY, Asked, months, slug

SHEET = Sheet(
    "Essai: [1/2]",
    [Column("Nom"), Column("Le", Kind.DATE), Column("Montant", Kind.MONEY), Column("Part", Kind.SHARE)],
    [["=SOMME(A1:A9)", date(2026, 6, 15), Decimal("1234.50"), Decimal("0.456")],
     ["Dupont", None, Decimal("-40.00"), None]],
    ["Total", None, Decimal("1194.50"), None],
)  # fmt: skip


def test_the_csv_has_a_bom_semicolons_decimal_commas_french_dates_and_neutralised_formulas() -> None:
    content = csv_bytes(SHEET)

    assert content.startswith("\ufeff".encode())
    assert content.decode("utf-8-sig").splitlines() == [
        "Nom;Le;Montant;Part",
        "'=SOMME(A1:A9);15/06/2026;1234,50;45,6",
        "Dupont;;-40,00;",
        "Total;;1194,50;",
    ]


def test_the_workbook_writes_text_as_text_never_as_a_formula() -> None:
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([SHEET]))) as workbook:
        sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
        strings = workbook.read("xl/sharedStrings.xml").decode()
        names = workbook.read("xl/workbook.xml").decode()

    assert "<f>" not in sheet and ">=SOMME(A1:A9)<" in strings
    assert 'name="Essai   1 2 "' in names  # the characters a sheet name may not hold are replaced
    assert "<v>1234.5</v>" in sheet and "<v>0.456</v>" in sheet  # numbers stay numbers
    assert f"<v>{(date(2026, 6, 15) - date(1899, 12, 30)).days}</v>" in sheet  # a date is Excel's day number
    assert 'state="frozen"' in sheet and "<autoFilter" in sheet


def test_the_months_of_a_range_are_cut_to_its_first_and_last_day() -> None:
    assert months(date(2026, 1, 10), date(2026, 3, 5)) == [
        (date(2026, 1, 10), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 5)),
    ]
    assert months(date(2025, 12, 1), date(2025, 12, 31)) == [(date(2025, 12, 1), date(2025, 12, 31))]


def test_a_file_name_keeps_letters_and_digits_without_accents() -> None:
    assert slug("Menuiserie Émile & Fils SARL") == "menuiserie-emile-fils-sarl"
    assert slug("[effacé]") == "efface"
    assert slug("«»") == "debiteur"


def test_a_date_is_read_in_french_or_iso_and_a_wrong_one_is_named() -> None:
    form = Asked({}, {})
    default = date(2026, 6, 15)

    assert form.day("a", "07/04/2026", default) == date(2026, 4, 7)
    assert form.day("b", "2026-04-07", default) == date(2026, 4, 7)
    assert form.day("c", None, default) == default and form.typed["c"] == "15/06/2026"
    assert form.day("d", "07/04/26", default) == default and form.errors["d"] == FAR_DAY
    assert form.day("e", "31/02/2026", default) == default and form.errors["e"] == BAD_DAY
    assert form.typed["e"] == "31/02/2026" and set(form.errors) == {"d", "e"}
