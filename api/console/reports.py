"""Rapports: the aged balance per debtor with its drill-down, DSO and collection effectiveness month by month,
each charted and downloadable (CSV for a French Excel, XLSX).

Every figure comes from the read models the API's /v1/reports answers from (``services.read_models``); this
module only chooses the dates, names the debtors and lays the figures out.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from api import formats
from api.bootstrap import ConsoleSession, ReadModels, Services
from api.console import charts
from api.console.report_files import Column, Kind, Sheet, file_of
from api.console.web import ConsoleRefusal, render, requiring, services_of
from api.http.routers.reports import EARLIEST, LATEST
from application.access import REPORTING
from application.deposit_list import KIND_LABELS, parse_day, two_digit_year
from application.projections import money
from application.reports import BUCKETS, AgedBalance, AgedReceivable, Basis, Bucket, Dso, Effectiveness

router = APIRouter(include_in_schema=False)
Reporter = Annotated[ConsoleSession, Depends(requiring(REPORTING))]
Extension = Literal["csv", "xlsx"]
DayText = Annotated[str | None, Query(alias="date")]
BasisText = Annotated[str | None, Query(alias="base")]

SHOWN_DEBTORS = 200  # on the page; the downloads hold every debtor
MOST_MONTHS = 36
BUCKET_LABELS = {
    Bucket.NOT_YET_DUE: "Non échu",
    Bucket.DAYS_1_30: "1–30 j",
    Bucket.DAYS_31_60: "31–60 j",
    Bucket.DAYS_61_90: "61–90 j",
    Bucket.OVER_90: "> 90 j",
}
BUCKET_HEADERS = {  # in the files: no narrow signs a spreadsheet might mangle
    Bucket.NOT_YET_DUE: "Non échu",
    Bucket.DAYS_1_30: "1-30 jours",
    Bucket.DAYS_31_60: "31-60 jours",
    Bucket.DAYS_61_90: "61-90 jours",
    Bucket.OVER_90: "Plus de 90 jours",
}
BASES = {"valeur": Basis.BY_VALUE_DATE, "connu": Basis.AS_KNOWN}
BASIS_LABELS = {
    Basis.BY_VALUE_DATE: "par date de valeur (paiements et avoirs à leur date de valeur, même saisis plus tard)",
    Basis.AS_KNOWN: "tel que connu le soir de cette date (ce qui était saisi ce jour-là)",
}
STAGE_LABELS = {  # the effectiveness report's stages, named as the documents are everywhere
    "courtesy": KIND_LABELS["courtesy"],
    "first": KIND_LABELS["first_reminder"],
    "second": KIND_LABELS["second_reminder"],
    "formal_notice": KIND_LABELS["formal_notice"],
}
CHANNEL_LABELS = {
    "email": "e-mail",
    "letter": "lettre simple",
    "sms": "SMS",
    "registered_letter": "recommandé avec AR",
    "electronic_registered_letter": "LRE",
    "bailiff": "commissaire de justice",
}
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
    "décembre",
)  # fmt: skip
SHORT_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
BAD_DAY = "Date invalide : écrivez-la jj/mm/aaaa (par exemple 15/06/2026)."
FAR_DAY = "Écrivez l'année en entier : jj/mm/aaaa (par exemple 15/06/2026)."


# ------------------------------------------------------------------ the form


@dataclass
class Asked:
    """What the form asked, as typed (to show it back), what it means, and what was wrong with it."""

    typed: dict[str, str]
    errors: dict[str, str]

    def day(self, name: str, text: str | None, default: date) -> date:
        self.typed[name] = (text or "").strip() or formats.day(default)
        if text is None or not text.strip():
            return default
        if two_digit_year(text):
            self.errors[name] = FAR_DAY
            return default
        try:
            found = parse_day(text)
        except ValueError:
            self.errors[name] = BAD_DAY
            return default
        if not EARLIEST <= found <= LATEST:
            self.errors[name] = FAR_DAY
            return default
        return found

    def basis(self, text: str | None) -> Basis:
        self.typed["base"] = text if text in BASES else "valeur"
        if text is not None and text not in BASES:
            self.errors["base"] = "Lecture inconnue : choisissez l'une des deux proposées."
        return BASES.get(text or "valeur", Basis.BY_VALUE_DATE)

    def refuse_if_wrong(self) -> None:
        """For a download: a wrong date is an error page (the form that sent it shows it beside the field)."""
        if self.errors:
            raise ConsoleRefusal(422, "Saisie invalide", " ".join(self.errors.values()))


def asked() -> Asked:
    return Asked({}, {})


def read_models(services: Services) -> ReadModels:
    if services.read_models is None:  # pragma: no cover - build_services always builds them
        raise ConsoleRefusal(503, "Rapports indisponibles", "Les rapports ne sont pas disponibles sur ce serveur.")
    return services.read_models


def behind(services: Services, position: int) -> int:
    """How many notifications of the journal the read models had not applied yet (0: up to date)."""
    return max(0, (services.ledger.recorder.max_notification_id() or 0) - position)


def name_of(services: Services, debtor_id: UUID) -> str:
    return services.ledger.debtor(debtor_id).legal_name or "[effacé]"


def slug(text: str) -> str:
    """``Menuiserie Émile SARL`` → ``menuiserie-emile-sarl``: a file name without accents or spaces."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(c if c.isalnum() else " " for c in ascii_text).split()
    return "-".join(words)[:60].strip("-") or "debiteur"


