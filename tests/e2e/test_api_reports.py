"""/v1/reports and /v1/audit over HTTP: who may read them, JSON and CSV, filters, pages, and
the read models' position in /readyz."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.demo import demo_clock, load_demo
from infrastructure.projector import Projector
from tests.e2e.conftest import Api, assert_problem, postgres_settings, running_api, sqlite_settings

NOW = datetime(2026, 3, 18, 16, 45, tzinfo=UTC)  # the demo is recorded as if run at this instant
TODAY = date(2026, 3, 18)
REPORTS = ["/v1/reports/aged-balance", "/v1/reports/dso", "/v1/reports/effectiveness", "/v1/reports/credit-holds"]
BUCKETS = ["not_yet_due", "days_1_30", "days_31_60", "days_61_90", "over_90"]


@pytest.fixture(scope="module")
def demo_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The API on the embedded store holding the demo ledger as of NOW (read models in process)."""
    clock = demo_clock(NOW)
    with running_api(sqlite_settings(tmp_path_factory.mktemp("demo")), clock) as api:
        load_demo(api.services.ledger, clock, api.services.documents, now=NOW)
        yield api


def rows_of(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.text)))


def every_page(api: Api, role: str, **params: Any) -> list[dict[str, Any]]:
    """Follow the audit journal's ``next`` links from the first page to the last."""
    items: list[dict[str, Any]] = []
    response = api.get(role, "/v1/audit", **params)
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["next"] is None:
            assert page["next_after"] is None
            return items
        response = api.as_(role).get(page["next"])


# ------------------------------------------------------------------ access


@pytest.mark.parametrize("path", [*REPORTS, "/v1/audit"])
def test_reports_and_the_audit_journal_need_a_token(demo_api: Api, path: str) -> None:
    assert_problem(demo_api.anonymous().get(path), 401, None)


@pytest.mark.parametrize("role", ["manager", "accountant", "auditor", "admin"])
def test_managers_accountants_auditors_and_admins_read_the_reports(demo_api: Api, role: str) -> None:
    for path in REPORTS:
        assert demo_api.get(role, path).status_code == 200, (role, path)


def test_a_collector_reads_neither_the_reports_nor_the_audit_journal(demo_api: Api) -> None:
    for path in [*REPORTS, "/v1/audit"]:
        assert_problem(demo_api.get("collector", path), 403, None)


@pytest.mark.parametrize(("role", "status"), [("auditor", 200), ("manager", 200), ("admin", 200), ("accountant", 403)])
def test_the_audit_journal_is_for_auditors_managers_and_admins(demo_api: Api, role: str, status: int) -> None:
    assert demo_api.get(role, "/v1/audit").status_code == status


# ----------------------------------------------------------- aged balance


def test_the_aged_balance_by_debtor_adds_up_to_its_total_and_says_which_reading_it_is(demo_api: Api) -> None:
    response = demo_api.get("accountant", "/v1/reports/aged-balance", as_of="2026-02-28", by="debtor")

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["as_of"], report["basis"], report["currency"]) == ("2026-02-28", "by_value_date", "EUR")
    assert "value date" in report["basis_description"]
    assert report["buckets"] == BUCKETS
    for bucket in [*BUCKETS, "total"]:
        assert sum(Decimal(line[bucket]) for line in report["debtors"]) == Decimal(report["total"][bucket])
    assert Decimal(report["total"]["total"]) > 0
    assert report["position"] == demo_api.services.ledger.recorder.max_notification_id()


def test_the_aged_balance_as_csv_has_the_figures_of_the_json(demo_api: Api) -> None:
    params = {"as_of": "2026-01-31", "by": "debtor", "basis": "as_known"}
    report = demo_api.get("auditor", "/v1/reports/aged-balance", **params).json()

    by_format = rows_of(demo_api.get("auditor", "/v1/reports/aged-balance", format="csv", **params))
    by_accept = rows_of(
        demo_api.as_("auditor").get("/v1/reports/aged-balance", params=params, headers={"Accept": "text/csv"})
    )

    assert by_format == by_accept
    total = by_format[-1]
    assert (total["line"], total["as_of"], total["basis"]) == ("total", "2026-01-31", "as_known")
    assert {bucket: Decimal(total[bucket]) for bucket in BUCKETS} == {
        bucket: Decimal(report["total"][bucket]) for bucket in BUCKETS
    }
    assert [row["debtor_id"] for row in by_format[:-1]] == [line["debtor_id"] for line in report["debtors"]]


