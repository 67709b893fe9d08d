"""/v1/letters over real HTTP on PostgreSQL: the run prepares a letter, the post room says it was posted, and
what came back is recorded; refusals are problem+json and record nothing."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from tests.e2e.conftest import Api, assert_problem
from tests.e2e.test_api_dunning import mailing_api, overdue_invoice_with_contact  # noqa: F401  (the fixture)
from tests.support.smtp_server import Inbox


def a_letter_to_post(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """An invoice reminded by e-mail, then fifteen days later its second reminder prepared as a letter."""
    invoice = overdue_invoice_with_contact(api, days_overdue=5)  # 2026-06-15, a Monday
    api.ok("manager", "/v1/dunning-runs", {"force": True})
    api.advance(15)
    report = api.ok("manager", "/v1/dunning-runs", {"force": True})
    assert [(s["kind"], s["channel"], s["status"]) for s in report["sent"]] == [
        ("second_reminder", "letter", "to_post")
    ]
    (letter,) = api.get("collector", "/v1/letters").json()
    return invoice, letter


def types(api: Api, aggregate_id: str, kind: str = "receivables") -> list[str]:
    return [entry["type"] for entry in api.journal(aggregate_id, kind)]


def test_a_letter_is_in_the_journal_only_once_posted_and_its_return_flags_the_address(
    mailing_api: tuple[Api, Inbox],  # noqa: F811
) -> None:
    api, _ = mailing_api
    invoice, letter = a_letter_to_post(api)
    assert letter["kind"] == "second_reminder" and letter["invoice_numbers"] == [invoice["invoice_number"]]
    assert types(api, invoice["id"]).count("ReminderSent") == 1  # the e-mail only

    posted = api.post("collector", f"/v1/letters/{letter['key']}/posting", {"posted_on": api.days(0)})
    assert posted.status_code == 201, posted.text
    reminder = api.journal(invoice["id"])[-1]
    assert reminder["type"] == "ReminderSent" and reminder["data"]["channel"] == "letter"
    assert reminder["actor"] == "collector-desk" and reminder["data"]["sent_on"] == api.days(0)
    assert api.get("collector", "/v1/letters").json() == []

    no_receipt = api.post(
        "collector", f"/v1/letters/{letter['key']}/outcome", {"outcome": "delivered", "on": api.days(0)}
    )
    assert_problem(no_receipt, 409, "outcome_needs_registered_letter")
    api.advance(3)
    returned = api.post("collector", f"/v1/letters/{letter['key']}/outcome", {"outcome": "returned", "on": api.days(0)})
    assert returned.status_code == 201, returned.text
    assert types(api, invoice["id"])[-1] == "LetterReturned"
    assert types(api, invoice["debtor_id"], "debtors")[-1] == "MailReturned"
    worklist = api.get("collector", "/v1/worklist").json()["items"]
    assert "correct_address" in [item["action"] for item in worklist]
    moved = {"lines": ["9 quai Perrache"], "postal_code": "69002", "city": "Lyon"}
    assert api.post("collector", f"/v1/debtors/{invoice['debtor_id']}/address", moved).status_code == 201
    assert "correct_address" not in [item["action"] for item in api.get("collector", "/v1/worklist").json()["items"]]


def test_a_refused_posting_is_a_problem_and_records_nothing(mailing_api: tuple[Api, Inbox]) -> None:  # noqa: F811
    api, _ = mailing_api
    invoice, letter = a_letter_to_post(api)
    before = types(api, invoice["id"])

    future = api.post("collector", f"/v1/letters/{letter['key']}/posting", {"posted_on": api.days(1)})
    malformed = api.post("collector", f"/v1/letters/{letter['key']}/posting", {"posted_on": "15/06/2026"})
    auditor = api.post("auditor", f"/v1/letters/{letter['key']}/posting", {"posted_on": api.days(0)})
    unknown = api.post("collector", "/v1/letters/2026-06-30/nobody/first_reminder/letter/posting",
                       {"posted_on": api.days(0)})  # fmt: skip
    csv = "\ufeffcle;date_depot;numero_suivi\r\nnot-a-letter;30/06/2026;\r\n".encode()
    deposit = api.as_("collector").post("/v1/letters/postings", content=csv, headers={"Content-Type": "text/csv"})

    assert_problem(future, 422, "date_not_in_future")
    assert_problem(malformed, 422)
    assert_problem(auditor, 403)
    assert_problem(unknown, 404, "letter_exists")
    assert_problem(deposit, 422, "deposit_list")
    assert types(api, invoice["id"]) == before
    assert [item["key"] for item in api.get("collector", "/v1/letters").json()] == [letter["key"]]


def test_the_print_batch_and_its_deposit_list_over_http_lead_to_the_posting(
    mailing_api: tuple[Api, Inbox],  # noqa: F811
) -> None:
    api, _ = mailing_api
    invoice, letter = a_letter_to_post(api)

    batch = api.get("collector", "/v1/letters/batch.pdf")
    listing = api.get("manager", "/v1/letters/deposit-list.csv", prepared_on=letter["prepared_on"])

    assert batch.status_code == 200 and batch.headers["content-type"] == "application/pdf"
    assert batch.headers["x-letters"] == "1"
    pages = PdfReader(io.BytesIO(batch.content)).pages
    assert "Liste de dépôt du" in pages[0].extract_text()
    assert invoice["invoice_number"] in "".join(page.extract_text() for page in pages[1:])
    assert listing.status_code == 200 and listing.headers["content-type"].startswith("text/csv")
    header, row = listing.content.decode("utf-8-sig").splitlines()
    assert header.split(";")[-2:] == ["date_depot", "numero_suivi"] and letter["key"] in row
    assert types(api, invoice["id"]).count("ReminderSent") == 1  # printing records nothing

    filled = f"{header}\r\n{row[:-1]}{api.days(0)};\r\n".encode("utf-8-sig")
    posted = api.as_("collector").post("/v1/letters/postings", content=filled, headers={"Content-Type": "text/csv"})

    assert posted.status_code == 201, posted.text
    assert types(api, invoice["id"]).count("ReminderSent") == 2
    assert_problem(api.get("collector", "/v1/letters/batch.pdf"), 404, "no_letters_to_post")
    assert_problem(api.get("auditor", "/v1/letters/deposit-list.csv", prepared_on="15/06/2026"), 422)