# ------------------------------------------------------------ aged balance


@dataclass(frozen=True)
class DebtorLine:
    debtor_id: UUID
    name: str
    amounts: list[Decimal]  # per bucket, BUCKETS order
    total: Decimal
    receivables: int


def aged_lines(services: Services, report: AgedBalance, limit: int | None = None) -> list[DebtorLine]:
    return [
        DebtorLine(
            line.debtor_id, name_of(services, line.debtor_id), [money(line.amounts[b]) for b in BUCKETS],
            money(line.total), line.receivables,
        )
        for line in report.debtors[:limit]
        if line.debtor_id is not None
    ]  # fmt: skip


def aged_chart(amounts: list[Decimal], as_of: date, ident: str) -> Markup:
    parts = ", ".join(f"{BUCKET_LABELS[b]} : {formats.money(a)}" for b, a in zip(BUCKETS, amounts, strict=True))
    return charts.bar_chart(
        [(BUCKET_LABELS[b], a) for b, a in zip(BUCKETS, amounts, strict=True)],
        ident=ident,
        title=f"Balance âgée au {formats.day(as_of)}, par tranche de retard",
        description=f"Montants restant dus par tranche : {parts}.",
        label=lambda value: formats.money(Decimal(value)),
        axis=lambda value: f"{formats.number(Decimal(str(value)), 0)}{formats.SPACE}€",
    )


def _query(**values: str) -> str:
    return urlencode({k: v for k, v in values.items() if v})


def shown(as_of: date, basis: Basis) -> str:
    """The query of the figures shown (not of a wrong date typed): for the downloads and the drill-down."""
    return _query(date=formats.day(as_of), base=next(k for k, v in BASES.items() if v is basis))


@router.get("/rapports", response_class=HTMLResponse)
def aged_balance(request: Request, _: Reporter, day: DayText = None, base: BasisText = None) -> HTMLResponse:
    services = services_of(request)
    models = read_models(services)
    form = asked()
    as_of = form.day("date", day, models.ledger.now().today)
    basis = form.basis(base)
    report = models.aged_balance(as_of=as_of, basis=basis, by_debtor=True)
    totals = [money(report.total.amounts[b]) for b in BUCKETS]
    context = {
        "form": form, "as_of": as_of, "basis": basis, "basis_label": BASIS_LABELS[basis],
        "buckets": [BUCKET_LABELS[b] for b in BUCKETS], "totals": totals, "total": money(report.total.total),
        "owing": report.total.receivables, "lines": aged_lines(services, report, SHOWN_DEBTORS),
        "debtor_count": len(report.debtors), "chart": aged_chart(totals, as_of, "balance-agee"),
        "query": shown(as_of, basis), "behind": behind(services, report.position),
    }  # fmt: skip
    return render(request, "reports_aged.html.j2", context, status_code=422 if form.errors else 200)


AGED_COLUMNS = [
    Column("Débiteur", width=36), *(Column(BUCKET_HEADERS[b], Kind.MONEY) for b in BUCKETS),
    Column("Total", Kind.MONEY), Column("Factures", Kind.INTEGER, 10),
]  # fmt: skip


