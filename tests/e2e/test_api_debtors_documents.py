"""Debtors, their contacts and what halts chasing them; content-addressed documents that
events refer to by SHA-256. Over HTTP against a real PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import PDF, PNG, Api, assert_problem, contact_body, debtor_body, new_id

pytestmark = pytest.mark.postgres


# ------------------------------------------------------------------ debtors


def test_a_registered_debtor_reads_back_with_its_address_and_version(api: Api) -> None:
    body = debtor_body(legal_name="Boulangerie Petit SAS", siren="732 829 320")

    response = api.post("accountant", "/v1/debtors", body)

    assert response.status_code == 201, response.text
    debtor_id = response.json()["aggregate_id"]
    assert response.headers["location"] == f"/v1/debtors/{debtor_id}"
    assert response.headers["etag"] == '"1"'
    read = api.get("collector", f"/v1/debtors/{debtor_id}")
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    state = read.json()
    assert (state["legal_name"], state["kind"], state["siren"]) == (
        "Boulangerie Petit SAS",
        "professional",
        "732829320",
    )
    assert state["address"] == {"lines": ["12 rue des Lilas"], "postal_code": "69003", "city": "Lyon", "country": "FR"}
    assert [e["type"] for e in api.journal(debtor_id, "debtors")] == ["DebtorRegistered"]


def test_a_debtor_may_be_registered_under_the_callers_own_id_once(api: Api) -> None:
    debtor_id = new_id()

    first = api.post("manager", "/v1/debtors", debtor_body(debtor_id=debtor_id))
    again = api.post("manager", "/v1/debtors", debtor_body(debtor_id=debtor_id))

    assert first.status_code == 201
    assert first.json()["aggregate_id"] == debtor_id
    assert_problem(again, 409, "debtor_unique")
    assert len(api.journal(debtor_id, "debtors")) == 1


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"siren": None}, "professional_siren"),
        ({"siren": "732829321"}, "siren_format"),
        ({"siren": "732829320", "siret": "73282932000075"}, "siret_format"),
        ({"address": {"lines": ["1 rue"], "postal_code": "75001", "city": "Paris", "country": "F1"}}, "country_format"),
    ],
)
def test_a_debtor_with_invalid_identity_is_422_and_not_registered(
    api: Api, overrides: dict[str, Any], rule: str
) -> None:
    debtor_id = new_id()

    response = api.post("accountant", "/v1/debtors", debtor_body(debtor_id=debtor_id, **overrides))

    assert_problem(response, 422, rule)
    assert_problem(api.get("auditor", f"/v1/debtors/{debtor_id}"), 404, "debtor_exists")


def test_debtors_are_listed_by_page_and_filtered_by_kind(fresh_api: Api) -> None:
    api = fresh_api
    names = ["Alpha SA", "Bravo SARL", "Charlie SAS"]
    for name in names:
        api.debtor(legal_name=name)
    consumer = api.debtor("consumer", legal_name="Denise Durand")

    first = api.get("auditor", "/v1/debtors", limit=2).json()
    second = api.get("auditor", "/v1/debtors", limit=2, offset=2).json()
    consumers = api.get("auditor", "/v1/debtors", kind="consumer").json()

    assert (first["total"], first["limit"], first["offset"]) == (4, 2, 0)
    assert [d["legal_name"] for d in first["items"] + second["items"]] == [*names, "Denise Durand"]
    assert (second["total"], second["offset"]) == (4, 2)
    assert [d["id"] for d in consumers["items"]] == [consumer["id"]]
    assert consumers["total"] == 1


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -3}, {"kind": "company"}])
def test_debtor_list_parameters_out_of_range_are_422(api: Api, params: dict[str, object]) -> None:
    assert_problem(api.get("auditor", "/v1/debtors", **params), 422)


def test_an_unknown_debtor_is_404_on_read_journal_command_and_invoice(api: Api) -> None:
    missing = new_id()

    assert_problem(api.get("auditor", f"/v1/debtors/{missing}"), 404, "debtor_exists")
    assert_problem(api.get("auditor", f"/v1/debtors/{missing}/journal"), 404)
    assert_problem(api.post("manager", f"/v1/debtors/{missing}/priority", {"priority": "high"}), 404)
    assert_problem(api.post("accountant", "/v1/receivables", api.invoice_body(missing)), 404, "debtor_exists")


def test_contacts_are_added_then_changed_in_place(api: Api) -> None:
    debtor_id = api.debtor()["id"]

    added = api.ok("collector", f"/v1/debtors/{debtor_id}/contacts", contact_body())
    contact_id = added["state"]["contacts"][0]["contact_id"]
    changed = api.ok(
        "accountant",
        f"/v1/debtors/{debtor_id}/contacts/{contact_id}",
        contact_body(role="signatory", email="j.martin@example.fr", phone=None),
    )

    assert changed["state"]["contacts"] == [
        {"contact_id": contact_id, "role": "signatory", "name": "Jeanne Martin", "email": "j.martin@example.fr",
         "phone": None}
    ]  # fmt: skip
    assert [e["type"] for e in api.journal(debtor_id, "debtors")] == [
        "DebtorRegistered",
        "ContactAdded",
        "ContactChanged",
    ]


def test_changing_an_unknown_contact_is_409_and_a_bad_email_422(api: Api) -> None:
    debtor_id = api.debtor()["id"]

    unknown = api.post("collector", f"/v1/debtors/{debtor_id}/contacts/{new_id()}", contact_body())
    bad_email = api.post("collector", f"/v1/debtors/{debtor_id}/contacts", contact_body(email="jeanne at example"))

    assert_problem(unknown, 409, "contact_exists")
    assert_problem(bad_email, 422, "email_format")
    assert len(api.journal(debtor_id, "debtors")) == 1


def test_credit_limit_priority_and_policy_show_in_the_debtor(api: Api) -> None:
    debtor_id = api.debtor()["id"]

    api.ok("manager", f"/v1/debtors/{debtor_id}/credit-limit", {"limit": "500.00"})
    api.ok("manager", f"/v1/debtors/{debtor_id}/priority", {"priority": "critical"})
    state = api.ok("manager", f"/v1/debtors/{debtor_id}/policy", {"policy_id": "small-invoices"})["state"]

    assert state["credit_limit"] == {"amount": "500.00", "currency": "EUR"}
    assert (state["priority"], state["policy_id"]) == ("critical", "small-invoices")
    assert state["version"] == 4
    assert_problem(api.post("manager", f"/v1/debtors/{debtor_id}/priority", {"priority": "critical"}), 409)


def test_insolvency_starts_the_two_month_claim_deadline_and_admits_a_declaration(api: Api) -> None:
    debtor_id = api.debtor()["id"]
    premature = api.post(
        "manager",
        f"/v1/debtors/{debtor_id}/claim-declarations",
        {"declared_on": api.days(0), "amount": "100.00", "administrator": "Me Dupont"},
    )
    publication = (api.today - timedelta(days=40)).replace(day=10)
    two_months_later = date(publication.year + (publication.month + 1) // 12, (publication.month + 1) % 12 + 1, 10)

    opened = api.ok(
        "manager",
        f"/v1/debtors/{debtor_id}/insolvency",
        {
            "procedure": "liquidation",
            "court": "Tribunal de commerce de Lyon",
            "judgment_date": (publication - timedelta(days=5)).isoformat(),
            "publication_date": publication.isoformat(),
        },
    )
    declared = api.ok(
        "manager",
        f"/v1/debtors/{debtor_id}/claim-declarations",
        {"declared_on": api.days(0), "amount": "1200.00", "administrator": "Me Dupont"},
    )

    assert_problem(premature, 409, "insolvency_open")
    insolvency = opened["state"]["insolvency"]
    assert insolvency["procedure"] == "liquidation"
    assert insolvency["claim_declaration_deadline"] == two_months_later.isoformat()
    assert declared["state"]["insolvency"]["claims_declared"] == 1


def test_a_consumers_consent_and_erasure_and_no_invoice_after_it(api: Api) -> None:
    consumer = api.debtor("consumer", legal_name="Denise Durand")
    professional = api.debtor()

    consent = api.ok(
        "collector", f"/v1/debtors/{consumer['id']}/electronic-delivery-consent", {"consented_on": api.days(-1)}
    )
    erased = api.ok("manager", f"/v1/debtors/{consumer['id']}/erasure", {"reason": "GDPR art. 17 request"})
    refused = api.post("manager", f"/v1/debtors/{professional['id']}/erasure", {"reason": "asked"})
    invoice = api.post("accountant", "/v1/receivables", api.invoice_body(consumer["id"]))

    assert consent["state"]["electronic_delivery_consented_on"] == api.days(-1)
    assert erased["state"]["erased"] is True
    state = erased["state"]
    assert (state["legal_name"], state["address"], state["contacts"]) == ("[effacé]", None, [])
    assert api.get("auditor", f"/v1/debtors/{consumer['id']}").json()["legal_name"] == "[effacé]"
    assert_problem(refused, 409, "erase_natural_persons_only")
    assert_problem(invoice, 409, "debtor_not_erased")


def test_a_debtor_command_with_a_stale_if_match_is_412_and_records_nothing(api: Api) -> None:
    debtor_id = api.debtor()["id"]
    etag = api.get("manager", f"/v1/debtors/{debtor_id}").headers["etag"]
    api.ok("manager", f"/v1/debtors/{debtor_id}/policy", {"policy_id": "default"})

    stale = api.post("manager", f"/v1/debtors/{debtor_id}/priority", {"priority": "high"}, **{"If-Match": etag})
    fresh = api.post("manager", f"/v1/debtors/{debtor_id}/priority", {"priority": "high"}, **{"If-Match": '"2"'})

    assert_problem(stale, 412, "if_match")
    assert fresh.status_code == 201
    assert fresh.headers["etag"] == '"3"'


# ---------------------------------------------------------------- documents


def test_a_pdf_is_stored_under_its_sha256_and_read_back_byte_for_byte(api: Api) -> None:
    content = api.unique_pdf()
    digest = hashlib.sha256(content).hexdigest()

    response = api.as_("collector").post("/v1/documents", content=content, headers={"Content-Type": "application/pdf"})

    assert response.status_code == 201, response.text
    stored = response.json()
    assert (stored["sha256"], stored["media_type"], stored["size"], stored["stored"]) == (
        digest,
        "application/pdf",
        len(content),
        True,
    )
    assert response.headers["location"] == f"/v1/documents/{digest}"
    read = api.get("auditor", f"/v1/documents/{digest}")
    assert read.status_code == 200
    assert read.content == content
    assert read.headers["content-type"] == "application/pdf"
    assert read.headers["etag"] == f'"{digest}"'
    assert f'filename="{digest}.pdf"' in read.headers["content-disposition"]


def test_uploading_the_same_bytes_again_returns_200_and_stores_nothing_new(api: Api) -> None:
    content = api.unique_pdf()
    first = api.as_("collector").post("/v1/documents", content=content, headers={"Content-Type": "application/pdf"})

    again = api.as_("accountant").post("/v1/documents", content=content, headers={"Content-Type": "application/pdf"})

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["stored"] is False
    assert again.json()["sha256"] == first.json()["sha256"]
    assert again.json()["created_at"] == first.json()["created_at"]


def test_a_png_and_a_text_with_parameters_are_stored_with_their_media_type(api: Api) -> None:
    png = PNG + api.unique("png").encode()
    text = f"Courrier reçu le {api.days(0)}".encode()

    stored_png = api.as_("manager").post("/v1/documents", content=png, headers={"Content-Type": "image/png"})
    stored_text = api.as_("manager").post(
        "/v1/documents", content=text, headers={"Content-Type": "text/plain; charset=utf-8"}
    )

    assert stored_png.status_code == 201
    assert stored_text.json()["media_type"] == "text/plain"
    read = api.get("auditor", f"/v1/documents/{hashlib.sha256(png).hexdigest()}")
    assert (read.content, read.headers["content-type"]) == (png, "image/png")


@pytest.mark.parametrize(
    ("content", "media_type", "rule"),
    [
        (b"hello, not a pdf", "application/pdf", "document_media_type"),
        (PDF, "image/png", "document_media_type"),
        (b"PK\x03\x04 zip archive", "application/zip", "document_media_type"),
        (b"", "application/pdf", "document_empty"),
        (b"\xff\xfe\x00bad", "text/plain", "document_encoding"),
        (PDF, "", "document_media_type"),
    ],
)
def test_a_document_that_is_not_what_it_claims_is_422_and_not_stored(
    api: Api, content: bytes, media_type: str, rule: str
) -> None:
    content = content and content + api.unique(" #").encode()  # bytes no other test uploads

    response = api.as_("collector").post("/v1/documents", content=content, headers={"Content-Type": media_type})

    assert_problem(response, 422, rule)
    assert_problem(api.get("auditor", f"/v1/documents/{hashlib.sha256(content).hexdigest()}"), 404)


def test_an_unknown_document_is_404_and_a_malformed_hash_422(api: Api) -> None:
    assert_problem(api.get("auditor", f"/v1/documents/{'0' * 64}"), 404, "document_exists")
    assert_problem(api.get("auditor", "/v1/documents/ABC"), 422)
    assert_problem(api.get("auditor", f"/v1/documents/{'A' * 64}"), 422)


def test_an_event_naming_an_unknown_document_is_422_and_a_stored_one_is_recorded(api: Api) -> None:
    rid = api.invoice()["id"]
    unknown = hashlib.sha256(b"never uploaded").hexdigest()
    attach = {"kind": "delivery_proof", "media_type": "application/pdf"}

    refused = api.post("collector", f"/v1/receivables/{rid}/documents", {**attach, "document_sha256": unknown})
    refused_notice = api.post(
        "collector",
        f"/v1/receivables/{rid}/formal-notices",
        {
            "channel": "registered_letter",
            "sent_on": api.days(0),
            "deadline": api.days(8),
            "principal": "1200.00",
            "interest": "0",
            "indemnity": "40.00",
            "document_sha256": unknown,
        },
    )
    stored = api.document(api.unique_pdf())
    accepted = api.post("collector", f"/v1/receivables/{rid}/documents", {**attach, "document_sha256": stored})

    assert_problem(refused, 422, "document_stored")
    assert_problem(refused_notice, 422, "document_stored")
    assert accepted.status_code == 201
    assert accepted.json()["events"][0]["data"]["document_sha256"] == stored
    assert api.receivable(rid)["documents"] == [stored]
    assert [e["type"] for e in api.journal(rid)] == ["InvoiceIssued", "DocumentAttached"]
