"""Receivables over HTTP against a real PostgreSQL: every endpoint, the journal, as-of
reads and pagination; a smaller smoke run on the embedded SQLite store."""

from __future__ import annotations

from decimal import Decimal

import pytest

from application.verification import verify_store
from tests.e2e.conftest import COMMANDS, ISSUE_3_TAGS, Api, assert_problem, concrete, new_id, schema_endpoints

EVENT_OF_COMMAND = {
    "/v1/receivables": "InvoiceIssued",
    "/v1/receivables/{receivable_id}/reminders": "ReminderSent",
    "/v1/receivables/{receivable_id}/calls": "CallNoted",
    "/v1/receivables/{receivable_id}/promises": "PromiseToPayRecorded",
    "/v1/receivables/{receivable_id}/promises/broken": "PromiseBroken",
    "/v1/receivables/{receivable_id}/disputes": "DisputeOpened",
    "/v1/receivables/{receivable_id}/disputes/{dispute_number}/resolution": "DisputeResolved",
    "/v1/receivables/{receivable_id}/formal-notices": "FormalNoticeSent",
    "/v1/receivables/{receivable_id}/formal-notices/{notice_number}/acknowledgement": "FormalNoticeAcknowledged",
    "/v1/receivables/{receivable_id}/payments": "PaymentReceived",
    "/v1/receivables/{receivable_id}/credit-notes": "CreditNoteApplied",
    "/v1/receivables/{receivable_id}/payment-plans": "PaymentPlanAgreed",
    "/v1/receivables/{receivable_id}/payment-plans/missed-instalments": "InstalmentMissed",
    "/v1/receivables/{receivable_id}/late-charges": "LateChargesInvoiced",
    "/v1/receivables/{receivable_id}/late-charges/waivers": "LateChargesWaived",
    "/v1/receivables/{receivable_id}/escalations": "EscalatedToLitigation",
    "/v1/receivables/{receivable_id}/write-off": "WrittenOff",
    "/v1/receivables/{receivable_id}/pauses": "DunningPaused",
    "/v1/receivables/{receivable_id}/pauses/resumption": "DunningResumed",
    "/v1/receivables/{receivable_id}/mediations": "MediationStarted",
    "/v1/receivables/{receivable_id}/mediations/end": "MediationEnded",
    "/v1/receivables/{receivable_id}/notes": "NoteAdded",
    "/v1/receivables/{receivable_id}/documents": "DocumentAttached",
    "/v1/debtors": "DebtorRegistered",
    "/v1/debtors/{debtor_id}/contacts": "ContactAdded",
    "/v1/debtors/{debtor_id}/contacts/{contact_id}": "ContactChanged",
    "/v1/debtors/{debtor_id}/address": "AddressChanged",
    "/v1/debtors/{debtor_id}/name-rectification": "DebtorNameRectified",
    "/v1/debtors/{debtor_id}/contacts/{contact_id}/erasure": "ContactErased",
    "/v1/debtors/{debtor_id}/credit-limit": "CreditLimitSet",
    "/v1/debtors/{debtor_id}/priority": "PriorityChanged",
    "/v1/debtors/{debtor_id}/policy": "PolicyAssigned",
    "/v1/debtors/{debtor_id}/electronic-delivery-consent": "ElectronicDeliveryConsented",
    "/v1/debtors/{debtor_id}/insolvency": "InsolvencyOpened",
    "/v1/debtors/{debtor_id}/claim-declarations": "ClaimDeclared",
    "/v1/debtors/{debtor_id}/erasure": "DebtorErased",
}


def exercise_every_read(api: Api) -> None:
    """GET every read of issue 3's resources as the auditor, with real ids."""
    receivable = api.invoice()
    ids = {"receivable_id": receivable["id"], "debtor_id": receivable["debtor_id"], "sha256": api.document(),
           "invoice_number": receivable["invoice_number"]}  # fmt: skip
    for method, template in sorted(schema_endpoints(api.app, tags=ISSUE_3_TAGS)):
        if method == "GET":
            path = concrete(template, ids)
            response = api.get("auditor", path)
            assert response.status_code == 200, (path, response.text)


