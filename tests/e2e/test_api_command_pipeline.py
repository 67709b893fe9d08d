"""Every entry point passes the same command pipeline: seen from outside, over HTTP (issue 14)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.conftest import Api, assert_problem, running_api, sqlite_settings

CLIENTS = 16
PAYMENTS_EACH = 6
RECEIVABLES = 5


@pytest.fixture
def embedded_api(tmp_path: Path) -> Iterator[Api]:
    """The API on the embedded default (SQLite), as `scripts/serve` runs it."""
    with running_api(sqlite_settings(tmp_path)) as running:
        yield running


def test_a_debtor_command_naming_a_document_never_stored_is_422_and_records_nothing(api: Api) -> None:
    consumer = api.debtor("consumer", legal_name="Denise Durand")
    never_stored = hashlib.sha256(b"a scan nobody uploaded").hexdigest()
    path = f"/v1/debtors/{consumer['id']}/electronic-delivery-consent"

    refused = api.post("collector", path, {"consented_on": api.days(-1), "proof_sha256": never_stored})
    stored = api.document(api.unique_pdf())
    accepted = api.post("collector", path, {"consented_on": api.days(-1), "proof_sha256": stored})

    assert_problem(refused, 422, "document_stored")
    assert accepted.status_code == 201
    assert [e["type"] for e in api.journal(consumer["id"], "debtors")] == [
        "DebtorRegistered", "ElectronicDeliveryConsented",
    ]  # fmt: skip


def test_a_claim_declaration_naming_a_document_never_stored_is_422(api: Api) -> None:
    debtor = api.debtor()
    api.ok(
        "manager", f"/v1/debtors/{debtor['id']}/insolvency",
        {"procedure": "receivership", "court": "Tribunal de commerce de Lyon", "judgment_date": api.days(-10),
         "publication_date": api.days(-5)},
    )  # fmt: skip
    refused = api.post(
        "manager", f"/v1/debtors/{debtor['id']}/claim-declarations",
        {"declared_on": api.days(0), "amount": "1200.00", "administrator": "Me Martin",
         "document_sha256": hashlib.sha256(b"never uploaded").hexdigest()},
    )  # fmt: skip
    assert_problem(refused, 422, "document_stored")


def test_concurrent_payments_without_if_match_on_the_embedded_store_are_all_recorded_none_409(
    embedded_api: Api,
) -> None:
    api = embedded_api
    receivables = [api.invoice(amount="10000.00")["id"] for _ in range(RECEIVABLES)]
    bodies = [
        (receivables[(client + n) % RECEIVABLES], api.payment_body("1.00", f"VIR-{client:02d}-{n}"))
        for client in range(CLIENTS)
        for n in range(PAYMENTS_EACH)
    ]

    def pay(job: tuple[str, dict[str, str]]) -> int:
        receivable_id, body = job
        with api.client("accountant") as client:
            return client.post(f"/v1/receivables/{receivable_id}/payments", json=body).status_code

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        statuses = Counter(pool.map(pay, bodies))

    assert statuses == Counter({201: CLIENTS * PAYMENTS_EACH}), statuses
    journals = [api.journal(r) for r in receivables]
    payments = [e for journal in journals for e in journal if e["type"] == "PaymentReceived"]
    assert len(payments) == CLIENTS * PAYMENTS_EACH == len({e["data"]["bank_reference"] for e in payments})
    for journal in journals:
        assert [e["version"] for e in journal] == list(range(1, len(journal) + 1))


def test_a_payment_with_a_stale_if_match_under_concurrency_is_412_and_recorded_once_otherwise(api: Api) -> None:
    rid = api.invoice()["id"]
    etag = api.get("accountant", f"/v1/receivables/{rid}").headers["etag"]
    api.ok("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("10.00"))

    stale = api.post("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("20.00"), **{"If-Match": etag})

    assert_problem(stale, 412, "if_match")
    assert [e["type"] for e in api.journal(rid)] == ["InvoiceIssued", "PaymentReceived"]
