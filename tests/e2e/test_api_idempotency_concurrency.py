"""Idempotency-Key, If-Match and concurrent writers over HTTP against a real PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
import pytest

from api.bootstrap import IdempotencyStore, token_hash
from application.verification import verify_store
from tests.e2e.conftest import Api, assert_problem

pytestmark = pytest.mark.postgres

CONCURRENT_REQUESTS = 50


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


# --------------------------------------------------------------- idempotency


def test_a_retry_with_the_same_key_and_body_replays_the_first_response_and_records_once(api: Api) -> None:
    rid = api.invoice()["id"]
    body = api.payment_body("250.00")
    retry_key = api.unique("pay")

    first = api.post("accountant", f"/v1/receivables/{rid}/payments", body, **key(retry_key))
    second = api.post("accountant", f"/v1/receivables/{rid}/payments", body, **key(retry_key))

    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert (second.status_code, second.content) == (first.status_code, first.content)
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["etag"] == first.headers["etag"] == '"2"'
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    assert [e["type"] for e in api.journal(rid)] == ["InvoiceIssued", "PaymentReceived"]


def test_a_key_whose_request_died_after_recording_is_answered_from_what_it_recorded_never_run_again(
    api: Api,
) -> None:
    rid = api.invoice()["id"]
    retry_key = api.unique("note")
    body = {"text": "appel au débiteur"}
    first = api.post("collector", f"/v1/receivables/{rid}/notes", body, **key(retry_key))
    assert first.status_code == 201
    # As a process killed after the command's commit and before the answer was kept leaves the key:
    api.services.database.execute(
        "UPDATE idempotency_keys SET status = NULL, headers = NULL, body = NULL WHERE idempotency_key = %s",
        (retry_key,),
    )
    again = api.post("collector", f"/v1/receivables/{rid}/notes", body, **key(retry_key))
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert (again.headers["etag"], again.json()["events"]) == (first.headers["etag"], first.json()["events"])
    assert [e["type"] for e in api.journal(rid)] == ["InvoiceIssued", "NoteAdded"]
    third = api.post("collector", f"/v1/receivables/{rid}/notes", body, **key(retry_key))
    assert (third.status_code, third.content) == (again.status_code, again.content)  # now kept: replayed as is


def test_a_key_whose_request_died_before_recording_runs_the_command_once_on_retry(api: Api) -> None:
    rid = api.invoice()["id"]
    retry_key = api.unique("note")
    path, body = f"/v1/receivables/{rid}/notes", {"text": "appel au débiteur"}
    # The same request sent by another collector tells the request's fingerprint (keys are per caller)...
    other = api.add_token(api.unique("collector"), "collector")
    with api.client(other) as client:
        assert client.post(path, json=body, headers=key(retry_key)).status_code == 201
    (request_hash,) = api.services.database.fetch(
        "SELECT request_hash FROM idempotency_keys WHERE principal = %s AND idempotency_key = %s",
        (token_hash(other), retry_key),
    )[0]
    # ...and this collector's key is left as a process killed before the command committed leaves it
    assert IdempotencyStore(api.services.database).claim(token_hash(api.token("collector")), retry_key, request_hash)

    again = api.post("collector", path, body, **key(retry_key))
    once_more = api.post("collector", path, body, **key(retry_key))

    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert once_more.headers["idempotent-replayed"] == "true"
    assert [e["type"] for e in api.journal(rid)] == ["InvoiceIssued", "NoteAdded", "NoteAdded"]


def test_issuing_an_invoice_twice_with_one_key_replays_instead_of_409(api: Api) -> None:
    body = api.invoice_body(api.debtor()["id"])
    retry_key = api.unique("issue")

    first = api.post("accountant", "/v1/receivables", body, **key(retry_key))
    second = api.post("accountant", "/v1/receivables", body, **key(retry_key))
    without_key = api.post("accountant", "/v1/receivables", body)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert_problem(without_key, 409, "invoice_number_unique")


def test_the_same_key_with_another_body_is_422_and_records_nothing(api: Api) -> None:
    rid = api.invoice()["id"]
    retry_key = api.unique("pay")
    api.post("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("100.00", "VIR-A"), **key(retry_key))

    other_body = api.post(
        "accountant", f"/v1/receivables/{rid}/payments", api.payment_body("100.00", "VIR-B"), **key(retry_key)
    )
    other_path = api.post("accountant", f"/v1/receivables/{rid}/notes", {"text": "x"}, **key(retry_key))

    problem = assert_problem(other_body, 422)
    assert problem["type"] == "urn:relance:problem:idempotency_key_reused"
    assert_problem(other_path, 422)
    assert [p["bank_reference"] for p in api.receivable(rid)["payments"]] == ["VIR-A"]
    assert len(api.journal(rid)) == 2


def test_keys_are_scoped_to_the_token_that_sent_them(api: Api) -> None:
    rid = api.invoice()["id"]
    shared_key = api.unique("note")

    by_collector = api.post("collector", f"/v1/receivables/{rid}/notes", {"text": "called"}, **key(shared_key))
    by_manager = api.post("manager", f"/v1/receivables/{rid}/notes", {"text": "called"}, **key(shared_key))

    assert by_collector.status_code == by_manager.status_code == 201
    assert "idempotent-replayed" not in by_manager.headers
    assert [e["actor"] for e in api.journal(rid)] == ["admin-desk", "collector-desk", "manager-desk"]


def test_a_refused_invalid_request_is_kept_and_replayed_as_422(api: Api) -> None:
    rid = api.invoice()["id"]
    body = api.payment_body("10.005")
    retry_key = api.unique("pay")

    first = api.post("accountant", f"/v1/receivables/{rid}/payments", body, **key(retry_key))
    second = api.post("accountant", f"/v1/receivables/{rid}/payments", body, **key(retry_key))

    assert_problem(first, 422, "amount_precision")
    assert second.status_code == 422
    assert second.headers["idempotent-replayed"] == "true"
    assert second.content == first.content
    assert len(api.journal(rid)) == 1


def test_a_409_releases_the_key_so_a_retry_after_fixing_the_state_is_executed(api: Api) -> None:
    rid = api.invoice()["id"]
    retry_key = api.unique("resume")

    refused = api.post("manager", f"/v1/receivables/{rid}/pauses/resumption", {"reason": "talks"}, **key(retry_key))
    api.ok("manager", f"/v1/receivables/{rid}/pauses", {"reason": "negotiation"})
    retried = api.post("manager", f"/v1/receivables/{rid}/pauses/resumption", {"reason": "talks"}, **key(retry_key))
    replayed = api.post("manager", f"/v1/receivables/{rid}/pauses/resumption", {"reason": "talks"}, **key(retry_key))

    assert_problem(refused, 409, "paused")
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers
    assert (replayed.status_code, replayed.headers["idempotent-replayed"]) == (201, "true")
    assert [e["type"] for e in api.journal(rid)][1:] == ["DunningPaused", "DunningResumed"]


def test_a_412_releases_the_key_so_a_retry_with_the_new_etag_is_executed(api: Api) -> None:
    rid = api.invoice()["id"]
    api.ok("collector", f"/v1/receivables/{rid}/notes", {"text": "moved on"})
    retry_key = api.unique("note")
    body = {"text": "seen version 1"}

    stale = api.post("collector", f"/v1/receivables/{rid}/notes", body, **key(retry_key), **{"If-Match": '"1"'})
    fresh = api.post("collector", f"/v1/receivables/{rid}/notes", body, **key(retry_key), **{"If-Match": '"2"'})

    assert_problem(stale, 412, "if_match")
    assert fresh.status_code == 201
    assert len(api.journal(rid)) == 3


def test_401_and_403_are_not_kept_under_the_key(api: Api) -> None:
    rid = api.invoice()["id"]
    retry_key = api.unique("k")

    forbidden = api.post("auditor", f"/v1/receivables/{rid}/notes", {"text": "x"}, **key(retry_key))
    again = api.post("auditor", f"/v1/receivables/{rid}/notes", {"text": "x"}, **key(retry_key))

    assert_problem(forbidden, 403)
    assert_problem(again, 403)
    assert "idempotent-replayed" not in again.headers


@pytest.mark.parametrize("bad_key", ["", "x" * 256])
def test_an_empty_or_overlong_key_is_422(api: Api, bad_key: str) -> None:
    rid = api.invoice()["id"]

    response = api.post("collector", f"/v1/receivables/{rid}/notes", {"text": "x"}, **key(bad_key))

    problem = assert_problem(response, 422)
    assert problem["type"] == "urn:relance:problem:invalid_idempotency_key"
    assert len(api.journal(rid)) == 1


def test_a_document_upload_is_idempotent_under_its_key(api: Api) -> None:
    content = api.unique_pdf()
    headers = {"Content-Type": "application/pdf", **key(api.unique("doc"))}

    first = api.as_("collector").post("/v1/documents", content=content, headers=headers)
    second = api.as_("collector").post("/v1/documents", content=content, headers=headers)

    assert first.status_code == 201
    assert (second.status_code, second.content, second.headers["idempotent-replayed"]) == (201, first.content, "true")


# ------------------------------------------------------------------ If-Match


def test_a_command_with_the_current_etag_succeeds_and_returns_the_next_one(api: Api) -> None:
    rid = api.invoice()["id"]
    etag = api.get("collector", f"/v1/receivables/{rid}").headers["etag"]

    response = api.post("collector", f"/v1/receivables/{rid}/notes", {"text": "ok"}, **{"If-Match": etag})
    weak = api.post("collector", f"/v1/receivables/{rid}/notes", {"text": "ok"}, **{"If-Match": 'W/"2"'})
    star = api.post("collector", f"/v1/receivables/{rid}/notes", {"text": "ok"}, **{"If-Match": "*"})

    assert etag == '"1"'
    assert (response.status_code, response.headers["etag"]) == (201, '"2"')
    assert (weak.status_code, weak.headers["etag"]) == (201, '"3"')
    assert (star.status_code, star.headers["etag"]) == (201, '"4"')


def test_a_command_with_a_stale_etag_is_412_and_records_nothing(api: Api) -> None:
    rid = api.invoice()["id"]
    seen = api.get("accountant", f"/v1/receivables/{rid}").headers["etag"]
    api.ok("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("100.00"))

    stale = api.post("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("200.00"), **{"If-Match": seen})
    ahead = api.post("accountant", f"/v1/receivables/{rid}/payments", api.payment_body("200.00"), **{"If-Match": '"9"'})

    problem = assert_problem(stale, 412, "if_match")
    assert problem["title"] == "Precondition failed"
    assert_problem(ahead, 412, "if_match")
    assert api.receivable(rid)["paid"] == "100.00"
    assert len(api.journal(rid)) == 2


@pytest.mark.parametrize("if_match", ["1", '"one"', '"1", "2"', "W/1", '"-1"'])
def test_a_malformed_if_match_is_422(api: Api, if_match: str) -> None:
    rid = api.invoice()["id"]

    response = api.post("collector", f"/v1/receivables/{rid}/notes", {"text": "x"}, **{"If-Match": if_match})

    assert_problem(response, 422, "if_match_format")
    assert len(api.journal(rid)) == 1


# ---------------------------------------------------------------- concurrency


def all_at_once(
    api: Api, role: str, send: Callable[[httpx.Client, int], httpx.Response], count: int = CONCURRENT_REQUESTS
) -> list[httpx.Response]:
    """``count`` requests by ``role`` released together, each on its own connection."""
    barrier = threading.Barrier(count)
    clients = [api.client(role) for _ in range(count)]

    def one(index: int) -> httpx.Response:
        barrier.wait()
        return send(clients[index], index)

    try:
        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(one, range(count)))
    finally:
        for client in clients:
            client.close()


def payments_in(journal: list[dict[str, Any]]) -> Counter[str]:
    return Counter(e["data"]["bank_reference"] for e in journal if e["type"] == "PaymentReceived")


def assert_chain_verifies(api: Api) -> None:
    report = verify_store(api.services.ledger.recorder, api.services.ledger.mapper)
    assert report.ok, report.breaks


def test_fifty_concurrent_payments_are_each_recorded_once_or_refused_with_409(fresh_api: Api) -> None:
    api = fresh_api
    rid = api.invoice(amount="100000.00")["id"]
    bodies = [api.payment_body("10.00", f"VIR-{i:02d}") for i in range(CONCURRENT_REQUESTS)]

    responses = all_at_once(
        api,
        "accountant",
        lambda client, i: client.post(f"/v1/receivables/{rid}/payments", json=bodies[i]),
    )

    statuses = Counter(r.status_code for r in responses)
    accepted = {bodies[i]["bank_reference"] for i, r in enumerate(responses) if r.status_code == 201}
    refused = [r for r in responses if r.status_code != 201]
    journal = api.journal(rid)
    assert accepted, statuses
    assert payments_in(journal) == Counter(accepted)
    for response in refused:
        assert_problem(response, 409, "concurrent_write")
    assert sum(Decimal(e["data"]["amount"]) for e in journal if e["type"] == "PaymentReceived") == Decimal(
        api.receivable(rid)["paid"]
    )
    assert [e["version"] for e in journal] == list(range(1, len(accepted) + 2))
    assert_chain_verifies(api)


def test_fifty_concurrent_payments_on_one_etag_record_exactly_one(fresh_api: Api) -> None:
    api = fresh_api
    rid = api.invoice(amount="100000.00")["id"]
    bodies = [api.payment_body("10.00", f"VIR-{i:02d}") for i in range(CONCURRENT_REQUESTS)]

    responses = all_at_once(
        api,
        "accountant",
        lambda client, i: client.post(f"/v1/receivables/{rid}/payments", json=bodies[i], headers={"If-Match": '"1"'}),
    )

    statuses = Counter(r.status_code for r in responses)
    assert statuses[201] == 1, statuses
    assert set(statuses) <= {201, 409, 412}, statuses
    for response in responses:
        if response.status_code != 201:
            assert_problem(response, response.status_code, "if_match" if response.status_code == 412 else None)
    winner = next(bodies[i]["bank_reference"] for i, r in enumerate(responses) if r.status_code == 201)
    assert payments_in(api.journal(rid)) == Counter([winner])
    assert api.receivable(rid)["paid"] == "10.00"
    assert_chain_verifies(api)


def test_fifty_concurrent_retries_with_one_key_record_one_payment(fresh_api: Api) -> None:
    api = fresh_api
    rid = api.invoice(amount="100000.00")["id"]
    body = api.payment_body("10.00", "VIR-ONCE")

    responses = all_at_once(
        api,
        "accountant",
        lambda client, i: client.post(f"/v1/receivables/{rid}/payments", json=body, headers=key("same-key")),
    )

    statuses = Counter(r.status_code for r in responses)
    # Fifty at once may find every connection of the pool busy: 503 with Retry-After, and the retry is answered.
    busy = [r for r in responses if r.status_code == 503]
    assert all(r.headers["retry-after"] for r in busy)
    with api.client("accountant") as client:
        retried = [client.post(f"/v1/receivables/{rid}/payments", json=body, headers=key("same-key")) for _ in busy]
    answered = [r for r in responses if r.status_code != 503] + retried
    # Every request is answered 201 with the one payment recorded (none refused, none run twice); at least the
    # one that recorded it says so without Idempotent-Replayed (with the test's frozen clock, a request whose
    # connection broke and whose retry found those very bytes is answered as having recorded them too).
    assert [r.status_code for r in answered] == [201] * CONCURRENT_REQUESTS, statuses
    assert len({r.json()["events"][0]["hash"] for r in answered}) == 1
    assert any("idempotent-replayed" not in r.headers for r in answered)
    assert payments_in(api.journal(rid)) == Counter(["VIR-ONCE"])
    assert_chain_verifies(api)