# ---------------------------------------------------------------- coverage


def walk_every_endpoint(api: Api) -> None:
    for template, prepare in COMMANDS.items():
        request = prepare(api)
        response = request.send(api.as_("admin"))

        assert response.status_code == 201, (template, response.text)
        if template != "/v1/documents":
            result = response.json()
            assert result["recorded"] is True
            assert [e["type"] for e in result["events"]] == [EVENT_OF_COMMAND[template]]
            assert response.headers["etag"] == f'"{result["version"]}"'
    exercise_every_read(api)

    assert api.hits == schema_endpoints(api.app, tags=ISSUE_3_TAGS)
    report = verify_store(api.services.ledger.recorder, api.services.ledger.mapper)
    assert report.ok, report.breaks


@pytest.mark.postgres
def test_every_endpoint_of_the_schema_succeeds_over_http_and_records_its_event(fresh_api: Api) -> None:
    walk_every_endpoint(fresh_api)


def test_every_endpoint_succeeds_on_the_embedded_sqlite_store_too(sqlite_api: Api) -> None:
    walk_every_endpoint(sqlite_api)


@pytest.mark.postgres
def test_the_endpoint_table_of_the_tests_names_every_post_of_the_schema(api: Api) -> None:
    posts = {path for method, path in schema_endpoints(api.app, tags=ISSUE_3_TAGS) if method == "POST"}

    assert set(COMMANDS) == posts
    assert set(EVENT_OF_COMMAND) == posts - {"/v1/documents"}


# ------------------------------------------------------------ issue and read


@pytest.mark.postgres
def test_an_issued_invoice_reads_back_with_its_version_as_etag_and_its_location(api: Api) -> None:
    debtor = api.debtor()
    body = api.invoice_body(debtor["id"], amount="1200.00", days_overdue=10)

    response = api.post("accountant", "/v1/receivables", body)

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/v1/receivables/{created['aggregate_id']}"
    read = api.get("auditor", response.headers["location"])
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    state = read.json()
    assert state["invoice_number"] == body["invoice_number"]
    assert state["debtor_id"] == debtor["id"]
    assert (state["amount_incl_vat"], state["outstanding"], state["paid"]) == ("1200.00", "1200.00", "0.00")
    assert state["status"] == "open"
    assert state["days_past_due"] == 10
    assert state["as_of"] is None