def test_the_aged_balance_csv_names_each_debtor_for_the_people_reading_it(demo_api: Api) -> None:
    names = {d["id"]: d["legal_name"] for d in demo_api.get("auditor", "/v1/debtors", limit=500).json()["items"]}

    rows = rows_of(demo_api.get("auditor", "/v1/reports/aged-balance", format="csv", by="debtor"))

    assert [row["debtor_name"] for row in rows[:-1]] == [names[row["debtor_id"]] for row in rows[:-1]]
    assert (rows[-1]["line"], rows[-1]["debtor_name"]) == ("total", "")


def test_the_two_readings_of_the_aged_balance_can_differ_on_the_same_date(demo_api: Api) -> None:
    answers = {
        basis: {
            day: demo_api.get("manager", "/v1/reports/aged-balance", as_of=day, basis=basis).json()["total"]["total"]
            for day in [(TODAY - timedelta(days=offset)).isoformat() for offset in range(0, 120)]
        }
        for basis in ("as_known", "by_value_date")
    }

    differing = [day for day in answers["as_known"] if answers["as_known"][day] != answers["by_value_date"][day]]
    assert differing, "the morning bank import records payments after their value date"


def test_a_payment_just_recorded_is_in_the_next_aged_balance(tmp_path: Path) -> None:
    with running_api(sqlite_settings(tmp_path)) as api:
        invoice = api.invoice(amount="1200.00", days_overdue=10)
        before = api.get("accountant", "/v1/reports/aged-balance").json()["total"]

        api.ok("accountant", f"/v1/receivables/{invoice['id']}/payments", api.payment_body("200.00"))
        after = api.get("accountant", "/v1/reports/aged-balance").json()["total"]

    assert (before["days_1_30"], before["receivables"]) == ("1200.00", 1)
    assert (after["days_1_30"], after["receivables"]) == ("1000.00", 1)


# -------------------------------------------------------------- other reports


def test_dso_states_its_period_formula_and_both_methods(demo_api: Api) -> None:
    report = demo_api.get("manager", "/v1/reports/dso", **{"from": "2025-12-19", "to": "2026-03-18"}).json()

    assert (report["from"], report["to"], report["days"]) == ("2025-12-19", "2026-03-18", 90)
    expected = (Decimal(report["receivables_at_end"]) / Decimal(report["credit_sales"]) * 90).quantize(Decimal("0.1"))
    assert Decimal(report["dso"]) == expected
    assert Decimal(report["countback_dso"]) > 0
    assert "countback" in report["formula"]
    (row,) = rows_of(demo_api.get("manager", "/v1/reports/dso", format="csv", **{"from": "2025-12-19"}))
    assert (row["from"], row["dso"]) == ("2025-12-19", report["dso"])


def test_collection_effectiveness_lists_each_stage_and_channel_with_its_shares(demo_api: Api) -> None:
    report = demo_api.get("manager", "/v1/reports/effectiveness").json()

    stages = [(item["stage"], item["channel"]) for item in report["items"]]
    assert ("first", "email") in stages and any(stage == "formal_notice" for stage, _ in stages)
    for item in report["items"]:
        assert item["paid_within_15"] <= item["eligible_15"] and item["paid_within_30"] <= item["eligible_30"]
        if item["eligible_30"]:
            assert Decimal(item["share_within_30"]) == round(Decimal(item["paid_within_30"]) / item["eligible_30"], 3)
    csv_rows = rows_of(demo_api.get("manager", "/v1/reports/effectiveness", format="csv"))
    assert [(r["stage"], r["channel"]) for r in csv_rows] == stages


def test_credit_holds_list_debtors_whose_overdue_exposure_passes_their_limit(demo_api: Api) -> None:
    report = demo_api.get("manager", "/v1/reports/credit-holds").json()

    assert report["as_of"] == TODAY.isoformat()
    assert report["items"], "the demo has debtors above their credit limit"
    for item in report["items"]:
        assert Decimal(item["overdue"]) > Decimal(item["credit_limit"])
        debtor = demo_api.get("manager", f"/v1/debtors/{item['debtor_id']}").json()
        assert Decimal(debtor["credit_limit"]["amount"]) == Decimal(item["credit_limit"])