@router.get("/rapports/balance-agee.{extension}")
def aged_balance_file(
    request: Request, _: Reporter, extension: Extension, day: DayText = None, base: BasisText = None
) -> Response:
    services = services_of(request)
    models = read_models(services)
    form = asked()
    as_of = form.day("date", day, models.ledger.now().today)
    basis = form.basis(base)
    form.refuse_if_wrong()
    report = models.aged_balance(as_of=as_of, basis=basis, by_debtor=True)
    rows = [[line.name, *line.amounts, line.total, line.receivables] for line in aged_lines(services, report)]
    totals = ["Total", *(money(report.total.amounts[b]) for b in BUCKETS), money(report.total.total)]
    sheet = Sheet(f"Balance âgée {formats.day(as_of).replace('/', '-')}", AGED_COLUMNS, rows,
                  [*totals, report.total.receivables])  # fmt: skip
    return file_of(extension, [sheet], f"balance-agee-{as_of.isoformat()}")


# ------------------------------------------------------------- drill-down


@dataclass(frozen=True)
class DebtorInvoices:
    form: Asked
    name: str
    invoices: list[AgedReceivable]
    as_of: date
    basis: Basis
    behind: int


def debtor_invoices(request: Request, debtor_id: UUID, day: str | None, base: str | None) -> DebtorInvoices:
    services = services_of(request)
    models = read_models(services)
    name = name_of(services, debtor_id)  # an unknown debtor: the 404 page
    form = asked()
    as_of = form.day("date", day, models.ledger.now().today)
    basis = form.basis(base)
    invoices, position = models.aged_receivables(debtor_id=debtor_id, as_of=as_of, basis=basis)
    return DebtorInvoices(form, name, invoices, as_of, basis, behind(services, position))


INVOICE_COLUMNS = [
    Column("Facture", width=18), Column("Émise le", Kind.DATE, 12), Column("Échéance", Kind.DATE, 12),
    Column("Jours de retard", Kind.INTEGER, 10), Column("Tranche", width=16), Column("Montant TTC", Kind.MONEY),
    Column("Reste dû", Kind.MONEY),
]  # fmt: skip


@router.get("/rapports/balance-agee/{debtor_id}.{extension}")
def debtor_file(
    request: Request, _: Reporter, debtor_id: UUID, extension: Extension, day: DayText = None, base: BasisText = None
) -> Response:
    found = debtor_invoices(request, debtor_id, day, base)
    found.form.refuse_if_wrong()
    invoices = found.invoices
    rows = [
        [i.invoice_number, i.issue_date, i.due_date, max(0, i.days_past_due), BUCKET_HEADERS[i.bucket],
         money(i.amount), money(i.owed)]
        for i in invoices
    ]  # fmt: skip
    totals = ["Total", None, None, None, None, money(sum(i.amount for i in invoices)),
              money(sum(i.owed for i in invoices))]  # fmt: skip
    sheet = Sheet(found.name, INVOICE_COLUMNS, rows, totals)
    return file_of(extension, [sheet], f"balance-agee-{slug(found.name)}-{found.as_of.isoformat()}")


@router.get("/rapports/balance-agee/{debtor_id}", response_class=HTMLResponse)
def debtor_page(
    request: Request, _: Reporter, debtor_id: UUID, day: DayText = None, base: BasisText = None
) -> HTMLResponse:
    found = debtor_invoices(request, debtor_id, day, base)
    form, invoices = found.form, found.invoices
    by_bucket = [money(sum(i.owed for i in invoices if i.bucket is b)) for b in BUCKETS]
    context = {
        "form": form, "debtor_id": debtor_id, "name": found.name, "as_of": found.as_of,
        "basis_label": BASIS_LABELS[found.basis], "invoices": invoices, "labels": BUCKET_LABELS,
        "buckets": [BUCKET_LABELS[b] for b in BUCKETS], "by_bucket": by_bucket,
        "total": money(sum(i.owed for i in invoices)), "cents": money, "behind": found.behind,
        "query": shown(found.as_of, found.basis), "chart": aged_chart(by_bucket, found.as_of, "balance-debiteur"),
    }  # fmt: skip
    return render(request, "reports_debtor.html.j2", context, status_code=422 if form.errors else 200)


# ----------------------------------------------------- DSO and effectiveness