@pytest.mark.postgres
def test_the_journal_lists_every_event_chained_and_signed_by_its_actors(api: Api) -> None:
    receivable = api.invoice()
    rid = receivable["id"]
    api.post(
        "collector", f"/v1/receivables/{rid}/reminders", {"stage": "first", "channel": "letter", "sent_on": api.days(0)}
    )
    api.post("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("200.00"))

    journal = api.journal(rid)

    assert [e["type"] for e in journal] == ["InvoiceIssued", "ReminderSent", "PaymentReceived"]
    assert [e["version"] for e in journal] == [1, 2, 3]
    assert [e["actor"] for e in journal] == ["admin-desk", "collector-desk", "accountant-desk"]
    assert journal[0]["previous_hash"] == "0" * 64
    assert [e["previous_hash"] for e in journal[1:]] == [e["hash"] for e in journal[:-1]]
    assert api.receivable(rid)["head"] == journal[-1]["hash"]


@pytest.mark.postgres
def test_a_payment_with_a_known_bank_reference_returns_200_and_records_nothing(api: Api) -> None:
    rid = api.invoice()["id"]
    body = api.payment_body("300.00", reference="VIR-2026-0001")
    first = api.post("accountant", f"/v1/receivables/{rid}/payments", body)

    again = api.post("accountant", f"/v1/receivables/{rid}/payments", body)

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["recorded"] is False
    assert again.json()["events"] == []
    assert again.headers["etag"] == '"2"'
    assert len(api.journal(rid)) == 2


@pytest.mark.postgres
def test_an_unknown_receivable_is_404_on_read_journal_and_command(api: Api) -> None:
    missing = new_id()

    assert_problem(api.get("auditor", f"/v1/receivables/{missing}"), 404, "receivable_exists")
    assert_problem(api.get("auditor", f"/v1/receivables/{missing}/journal"), 404)
    assert_problem(api.post("accountant", f"/v1/receivables/{missing}/payments", api.payment_body()), 404)


@pytest.mark.postgres
def test_a_debtor_id_is_not_a_receivable(api: Api) -> None:
    debtor = api.debtor()

    assert_problem(api.get("auditor", f"/v1/receivables/{debtor['id']}"), 404)
    assert_problem(api.get("auditor", f"/v1/receivables/{debtor['id']}/journal"), 404)


# -------------------------------------------------------------------- as of


@pytest.mark.postgres
def test_a_receivable_reads_as_it_stood_at_an_earlier_date_or_instant(fresh_api: Api) -> None:
    api = fresh_api
    rid = api.invoice(amount="1000.00")["id"]  # 2026-06-15
    api.advance(1)
    api.post("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("300.00"))  # 2026-06-16
    api.advance(1)
    api.post("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("200.00"))  # 2026-06-17

    on_issue = api.get("auditor", f"/v1/receivables/{rid}", as_of="2026-06-15")
    after_first = api.get("auditor", f"/v1/receivables/{rid}", as_of="2026-06-16")
    instant = api.get("auditor", f"/v1/receivables/{rid}", as_of="2026-06-16T10:00:00Z")
    now = api.get("auditor", f"/v1/receivables/{rid}")

    assert (on_issue.json()["version"], on_issue.json()["paid"]) == (1, "0.00")
    assert on_issue.headers["etag"] == '"1"'
    assert (after_first.json()["version"], after_first.json()["paid"]) == (2, "300.00")
    assert after_first.json()["as_of"] == "2026-06-16T21:59:59.999999Z"  # end of the day in Paris
    assert instant.json()["version"] == 2
    assert (now.json()["version"], now.json()["paid"]) == (3, "500.00")


@pytest.mark.postgres
def test_as_of_before_the_invoice_was_issued_is_404(fresh_api: Api) -> None:
    api = fresh_api
    rid = api.invoice()["id"]

    assert_problem(api.get("auditor", f"/v1/receivables/{rid}", as_of="2026-06-14"), 404, "receivable_exists")
    assert_problem(api.get("auditor", f"/v1/receivables/{rid}", as_of="2026-06-15T09:59:59Z"), 404)


@pytest.mark.postgres
@pytest.mark.parametrize("as_of", ["2026-13-01", "yesterday", "2026-06-15T10:00:00", "15/06/2026"])
def test_a_malformed_as_of_is_422(api: Api, as_of: str) -> None:
    rid = api.invoice()["id"]

    assert_problem(api.get("auditor", f"/v1/receivables/{rid}", as_of=as_of), 422)


# --------------------------------------------------------------- pagination


@pytest.mark.postgres
def test_receivables_are_listed_by_page_with_their_total(api: Api) -> None:
    debtor_id = api.debtor()["id"]
    numbers = sorted(api.invoice(debtor_id)["invoice_number"] for _ in range(5))

    pages = [
        api.get("auditor", "/v1/receivables", debtor_id=debtor_id, limit=2, offset=offset).json()
        for offset in (0, 2, 4, 6)
    ]

    assert [page["total"] for page in pages] == [5, 5, 5, 5]
    assert [(page["limit"], page["offset"]) for page in pages] == [(2, 0), (2, 2), (2, 4), (2, 6)]
    assert [[r["invoice_number"] for r in page["items"]] for page in pages] == [
        numbers[0:2],
        numbers[2:4],
        numbers[4:5],
        [],
    ]


@pytest.mark.postgres
def test_receivables_are_filtered_by_status_and_debtor(fresh_api: Api) -> None:
    api = fresh_api
    first, second = api.debtor()["id"], api.debtor()["id"]
    settled = api.invoice(first, amount="100.00")
    open_one = api.invoice(first)
    other = api.invoice(second)
    api.ok("accountant", f"/v1/receivables/{settled['id']}/payments", api.payment_body("100.00"))

    def ids(**params: str) -> set[str]:
        response = api.get("auditor", "/v1/receivables", **params)
        assert response.status_code == 200, response.text
        return {r["id"] for r in response.json()["items"]}

    assert ids(status="settled") == {settled["id"]}
    assert ids(status="open") == {open_one["id"], other["id"]}
    assert ids(debtor_id=first) == {settled["id"], open_one["id"]}
    assert ids(debtor_id=second, status="open") == {other["id"]}
    assert ids(status="written_off") == set()
    assert ids(debtor_id=new_id()) == set()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"status": "lost"}, {"debtor_id": "42"}, {"limit": "ten"}],
)
def test_list_parameters_out_of_range_are_422(api: Api, params: dict[str, object]) -> None:
    assert_problem(api.get("auditor", "/v1/receivables", **params), 422)