@pytest.mark.parametrize(
    ("path", "params", "rule"),
    [
        ("/v1/reports/aged-balance", {"as_of": "1800-01-01"}, "date_range"),
        ("/v1/reports/aged-balance", {"basis": "whenever"}, None),
        ("/v1/reports/aged-balance", {"currency": "euro"}, None),
        ("/v1/reports/dso", {"from": "2026-03-01", "to": "2026-02-01"}, "period_order"),
        ("/v1/reports/dso", {"to": "9999-12-31"}, "date_range"),
        ("/v1/audit", {"limit": "0"}, None),
        ("/v1/audit", {"debtor_id": "not-a-uuid"}, None),
    ],
)
def test_invalid_report_parameters_are_refused_with_422(
    demo_api: Api, path: str, params: dict[str, str], rule: str | None
) -> None:
    assert_problem(demo_api.get("admin", path, **params), 422, rule)


# ------------------------------------------------------------------- audit


def test_the_audit_journal_pages_through_every_event_in_order(demo_api: Api) -> None:
    items = every_page(demo_api, "auditor", limit=40)

    ids = [item["notification_id"] for item in items]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert len(items) == demo_api.services.ledger.recorder.max_notification_id()


def test_the_audit_journal_filters_by_actor_type_debtor_and_period(demo_api: Api) -> None:
    everything = every_page(demo_api, "auditor", limit=1000)
    debtor = next(item["debtor_id"] for item in everything if item["event_type"] == "PaymentReceived")

    payments = every_page(demo_api, "auditor", type="PaymentReceived", actor="bank-import", limit=5)
    of_debtor = every_page(demo_api, "auditor", debtor_id=debtor, limit=1000)
    in_january = every_page(demo_api, "auditor", limit=1000, **{"from": "2026-01-01", "to": "2026-01-31"})

    assert payments == [i for i in everything if i["event_type"] == "PaymentReceived" and i["actor"] == "bank-import"]
    assert payments and of_debtor and in_january
    assert of_debtor == [i for i in everything if i["debtor_id"] == debtor]
    paris = demo_api.services.ledger.timezone
    assert in_january == [
        i
        for i in everything
        if datetime.fromisoformat(i["recorded_at"]).astimezone(paris).strftime("%Y-%m") == "2026-01"
    ]


def test_the_audit_journal_exports_every_matching_entry_as_csv_without_personal_data(demo_api: Api) -> None:
    rows = rows_of(demo_api.get("auditor", "/v1/audit", format="csv", type="ContactAdded"))
    everything = rows_of(demo_api.get("auditor", "/v1/audit", format="csv"))

    assert rows and all(row["summary"] == "contact added" for row in rows)
    assert len(everything) == demo_api.services.ledger.recorder.max_notification_id()
    debtors = demo_api.get("admin", "/v1/debtors", limit=500).json()["items"]
    contacts = [contact for debtor in debtors for contact in debtor["contacts"]]
    names = {c["name"] for c in contacts} | {c["email"] for c in contacts if c["email"]}
    names |= {debtor["legal_name"] for debtor in debtors if debtor["legal_name"]}
    assert names
    text = "\n".join(row["summary"] for row in everything)
    assert not [name for name in names if name in text]


# ------------------------------------------------------------------- lag


def test_readyz_shows_each_projection_at_the_end_of_the_log_once_caught_up(demo_api: Api) -> None:
    demo_api.get("admin", "/v1/audit", limit=1)

    checks = demo_api.anonymous().get("/readyz").json()["checks"]

    last = checks["ledger"]["last_notification_id"]
    assert {name: (c["position"], c["lag"]) for name, c in checks["projections"].items()} == {
        "audit": (last, 0), "debtors": (last, 0), "receivables": (last, 0)
    }  # fmt: skip


@pytest.mark.postgres
def test_on_postgresql_the_reports_state_how_far_the_worker_has_got(
    fresh_postgres_database: str, tmp_path: Path
) -> None:
    with running_api(postgres_settings(fresh_postgres_database, tmp_path)) as api:
        api.invoice(amount="600.00", days_overdue=40)
        assert api.services.read_models is not None and not api.services.read_models.in_process

        behind = api.get("accountant", "/v1/reports/aged-balance").json()
        lag = api.anonymous().get("/readyz").json()["checks"]["projections"]["receivables"]["lag"]
        Projector(api.services.ledger, api.services.read_models.store).catch_up()  # what the worker does
        caught_up = api.get("accountant", "/v1/reports/aged-balance").json()
        last = api.services.ledger.recorder.max_notification_id()

    assert (behind["position"], behind["total"]["total"]) == (0, "0.00")
    assert lag == last
    assert (caught_up["position"], caught_up["total"]["days_31_60"]) == (last, "600.00")
