"""Errors as RFC 9457 problems from one table, a store outage as 503, and one structured log
line per request without personal data."""

from __future__ import annotations

import io
import json
import logging
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog

from api.cli_server import print_configuration_warnings
from api.http.request_log import configure_logging
from application.clock import SimulatedClock
from tests.e2e.conftest import (
    Api,
    assert_problem,
    contact_body,
    new_id,
    postgres_settings,
    running_api,
    sqlite_settings,
)
from tests.support.throwaway_postgres import ThrowawayPostgres, create_database

RECOVERY_SECONDS = 30


# ------------------------------------------------------------- the table


@pytest.mark.postgres
def test_unknown_things_are_404_problems(api: Api) -> None:
    for path, rule in (
        (f"/v1/receivables/{new_id()}", "receivable_exists"),
        (f"/v1/debtors/{new_id()}", "debtor_exists"),
        (f"/v1/documents/{'e' * 64}", "document_exists"),
    ):
        problem = assert_problem(api.get("auditor", path), 404, rule)
        assert problem["type"] == "urn:relance:problem:not_found"
        assert problem["title"] == "Not found"


@pytest.mark.postgres
def test_an_unknown_route_is_a_404_problem_with_or_without_a_token(api: Api) -> None:
    for client in (api.as_("auditor"), api.anonymous()):
        problem = assert_problem(client.get("/v1/invoices"), 404)
        assert problem["type"] == "urn:relance:problem:not_found"
    assert_problem(api.get("auditor", "/v1/receivables/not-a-uuid/journal/extra"), 404)


@pytest.mark.postgres
def test_a_wrong_method_is_a_405_problem_naming_the_allowed_ones(api: Api) -> None:
    rid = api.invoice()["id"]

    on_item = api.as_("admin").delete(f"/v1/receivables/{rid}")
    on_collection = api.as_("admin").put("/v1/debtors", json={})
    on_command = api.as_("admin").get(f"/v1/receivables/{rid}/payments")

    assert_problem(on_item, 405)
    assert assert_problem(on_collection, 405)["type"] == "urn:relance:problem:method_not_allowed"
    assert_problem(on_command, 405)
    assert "GET" in on_item.headers["allow"]
    assert {"GET", "POST"} <= set(on_collection.headers["allow"].replace(" ", "").split(","))
    assert "POST" in on_command.headers["allow"]
    assert len(api.journal(rid)) == 1


@pytest.mark.postgres
def test_a_rule_broken_by_the_files_state_is_a_409_problem_naming_the_rule(api: Api) -> None:
    rid = api.invoice(amount="100.00")["id"]
    api.ok("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("100.00"))

    response = api.post("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("5.00"))

    problem = assert_problem(response, 409, "receivable_open")
    assert (problem["type"], problem["title"]) == ("urn:relance:problem:rule_violation", "Conflict")
    assert "settled" in problem["detail"]
    assert len(api.journal(rid)) == 2


@pytest.mark.postgres
def test_a_duplicate_invoice_number_is_a_409_problem(api: Api) -> None:
    debtor_id = api.debtor()["id"]
    body = api.invoice_body(debtor_id)
    api.ok("accountant", "/v1/receivables", body)

    problem = assert_problem(api.post("accountant", "/v1/receivables", body), 409, "invoice_number_unique")

    assert problem["type"] == "urn:relance:problem:already_exists"


@pytest.mark.postgres
def test_a_stale_if_match_is_a_412_problem(api: Api) -> None:
    rid = api.invoice()["id"]
    api.ok("collector", f"/v1/receivables/{rid}/notes", {"text": "first"})

    response = api.post("collector", f"/v1/receivables/{rid}/notes", {"text": "second"}, **{"If-Match": '"1"'})

    assert assert_problem(response, 412, "if_match")["type"] == "urn:relance:problem:version_mismatch"


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"value_date": "2026-02-30"}, ["body", "value_date"]),
        ({"value_date": "15/06/2026"}, ["body", "value_date"]),
        ({"iban": "FR7630006000011234567890189"}, ["body", "iban"]),
        ({"bank_reference": None}, ["body", "bank_reference"]),
        ({"method": "bitcoin"}, ["body", "method"]),
        ({"amount": ["10.00"]}, ["body", "amount"]),
        ({"amount": "NaN"}, ["body", "amount"]),
    ],
)
def test_a_malformed_body_is_a_422_problem_locating_the_field(
    api: Api, change: dict[str, Any], location: list[str]
) -> None:
    rid = api.invoice()["id"]
    body = {key: value for key, value in {**api.payment_body(), **change}.items() if value is not None}

    problem = assert_problem(api.post("accountant", f"/v1/receivables/{rid}/payments", body), 422)

    assert problem["type"] == "urn:relance:problem:invalid_input"
    assert location in [error["location"] for error in problem["errors"]]
    assert len(api.journal(rid)) == 1


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("amount", "rule"),
    [("10.005", "amount_precision"), ("-5.00", "amount_positive"), ("0", "amount_positive")],
)
def test_an_amount_the_domain_refuses_is_a_422_problem_naming_the_rule(api: Api, amount: str, rule: str) -> None:
    rid = api.invoice()["id"]

    response = api.post("accountant", f"/v1/receivables/{rid}/payments", api.payment_body(amount))

    assert_problem(response, 422, rule)
    assert len(api.journal(rid)) == 1


