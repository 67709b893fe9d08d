"""The console's Rapports over HTTP on PostgreSQL (issue 18): the aged balance per debtor and its drill-down,
DSO and collection effectiveness month by month, their charts and their CSV and XLSX downloads.

The ledger is built once, on the fixture's clock (15/06/2026): invoices at known ages for two debtors, and
two reminders (one followed by a payment five days later) for the effectiveness series.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

import httpx
import pytest

from api.formats import money, number
from tests.e2e.conftest import Api
from tests.support.console import assert_no_inline_code, person

TODAY = "15/06/2026"
ETOILE = "Boulangerie Étoile SARL"
BLEUE = "Menuiserie Bleue & Fils"
SOLDEE = "Plâtrerie Soldée"
# Debtor Étoile: (days past due on 15/06/2026, amount); the boundaries of each tranche are there.
ETOILE_INVOICES = [(-10, "100.00"), (0, "10.00"), (15, "200.00"), (30, "50.00"), (31, "60.00"), (45, "300.00"),
                   (75, "400.00"), (120, "500.00")]  # fmt: skip
ETOILE_ROW = ["110.00", "250.00", "360.00", "400.00", "500.00", "1620.00"]  # non échu … > 90, total
BLEUE_ROW = ["0.00", "750.00", "0.00", "0.00", "0.00", "750.00"]  # 1 000 € 25 days late, 250 € paid
TOTAL_ROW = ["110.00", "1000.00", "360.00", "400.00", "500.00", "2370.00"]
TRANCHES = {-10: "Non échu", 0: "Non échu", 15: "1–30 j", 30: "1–30 j", 31: "31–60 j", 45: "31–60 j",
            75: "61–90 j", 120: "&gt; 90 j"}  # fmt: skip
SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@dataclass(frozen=True)
class Book:
    etoile: str
    bleue: str
    invoices: dict[int, str]  # Étoile's invoice number by days past due


@pytest.fixture(scope="module")
def book(api: Api) -> Book:
    etoile = api.debtor(legal_name=ETOILE)["id"]
    invoices = {
        days: api.invoice(etoile, amount=amount, days_overdue=days)["invoice_number"]
        for days, amount in ETOILE_INVOICES
    }
    bleue = api.debtor(legal_name=BLEUE)["id"]
    late = api.invoice(bleue, amount="1000.00", days_overdue=25)["id"]
    api.ok(
        "admin", f"/v1/receivables/{late}/reminders", {"stage": "first", "channel": "email", "sent_on": api.days(-20)}
    )
    api.ok("admin", f"/v1/receivables/{late}/payments", api.payment_body("250.00"))
    paid = api.invoice(api.debtor(legal_name=SOLDEE)["id"], amount="300.00", days_overdue=60)["id"]
    api.ok(
        "admin", f"/v1/receivables/{paid}/reminders", {"stage": "first", "channel": "email", "sent_on": api.days(-50)}
    )
    api.ok("admin", f"/v1/receivables/{paid}/payments", {**api.payment_body("300.00"), "value_date": api.days(-45)})
    api.services.read_models.catch_up()  # what the projections' worker does beside a PostgreSQL store
    return Book(etoile, bleue, invoices)


def reminder(sent_on: str) -> dict[str, str]:
    return {"stage": "first", "channel": "email", "sent_on": sent_on}


@pytest.fixture(scope="module")
def accountant(api: Api, book: Book) -> Iterator[httpx.Client]:
    with closing(person(api, "accountant", "lea.rapports")) as client:
        yield client


def euros(*amounts: str) -> list[str]:
    return [money(Decimal(amount)) for amount in amounts]


def row_of(page: str, name: str) -> list[str]:
    """The figures of the table row headed ``name`` (a link to a debtor or an invoice, or « Total »)."""
    head = re.escape(html.escape(name))
    found = re.search(rf"<tr>\s*<th scope=\"row\"><a [^>]*>{head}</a></th>(.*?)</tr>", page, re.S)
    found = found or re.search(rf"<tr><td>{head}</td>(.*?)</tr>", page, re.S)
    assert found, f"no row {name!r}"
    return [html.unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]


def sheet_rows(content: bytes, number: int = 1) -> list[list[object]]:
    """A worksheet's cells, row by row, read from the XLSX's XML: text as str, numbers as Decimal."""
    with zipfile.ZipFile(io.BytesIO(content)) as workbook:
        strings = [
            "".join(t.text or "" for t in item.iter(f"{SHEET}t"))
            for item in ElementTree.fromstring(workbook.read("xl/sharedStrings.xml")).iter(f"{SHEET}si")
        ]
        sheet = ElementTree.fromstring(workbook.read(f"xl/worksheets/sheet{number}.xml"))
    rows = []
    for row in sheet.iter(f"{SHEET}row"):
        cells: list[object] = []
        for cell in row.iter(f"{SHEET}c"):
            value = cell.findtext(f"{SHEET}v")
            kind = cell.get("t")
            cells.append(None if value is None else strings[int(value)] if kind == "s" else Decimal(value))
        rows.append(cells)
    return rows


# ------------------------------------------------------------ aged balance


def test_the_aged_balance_names_each_debtor_with_its_tranches_largest_first(accountant: httpx.Client) -> None:
    page = accountant.get("/rapports", params={"date": TODAY})

    assert page.status_code == 200, page.text
    assert "Balance âgée au 15/06/2026" in page.text
    assert row_of(page.text, ETOILE) == [*euros(*ETOILE_ROW), "8"]
    assert row_of(page.text, BLEUE) == [*euros(*BLEUE_ROW), "1"]
    assert row_of(page.text, "Total") == [*euros(*TOTAL_ROW), "9"]
    assert page.text.index(ETOILE) < page.text.index(html.escape(BLEUE))
    assert SOLDEE not in page.text  # paid in full in May: nothing owed on the date


def test_the_aged_balance_of_an_earlier_date_ages_the_invoices_of_that_date(accountant: httpx.Client) -> None:
    page = accountant.get("/rapports", params={"date": "2026-05-16"})  # 30 days earlier, the ISO form too

    assert page.status_code == 200
    assert "Balance âgée au 16/05/2026" in page.text
    # each invoice 30 days younger; the one issued on 26/05 not yet there; Soldée's, paid on 01/05, not owed
    assert row_of(page.text, ETOILE) == [*euros("260.00", "360.00", "400.00", "500.00", "0.00", "1520.00"), "7"]
    assert SOLDEE not in page.text


def test_the_page_draws_the_tranches_as_an_svg_chart_with_a_text_alternative(accountant: httpx.Client) -> None:
    page = accountant.get("/rapports", params={"date": TODAY}).text

    chart = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in chart and 'aria-labelledby="balance-agee-titre balance-agee-desc"' in chart
    assert '<title id="balance-agee-titre">Balance âgée au 15/06/2026, par tranche de retard</title>' in chart
    assert f"&gt; 90 j : {money(Decimal('500.00'))}" in chart
    assert chart.count("<rect") == 5
    assert_no_inline_code(page)


def test_a_debtor_row_opens_its_invoices_with_their_tranche(api: Api, accountant: httpx.Client, book: Book) -> None:
    listing = accountant.get("/rapports", params={"date": TODAY}).text
    assert f'href="/rapports/balance-agee/{book.etoile}?date=15%2F06%2F2026&amp;base=valeur"' in listing

    page = accountant.get(f"/rapports/balance-agee/{book.etoile}", params={"date": TODAY})

    assert page.status_code == 200, page.text
    assert f"{ETOILE} : balance âgée au 15/06/2026" in page.text
    for days, amount in ETOILE_INVOICES:
        cells = row_of(page.text, book.invoices[days])
        assert cells[2] == (f"{days} j" if days > 0 else "-")
        assert cells[3] == html.unescape(TRANCHES[days])
        assert cells[4:] == euros(amount, amount)
    assert row_of(page.text, "Total")[-1] == money(Decimal("1620.00"))
    assert "<svg" in page.text


def test_the_drill_down_shows_what_is_left_after_a_partial_payment(accountant: httpx.Client, book: Book) -> None:
    page = accountant.get(f"/rapports/balance-agee/{book.bleue}", params={"date": TODAY}).text

    assert "Factures (1)" in page
    assert money(Decimal("1000.00")) in page and row_of(page, "Total") == [money(Decimal("750.00"))]


def test_an_unknown_debtor_has_no_drill_down(accountant: httpx.Client) -> None:
    page = accountant.get("/rapports/balance-agee/00000000-0000-4000-8000-000000000000")
    assert page.status_code == 404 and "Page introuvable" in page.text


@pytest.mark.parametrize(
    ("typed", "message"),
    [("31/02/2026", "Date invalide"), ("15/06/26", "Écrivez l'année en entier"), ("demain", "Date invalide")],
)
def test_a_wrong_date_is_shown_beside_its_field(accountant: httpx.Client, typed: str, message: str) -> None:
    page = accountant.get("/rapports", params={"date": typed})

    assert page.status_code == 422
    assert 'aria-invalid="true" aria-describedby="date-erreur"' in page.text
    assert message in html.unescape(page.text.split('id="date-erreur">')[1].split("</span>")[0])
    assert f'value="{html.escape(typed)}"' in page.text  # what was typed stays in the field
    assert 'href="/rapports/balance-agee.csv?date=15%2F06%2F2026&amp;base=valeur"' in page.text  # what is shown


def test_the_reading_as_known_shows_only_what_the_ledger_held_that_evening(accountant: httpx.Client) -> None:
    by_value_date = accountant.get("/rapports", params={"date": "16/05/2026"}).text
    as_known = accountant.get("/rapports", params={"date": "16/05/2026", "base": "connu"}).text

    assert ETOILE in by_value_date  # invoices issued by then, though recorded on 15/06
    assert ETOILE not in as_known and "Rien n'était dû à cette date." in as_known
    assert '<option value="connu" selected>' in as_known and "tel que connu le soir de cette date" in as_known


# ------------------------------------------------------------- downloads


def test_the_aged_balance_csv_is_for_a_french_excel_with_the_same_totals(accountant: httpx.Client) -> None:
    answer = accountant.get("/rapports/balance-agee.csv", params={"date": TODAY})

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == 'attachment; filename="balance-agee-2026-06-15.csv"'
    assert answer.content.startswith(b"\xef\xbb\xbf")
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Débiteur;Non échu;1-30 jours;31-60 jours;61-90 jours;Plus de 90 jours;Total;Factures"
    comma = [amount.replace(".", ",") for amount in ETOILE_ROW]
    assert f"{ETOILE};{';'.join(comma)};8" in lines
    assert lines[-1] == f"Total;{';'.join(a.replace('.', ',') for a in TOTAL_ROW)};9"


def test_the_aged_balance_xlsx_holds_real_numbers_under_a_frozen_header(accountant: httpx.Client) -> None:
    answer = accountant.get("/rapports/balance-agee.xlsx", params={"date": TODAY})

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert answer.headers["content-disposition"] == 'attachment; filename="balance-agee-2026-06-15.xlsx"'
    rows = sheet_rows(answer.content)
    assert rows[0][:2] == ["Débiteur", "Non échu"]
    assert [ETOILE, *(Decimal(a) for a in ETOILE_ROW), Decimal(8)] in rows
    assert rows[-1] == ["Total", *(Decimal(a) for a in TOTAL_ROW), Decimal(9)]
    with zipfile.ZipFile(io.BytesIO(answer.content)) as workbook:
        sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
        styles = workbook.read("xl/styles.xml").decode()
    assert 'state="frozen"' in sheet and 'ySplit="1"' in sheet
    assert "#,##0.00\\ &quot;€&quot;" in styles


def test_the_drill_down_downloads_name_the_debtor_and_keep_dates_as_dates(accountant: httpx.Client, book: Book) -> None:
    csv_answer = accountant.get(f"/rapports/balance-agee/{book.etoile}.csv", params={"date": TODAY})
    xlsx_answer = accountant.get(f"/rapports/balance-agee/{book.etoile}.xlsx", params={"date": TODAY})

    name = "balance-agee-boulangerie-etoile-sarl-2026-06-15"
    assert csv_answer.headers["content-disposition"] == f'attachment; filename="{name}.csv"'
    assert xlsx_answer.headers["content-disposition"] == f'attachment; filename="{name}.xlsx"'
    lines = csv_answer.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Facture;Émise le;Échéance;Jours de retard;Tranche;Montant TTC;Reste dû"
    assert f"{book.invoices[45]};01/04/2026;01/05/2026;45;31-60 jours;300,00;300,00" in lines
    assert lines[-1] == "Total;;;;;1620,00;1620,00"
    row = next(r for r in sheet_rows(xlsx_answer.content) if r[0] == book.invoices[45])
    excel_day = (date(2026, 5, 1) - date(1899, 12, 30)).days
    assert row[2:] == [Decimal(excel_day), Decimal(45), "31-60 jours", Decimal(300), Decimal(300)]


# ---------------------------------------------------- DSO and effectiveness


def test_dso_and_effectiveness_come_month_by_month_for_the_last_twelve_months(
    api: Api, accountant: httpx.Client
) -> None:
    page = accountant.get("/rapports/dso-efficacite")

    assert page.status_code == 200, page.text
    assert "du 01/07/2025 au 15/06/2026" in page.text
    dso, effectiveness = section(page.text, "dso-mois"), section(page.text, "efficacite-mois")
    months = re.findall(r'<tr>\s*<th scope="row" class="month">([a-zéû]+ \d{4})', dso)
    assert months[0] == "juillet 2025" and months[-1] == "juin 2026" and len(months) == 12
    may = api.get("accountant", "/v1/reports/dso", **{"from": "2026-05-01", "to": "2026-05-31"}).json()
    assert row_of_month(dso, "mai 2026") == [
        f"{number(Decimal(may['dso']), 1)} j",
        f"{number(Decimal(may['countback_dso']), 1)} j",
        *euros(may["receivables_at_end"], may["credit_sales"]),
    ]
    assert row_of_month(effectiveness, "mai 2026") == ["1", "0,0\u00a0%", "-"]  # 26/05: unpaid 15 days on
    assert row_of_month(effectiveness, "avril 2026") == ["1", "100,0\u00a0%", "100,0\u00a0%"]  # paid 5 days on


def section(page: str, ident: str) -> str:
    return page.split(f'id="{ident}"')[1].split("</section>")[0]


def row_of_month(page: str, month: str) -> list[str]:
    found = re.search(rf'<tr>\s*<th scope="row" class="month">{month}.*?</th>(.*?)</tr>', page, re.S)
    assert found, month
    return [html.unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]


def test_the_series_are_charted_as_lines_with_labelled_axes(accountant: httpx.Client) -> None:
    page = accountant.get("/rapports/dso-efficacite", params={"du": "01/01/2026", "au": "31/05/2026"}).text

    assert page.count("<svg") == 2 and " style=" not in page
    assert '<title id="dso-titre">DSO mois par mois, du 01/01/2026 au 31/05/2026</title>' in page
    assert '<title id="efficacite-titre">' in page and "% des relances" in page and ">jours</text>" in page
    assert '>janv.<tspan x="' in page and '">2026</tspan></text>' in page  # the year below the first month
    assert all(f">{month}</text>" in page for month in ["févr.", "mars", "avr.", "mai"])
    assert "<polyline" in page and "payées sous 30 jours" in page


def test_the_effectiveness_by_stage_is_the_reports_own(accountant: httpx.Client) -> None:
    page = accountant.get("/rapports/dso-efficacite", params={"du": "01/04/2026", "au": TODAY}).text

    stage = re.search(r"<th scope=\"row\">Première relance</th><td>e-mail</td>(.*?)</tr>", page, re.S)
    assert stage, page
    cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", stage.group(1), re.S)]
    assert cells == ["2", "1", "50,0\u00a0%", "100,0\u00a0%", "5,0 j"]


def test_a_period_that_ends_before_it_starts_is_refused_beside_its_field(accountant: httpx.Client) -> None:
    page = accountant.get("/rapports/dso-efficacite", params={"du": "01/06/2026", "au": "01/05/2026"})
    assert page.status_code == 422 and "La période commence après sa fin." in page.text
    download = accountant.get("/rapports/dso-efficacite.csv", params={"du": "01/06/2026", "au": "01/05/2026"})
    assert download.status_code == 422 and "La période commence après sa fin." in download.text


def test_the_series_downloads_hold_one_line_per_month(accountant: httpx.Client) -> None:
    params = {"du": "01/04/2026", "au": TODAY}
    answer = accountant.get("/rapports/dso-efficacite.csv", params=params)
    workbook = accountant.get("/rapports/dso-efficacite.xlsx", params=params)

    name = "dso-efficacite-2026-04-01-2026-06-15"
    assert answer.headers["content-disposition"] == f'attachment; filename="{name}.csv"'
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert answer.content.startswith(b"\xef\xbb\xbf") and len(lines) == 4
    assert lines[1].startswith("avril 2026;01/04/2026;30/04/2026;") and lines[1].endswith(";1;100,0;100,0")
    assert lines[3].startswith("juin 2026;01/06/2026;15/06/2026;")
    rows = sheet_rows(workbook.content)
    assert [r[0] for r in rows] == ["Mois", "avril 2026", "mai 2026", "juin 2026"]
    assert rows[1][-2:] == [Decimal(1), Decimal(1)]  # shares as fractions, shown as 100,0 % by the format
    assert sheet_rows(workbook.content, 2)[1][:4] == ["Première relance", "e-mail", Decimal(2), Decimal(1)]


# --------------------------------------------------------------- access


def test_a_collector_is_refused_every_report_page_and_file(api: Api, book: Book) -> None:
    with closing(person(api, "collector", "nina.collecte")) as client:
        assert 'href="/rapports"' not in client.get("/").text
        for path in ["/rapports", f"/rapports/balance-agee/{book.etoile}", "/rapports/balance-agee.csv",
                     f"/rapports/balance-agee/{book.etoile}.xlsx", "/rapports/dso-efficacite",
                     "/rapports/dso-efficacite.xlsx"]:  # fmt: skip
            page = client.get(path)
            assert page.status_code == 403, path
            assert "Accès refusé" in page.text and ETOILE not in page.text


@pytest.mark.parametrize("role", ["manager", "auditor", "admin"])
def test_managers_auditors_and_admins_read_the_reports_too(api: Api, book: Book, role: str) -> None:
    with closing(person(api, role, f"{role}.rapports")) as client:
        assert 'href="/rapports"' in client.get("/").text
        assert client.get("/rapports").status_code == 200


def test_figures_the_projections_have_not_caught_up_with_are_announced(api: Api, accountant: httpx.Client) -> None:
    api.invoice(amount="42.00", days_overdue=3)  # after the others: the totals above stay as they are

    lagging = accountant.get("/rapports", params={"date": TODAY}).text
    assert "n'incluent pas encore les" in lagging and "Total (9 factures)" in lagging
    api.services.read_models.catch_up()
    caught_up = accountant.get("/rapports", params={"date": TODAY}).text
    assert "n'incluent pas encore" not in caught_up and "Total (10 factures)" in caught_up


def test_as_days_pass_the_invoices_move_to_older_tranches(api: Api, book: Book) -> None:
    api.advance(20)  # last in this module: the clock moves on to 05/07/2026 (and yesterday's sessions end)

    with closing(person(api, "accountant", "lea.rapports")) as accountant:
        today = accountant.get("/rapports").text
        before = accountant.get("/rapports", params={"date": TODAY}).text

    assert "Balance âgée au 05/07/2026" in today
    assert row_of(today, ETOILE) == [*euros("0.00", "110.00", "310.00", "300.00", "900.00", "1620.00"), "8"]
    assert row_of(before, ETOILE) == [*euros(*ETOILE_ROW), "8"]