@dataclass(frozen=True)
class Month:
    """One point of the series: the DSO of the month (up to the range's end) and what followed its steps."""

    start: date
    end: date
    dso: Dso
    steps: Effectiveness  # every stage and channel together

    @property
    def label(self) -> str:
        return f"{MONTHS[self.start.month - 1]} {self.start.year}"

    def short(self, first: bool) -> str:
        """``juil.``, with the year below on the first point and each January: ``janv.\\n2026``."""
        shown = SHORT_MONTHS[self.start.month - 1]
        return f"{shown}\n{self.start.year}" if first or self.start.month == 1 else shown

    @property
    def partial(self) -> bool:
        return self.start.day != 1 or (self.end + timedelta(days=1)).day != 1

    @property
    def cut(self) -> str:
        """Where the range cuts the month: ``jusqu'au 15/06/2026``, ``depuis le 10/01/2026``, or both."""
        if self.start.day != 1 and (self.end + timedelta(days=1)).day != 1:
            return f"du {formats.day(self.start)} au {formats.day(self.end)}"
        return f"depuis le {formats.day(self.start)}" if self.start.day != 1 else f"jusqu'au {formats.day(self.end)}"


def months(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar months from ``start`` to ``end``, the first and last cut to them."""
    periods = []
    first = start.replace(day=1)
    while first <= end:
        following = (first + timedelta(days=32)).replace(day=1)
        periods.append((max(first, start), min(end, following - timedelta(days=1))))
        first = following
    return periods


def together(lines: list[Effectiveness]) -> Effectiveness:
    """Every stage and channel as one: its shares are the report's own (``Effectiveness.share_within_*``)."""
    return Effectiveness(
        stage="all", channel="all", receivables=sum(e.receivables for e in lines),
        settled=sum(e.settled for e in lines), eligible_15=sum(e.eligible_15 for e in lines),
        paid_within_15=sum(e.paid_within_15 for e in lines), eligible_30=sum(e.eligible_30 for e in lines),
        paid_within_30=sum(e.paid_within_30 for e in lines), median_days_to_pay=None,
    )  # fmt: skip


def series(models: ReadModels, start: date, end: date) -> list[Month]:
    today = models.ledger.now().today
    found = []
    for first, last in months(start, end):
        lines, _ = models.effectiveness(as_of=today, start=first, end=last)
        found.append(Month(first, last, models.dso(start=first, end=last), together(lines)))
    return found


def period(request: Request, start_text: str | None, end_text: str | None) -> tuple[Asked, date, date]:
    today = read_models(services_of(request)).ledger.now().today
    form = asked()
    end = form.day("au", end_text, today)
    default_start = (end.replace(day=1) - timedelta(days=335)).replace(day=1)  # 12 months with the end's
    start = form.day("du", start_text, default_start)
    if "du" not in form.errors and "au" not in form.errors:
        if start > end:
            form.errors["du"] = "La période commence après sa fin."
        elif len(months(start, end)) > MOST_MONTHS:
            form.errors["du"] = f"{MOST_MONTHS} mois au plus : raccourcissez la période."
    if form.errors:
        start, end = default_start, today
    return form, start, end


def _one_place(value: Decimal | None) -> str:
    return "-" if value is None else formats.number(value, 1)


def _share(value: Decimal | None) -> str:
    return "-" if value is None else _percent(value * 100)


def trend_charts(points: list[Month]) -> tuple[Markup, Markup]:
    labels = [p.short(first=index == 0) for index, p in enumerate(points)]
    first, last = formats.day(points[0].start), formats.day(points[-1].end)
    dso = charts.line_chart(
        labels,
        [charts.Series("DSO moyen", [p.dso.dso for p in points]),
         charts.Series("DSO par épuisement", [p.dso.countback_dso for p in points])],
        ident="dso", title=f"DSO mois par mois, du {first} au {last}",
        description="Délai moyen de paiement en jours, par mois, selon la méthode moyenne et la méthode par "
        "épuisement ; les chiffres sont dans le tableau qui suit.",
        label=lambda v: f"{formats.number(Decimal(v), 1)} jours",
        axis=lambda v: formats.number(Decimal(str(v)), 0), axis_title="jours",
    )  # fmt: skip
    effectiveness = charts.line_chart(
        labels,
        [charts.Series("payées sous 15 jours", [_hundred(p.steps.share_within_15) for p in points]),
         charts.Series("payées sous 30 jours", [_hundred(p.steps.share_within_30) for p in points])],
        ident="efficacite", title=f"Efficacité du recouvrement, du {first} au {last}",
        description="Part des relances du mois suivies du paiement de la facture sous 15 et 30 jours ; les "
        "chiffres sont dans le tableau qui suit.",
        label=_percent, axis=lambda v: f"{formats.number(Decimal(str(v)), 0)} %", axis_title="% des relances",
        span=(0, 100),
    )  # fmt: skip
    return dso, effectiveness


def _percent(value: Any) -> str:
    """``45,6 %``: a share in percent, one place."""
    return f"{formats.number(Decimal(str(value)), 1)}{formats.SPACE}%"


def _hundred(value: Decimal | None) -> Decimal | None:
    return None if value is None else value * 100


@router.get("/rapports/dso-efficacite", response_class=HTMLResponse)
def trends(
    request: Request,
    _: Reporter,
    start: Annotated[str | None, Query(alias="du")] = None,
    end: Annotated[str | None, Query(alias="au")] = None,
) -> HTMLResponse:
    services = services_of(request)
    models = read_models(services)
    form, first, last = period(request, start, end)
    points = series(models, first, last)
    stages, position = models.effectiveness(as_of=models.ledger.now().today, start=first, end=last)
    dso_chart, effectiveness_chart = trend_charts(points)
    context = {
        "form": form, "first": first, "last": last, "points": points, "stages": stages,
        "stage_labels": STAGE_LABELS, "channel_labels": CHANNEL_LABELS, "one_place": _one_place, "share": _share,
        "cents": money, "dso_chart": dso_chart, "effectiveness_chart": effectiveness_chart,
        "query": _query(du=formats.day(first), au=formats.day(last)), "behind": behind(services, position),
    }  # fmt: skip
    return render(request, "reports_trends.html.j2", context, status_code=422 if form.errors else 200)


TREND_COLUMNS = [
    Column("Mois", width=16), Column("Du", Kind.DATE, 12), Column("Au", Kind.DATE, 12),
    Column("DSO moyen (jours)", Kind.DAYS), Column("DSO par épuisement (jours)", Kind.DAYS),
    Column("Encours en fin de période", Kind.MONEY, 18), Column("Ventes à crédit", Kind.MONEY, 18),
    Column("Relances envoyées", Kind.INTEGER), Column("Payées sous 15 jours (%)", Kind.SHARE),
    Column("Payées sous 30 jours (%)", Kind.SHARE),
]  # fmt: skip
STAGE_COLUMNS = [
    Column("Étape", width=22), Column("Canal", width=20), Column("Relances", Kind.INTEGER),
    Column("Soldées depuis", Kind.INTEGER), Column("Payées sous 15 jours (%)", Kind.SHARE),
    Column("Payées sous 30 jours (%)", Kind.SHARE), Column("Délai médian de paiement (jours)", Kind.DAYS),
]  # fmt: skip


@router.get("/rapports/dso-efficacite.{extension}")
def trends_file(
    request: Request,
    _: Reporter,
    extension: Extension,
    start: Annotated[str | None, Query(alias="du")] = None,
    end: Annotated[str | None, Query(alias="au")] = None,
) -> Response:
    models = read_models(services_of(request))
    form, first, last = period(request, start, end)
    form.refuse_if_wrong()
    points = series(models, first, last)
    rows = [
        [p.label, p.start, p.end, p.dso.dso, p.dso.countback_dso, money(p.dso.receivables_at_end),
         money(p.dso.credit_sales), p.steps.receivables, p.steps.share_within_15, p.steps.share_within_30]
        for p in points
    ]  # fmt: skip
    stages, _position = models.effectiveness(as_of=models.ledger.now().today, start=first, end=last)
    by_stage = [
        [STAGE_LABELS.get(e.stage, e.stage), CHANNEL_LABELS.get(e.channel, e.channel), e.receivables, e.settled,
         e.share_within_15, e.share_within_30, e.median_days_to_pay]
        for e in stages
    ]  # fmt: skip
    sheets = [Sheet("DSO et efficacité", TREND_COLUMNS, rows), Sheet("Par étape et canal", STAGE_COLUMNS, by_stage)]
    return file_of(extension, sheets, f"dso-efficacite-{first.isoformat()}-{last.isoformat()}")