@pytest.mark.postgres
def test_invoice_amounts_that_do_not_add_up_or_a_due_date_before_issue_are_422(api: Api) -> None:
    body = api.invoice_body(api.debtor()["id"])

    wrong_sum = api.post("accountant", "/v1/receivables", {**body, "amount_incl_vat": "1200.01"})
    due_first = api.post("accountant", "/v1/receivables", {**body, "due_date": api.days(-200)})

    assert_problem(wrong_sum, 422, "amounts_add_up")
    assert_problem(due_first, 422, "due_after_issue")


@pytest.mark.postgres
def test_a_date_in_the_future_breaks_a_rule_of_the_clock_409(api: Api) -> None:
    """The domain names a future date a rule broken (RuleViolation, judged against the
    application's clock), not malformed input: the mapping table makes it a 409."""
    rid = api.invoice()["id"]
    body = api.invoice_body(api.debtor()["id"])

    payment = api.post(
        "accountant", f"/v1/receivables/{rid}/payments", {**api.payment_body(), "value_date": api.days(1)}
    )
    invoice = api.post("accountant", "/v1/receivables", {**body, "issue_date": api.days(1), "due_date": api.days(31)})

    assert_problem(payment, 409, "date_not_in_future")
    assert_problem(invoice, 409, "date_not_in_future")
    assert len(api.journal(rid)) == 1


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"amount": "10.00",', "application/json"),
        (b"amount=10.00", "application/x-www-form-urlencoded"),
        (b'["10.00"]', "application/json"),
        (b"", "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_422_problem(api: Api, content: bytes, content_type: str) -> None:
    rid = api.invoice()["id"]

    response = api.as_("accountant").post(
        f"/v1/receivables/{rid}/payments", content=content, headers={"Content-Type": content_type}
    )

    assert_problem(response, 422)
    assert len(api.journal(rid)) == 1


@pytest.mark.postgres
def test_401_and_403_are_problems_too(api: Api) -> None:
    rid = api.invoice()["id"]

    unauthenticated = api.anonymous().post(f"/v1/receivables/{rid}/notes", json={"text": "x"})
    forbidden = api.post("auditor", f"/v1/receivables/{rid}/notes", {"text": "x"})

    assert assert_problem(unauthenticated, 401)["title"] == "Unauthorized"
    assert assert_problem(forbidden, 403)["title"] == "Forbidden"


@pytest.mark.postgres
def test_every_problem_carries_the_request_id_of_its_response(api: Api) -> None:
    rid = api.invoice()["id"]

    responses = [
        api.get("auditor", f"/v1/receivables/{new_id()}"),
        api.post("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("1.234")),
        api.post("accountant", f"/v1/receivables/{rid}/payments", {**api.payment_body(), "extra": 1}),
        api.post("auditor", f"/v1/receivables/{rid}/notes", {"text": "x"}),
        api.post("collector", f"/v1/receivables/{rid}/notes", {"text": "x"}, **{"Idempotency-Key": ""}),
        api.as_("admin").delete("/v1/debtors"),
    ]

    for response in responses:
        assert response.status_code >= 400
        assert response.json()["request_id"] == response.headers["x-request-id"]


# ------------------------------------------------------------ store outage


@pytest.fixture
def fragile_api(tmp_path: Path) -> Iterator[tuple[Api, ThrowawayPostgres]]:
    """The API on a PostgreSQL cluster of its own, which the test may interrupt and resume."""
    cluster = ThrowawayPostgres()
    try:
        url = create_database(cluster.start(), "relance_outage")
        with running_api(postgres_settings(url, tmp_path)) as api:
            yield api, cluster
    finally:
        cluster.stop()


def during_outage(api: Api, rid: str) -> dict[str, httpx.Response]:
    """The requests of the outage, sent together: each waits for the pool's timeout."""
    requests = {
        "read": lambda client: client.get(f"/v1/receivables/{rid}"),
        "payment": lambda client: client.post(f"/v1/receivables/{rid}/payments", json=api.payment_body("1.00")),
        "keyed payment": lambda client: client.post(
            f"/v1/receivables/{rid}/payments", json=api.payment_body("2.00"), headers={"Idempotency-Key": "outage-1"}
        ),
        "readiness": lambda client: client.get("/readyz"),
    }

    def send(name: str) -> httpx.Response:
        with api.client("admin") as client:
            response: httpx.Response = requests[name](client)
            return response

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return dict(zip(requests, pool.map(send, requests), strict=True))


@pytest.mark.postgres
def test_a_store_outage_is_503_with_retry_after_and_the_api_recovers_when_it_returns(
    fragile_api: tuple[Api, ThrowawayPostgres],
) -> None:
    api, cluster = fragile_api
    rid = api.invoice()["id"]
    assert api.get("admin", "/readyz").status_code == 200

    cluster.interrupt()
    answers = during_outage(api, rid)
    cluster.resume()

    for name in ("read", "payment", "keyed payment"):
        problem = assert_problem(answers[name], 503)
        assert problem["type"] == "urn:relance:problem:store_unavailable", name
        assert int(answers[name].headers["retry-after"]) > 0
    readiness = answers["readiness"]
    assert readiness.status_code == 503
    assert int(readiness.headers["retry-after"]) > 0
    assert readiness.json()["status"] == "unavailable"
    assert readiness.json()["checks"]["database"] == {"status": "unavailable"}

    deadline = time.monotonic() + RECOVERY_SECONDS
    statuses = []
    while True:
        response = api.get("auditor", f"/v1/receivables/{rid}")
        statuses.append(response.status_code)
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert statuses[-1] == 200, statuses
    assert set(statuses) <= {200, 503}, statuses
    assert api.post("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("3.00")).status_code == 201
    assert api.get("admin", "/readyz").status_code == 200
    assert [e["type"] for e in api.journal(rid)] == ["InvoiceIssued", "PaymentReceived"]
    assert api.receivable(rid)["paid"] == "3.00"


# --------------------------------------------------------------------- logs


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Where the app's logs go when it is built inside ``redirect_stderr(log_stream)``; the
    test client's own request logs are silenced. Logging is set back to stderr afterwards."""
    client_log = logging.getLogger("httpx")
    level = client_log.level
    client_log.setLevel(logging.WARNING)
    stream = io.StringIO()
    try:
        yield stream
    finally:
        client_log.setLevel(level)
        configure_logging(json_logs=False)


def request_lines(text: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [line for line in lines if line.get("event") == "http_request"]


@pytest.mark.postgres
def test_in_production_each_request_is_one_json_line_with_its_id_actor_route_status_and_duration(
    fresh_postgres_database: str, tmp_path: Path, log_stream: io.StringIO
) -> None:
    settings = postgres_settings(fresh_postgres_database, tmp_path, environment="production")
    with redirect_stderr(log_stream), running_api(settings) as api:
        rid = api.invoice()["id"]
        api.post("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("10.00"))
        api.post("auditor", f"/v1/receivables/{rid}/payments", api.payment_body("10.00"))
        api.get("collector", f"/v1/receivables/{new_id()}")
        api.anonymous().get("/healthz")
        api.anonymous().get("/nowhere")
        traced = api.as_("collector").get(f"/v1/receivables/{rid}", headers={"X-Request-Id": "trace-42.a_b"})
        untraceable = api.as_("collector").get(f"/v1/receivables/{rid}", headers={"X-Request-Id": "no spaces!"})
        responses = list(api.responses)

    every_line = [json.loads(line) for line in log_stream.getvalue().splitlines() if line.strip()]
    lines = request_lines(log_stream.getvalue())
    by_id = {line["request_id"]: line for line in lines}
    assert every_line and all(isinstance(line, dict) for line in every_line)
    assert Counter(line["request_id"] for line in lines) == Counter(r.headers["x-request-id"] for r in responses)
    for response in responses:
        line = by_id[response.headers["x-request-id"]]
        assert line["status"] == response.status_code
        assert line["method"] == response.request.method
        assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
        assert line["level"] == "info"
    payment, refused, missing, health, nowhere = (by_id[r.headers["x-request-id"]] for r in responses[2:7])
    assert (payment["actor"], payment["route"], payment["status"]) == (
        "accountant-desk",
        "/v1/receivables/{receivable_id}/payments",
        201,
    )
    assert (refused["actor"], refused["status"]) == ("auditor-desk", 403)
    assert (missing["route"], missing["status"]) == ("/v1/receivables/{receivable_id}", 404)
    assert (health["actor"], health["route"]) == (None, "/healthz")
    assert nowhere["route"] == "unmatched"
    assert traced.headers["x-request-id"] == "trace-42.a_b"
    assert by_id["trace-42.a_b"]["actor"] == "collector-desk"
    assert untraceable.headers["x-request-id"] != "no spaces!"
    assert rid not in log_stream.getvalue()


@pytest.mark.postgres
def test_in_development_the_request_line_is_readable_text(
    fresh_postgres_database: str, tmp_path: Path, log_stream: io.StringIO
) -> None:
    settings = postgres_settings(fresh_postgres_database, tmp_path, environment="development")
    with redirect_stderr(log_stream), running_api(settings) as api:
        response = api.get("auditor", "/v1/debtors")

    lines = [line for line in log_stream.getvalue().splitlines() if "http_request" in line]
    assert len(lines) == 1
    assert f"request_id={response.headers['x-request-id']}" in lines[0]
    assert "route=/v1/debtors" in lines[0] and "status=200" in lines[0] and "actor=auditor-desk" in lines[0]
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[0])


PERSONAL_DATA = {
    "legal_name": "Ophélie Marchand",
    "address": "7 impasse des Glycines",
    "city": "Montélimar",
    "email": "ophelie.marchand@zebulon.example",
    "phone": "+33 6 12 34 56 78",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "iban_compact": "FR7630006000011234567890189",
}


@pytest.mark.postgres
def test_the_logs_carry_no_names_emails_addresses_or_ibans(
    fresh_postgres_database: str, tmp_path: Path, log_stream: io.StringIO
) -> None:
    settings = postgres_settings(fresh_postgres_database, tmp_path, environment="production")
    with redirect_stderr(log_stream), running_api(settings) as api:
        consumer = api.ok("accountant", "/v1/debtors", {
            "legal_name": PERSONAL_DATA["legal_name"], "kind": "consumer",
            "address": {"lines": [PERSONAL_DATA["address"]], "postal_code": "26200", "city": PERSONAL_DATA["city"]},
        })["state"]  # fmt: skip
        debtor_id = consumer["id"]
        contact = contact_body(
            name=PERSONAL_DATA["legal_name"], email=PERSONAL_DATA["email"], phone=PERSONAL_DATA["phone"]
        )
        api.ok("collector", f"/v1/debtors/{debtor_id}/contacts", contact)
        api.post("collector", f"/v1/debtors/{debtor_id}/contacts", {**contact, "email": PERSONAL_DATA["legal_name"]})
        rid = api.ok("accountant", "/v1/receivables", api.invoice_body(debtor_id))["state"]["id"]
        api.ok("collector", f"/v1/receivables/{rid}/notes", {"text": f"Virement attendu sur {PERSONAL_DATA['iban']}"})
        api.post(
            "accountant",
            f"/v1/receivables/{rid}/payments",
            {**api.payment_body(), "iban": PERSONAL_DATA["iban_compact"]},
        )
        api.get("auditor", f"/v1/debtors/{debtor_id}")
        api.get("auditor", "/v1/debtors", kind="consumer")
        api.anonymous().get(f"/v1/people/{PERSONAL_DATA['email']}")
        api.get("auditor", f"/v1/receivables/{rid}/journal")

    logs = log_stream.getvalue()
    assert len(request_lines(logs)) == len(api.responses)
    leaked = {name: value for name, value in PERSONAL_DATA.items() if value in logs}
    assert leaked == {}


@pytest.mark.parametrize("json_logs", [False, True], ids=["development", "production"])
def test_a_logged_traceback_never_shows_the_values_of_local_variables(json_logs: bool) -> None:
    stream = io.StringIO()

    def fail_holding_personal_data() -> None:
        debtor_name = " ".join(("Denise", "Durand,", "4 rue des", "Tilleuls"))  # only a local holds it whole
        raise LookupError(f"no attribute ({len(debtor_name)} characters)")

    try:
        with redirect_stderr(stream):
            configure_logging(json_logs=json_logs)
            for logger in (structlog.get_logger("relance.api").exception, logging.getLogger("uvicorn.error").exception):
                try:
                    fail_holding_personal_data()
                except LookupError:
                    logger("unexpected_error")
    finally:
        configure_logging(json_logs=False)

    text = stream.getvalue()
    assert text.count("fail_holding_personal_data") >= 2, text  # both tracebacks are there
    assert "Denise Durand" not in text


def test_readiness_details_name_the_missing_rate_and_mediator_without_making_the_api_unready(tmp_path: Path) -> None:
    second_half = SimulatedClock(datetime(2026, 7, 20, 8, 0, tzinfo=UTC))  # 2026H2: not in the shipped tables
    with running_api(sqlite_settings(tmp_path / "a", firm_name="Atelier Dupont SARL"), second_half) as api:
        lacking = api.anonymous().get("/readyz")
    configured = sqlite_settings(
        tmp_path / "b", firm_name="Atelier Dupont SARL", firm_consumer_mediator="CM2C, 75008 Paris"
    )
    with running_api(configured) as api:  # in June 2026: the half-year's rates are shipped
        complete = api.anonymous().get("/readyz")

    assert lacking.status_code == 200 and lacking.json()["status"] == "ready"
    configuration = lacking.json()["checks"]["configuration"]
    assert configuration["status"] == "warning"
    details = {w["rule"]: w["detail"] for w in configuration["warnings"]}
    assert set(details) == {"rate_not_published", "consumer_mediator_not_set"}
    assert "relance rates add --half-year 2026H2 --ecb-mro RATE" in details["rate_not_published"]
    assert complete.json()["checks"]["configuration"] == {"status": "ok", "warnings": []}


def test_the_server_warns_at_start_up_when_letters_to_consumers_cannot_name_a_mediator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    print_configuration_warnings(sqlite_settings(tmp_path, firm_name="Atelier Dupont SARL"))

    assert "WARNING consumer_mediator_not_set: " in capsys.readouterr().err