@pytest.mark.postgres
def test_the_largest_page_is_500(api: Api) -> None:
    response = api.get("auditor", "/v1/receivables", limit=500, debtor_id=new_id())

    assert response.status_code == 200
    assert response.json() == {"items": [], "total": 0, "limit": 500, "offset": 0}


# ------------------------------------------------------------ state changes


@pytest.mark.postgres
def test_a_file_followed_from_reminder_to_settlement_shows_each_step_in_its_state(api: Api) -> None:
    rid = api.invoice(amount="1200.00")["id"]

    api.ok(
        "collector", f"/v1/receivables/{rid}/reminders", {"stage": "first", "channel": "email", "sent_on": api.days(-5)}
    )
    api.ok("collector", f"/v1/receivables/{rid}/promises", {"amount": "1200.00", "promised_date": api.days(3)})
    assert api.receivable(rid)["status"] == "promised"
    api.ok(
        "accountant",
        f"/v1/receivables/{rid}/credit-notes",
        {"credit_note_number": "AV-1", "amount": "200.00", "issued_on": api.days(0)},
    )
    result = api.ok("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("1000.00"))

    state = result["state"]
    assert state["status"] == "settled"
    assert (state["paid"], state["credited"], state["outstanding"]) == ("1000.00", "200.00", "0.00")
    assert state["stage"] == "first_reminder"
    assert Decimal(state["paid"]) + Decimal(state["credited"]) == Decimal(state["amount_incl_vat"])
    debtor_id = state["debtor_id"]
    listed = api.get("auditor", "/v1/receivables", status="settled", debtor_id=debtor_id).json()["items"]
    assert [r["id"] for r in listed] == [rid]


# ------------------------------------------------------------------- SQLite


def test_the_api_works_the_same_on_the_embedded_sqlite_store(sqlite_api: Api) -> None:
    api = sqlite_api
    assert api.get("auditor", "/readyz").status_code == 200
    rid = api.invoice(amount="500.00")["id"]
    etag = api.get("auditor", f"/v1/receivables/{rid}").headers["etag"]

    paid = api.post("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("500.00"), **{"If-Match": etag})
    stale = api.post("accountant", f"/v1/receivables/{rid}/notes", {"text": "late"}, **{"If-Match": etag})
    settled_payment = api.post("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("1.00"))
    replay_key = {"Idempotency-Key": "sqlite-1"}
    note = api.post("manager", f"/v1/receivables/{rid}/notes", {"text": "closed"}, **replay_key)
    replay = api.post("manager", f"/v1/receivables/{rid}/notes", {"text": "closed"}, **replay_key)

    assert paid.status_code == 201
    assert_problem(stale, 412, "if_match")
    assert_problem(settled_payment, 409, "receivable_open")
    assert (note.status_code, replay.status_code) == (201, 201)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == note.json()
    assert [e["type"] for e in api.journal(rid)] == ["InvoiceIssued", "PaymentReceived", "NoteAdded"]
    assert api.get("auditor", "/v1/receivables", status="settled").json()["total"] == 1
    assert verify_store(api.services.ledger.recorder, api.services.ledger.mapper).ok
