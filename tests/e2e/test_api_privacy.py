"""GET /v1/debtors/{id}/access-export over HTTP: the access request (GDPR art. 15) as a ZIP for managers,
auditors and admins; other roles refused with 403; an unknown debtor 404."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import ROLES, Api, assert_problem, new_id

pytestmark = pytest.mark.postgres

ADMITTED = {"admin", "manager", "auditor"}


def consumer_with_a_letter(api: Api) -> dict[str, str]:
    """A consumer with a contact, an invoice and a reminder letter in the document store."""
    debtor_id = api.debtor("consumer", legal_name="Lucie Moreau")["id"]
    api.contact(debtor_id)
    receivable = api.invoice(debtor_id, amount="1500.00", days_overdue=40)
    letter = api.document(api.unique_pdf())
    api.ok("admin", f"/v1/receivables/{receivable['id']}/reminders",
           {"stage": "first", "channel": "letter", "sent_on": api.days(-10), "document_sha256": letter})  # fmt: skip
    return {"debtor_id": debtor_id, "letter": letter, "invoice_number": receivable["invoice_number"]}


@pytest.mark.parametrize("role", sorted(ADMITTED))
def test_the_access_export_is_a_zip_of_the_person_the_receivables_the_letter_and_the_notice(
    api: Api, role: str
) -> None:
    ids = consumer_with_a_letter(api)

    response = api.get(role, f"/v1/debtors/{ids['debtor_id']}/access-export")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == f'attachment; filename="acces-{ids["debtor_id"]}.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == ["acces.pdf", "creances.json", f"documents/{ids['letter']}.pdf", "personnes.json"]
    person = json.loads(archive.read("personnes.json"))
    assert (person["legal_name"], person["contacts"][0]["email"]) == ("Lucie Moreau", "jeanne.martin@example.fr")
    (receivable,) = json.loads(archive.read("creances.json"))["receivables"]
    assert receivable["invoice_number"] == ids["invoice_number"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read("acces.pdf"))).pages)
    assert "Lucie Moreau" in text and "article 15" in text


def test_other_roles_are_refused_with_403(api: Api) -> None:
    ids = consumer_with_a_letter(api)

    for role in sorted(set(ROLES) - ADMITTED):
        problem = assert_problem(api.get(role, f"/v1/debtors/{ids['debtor_id']}/access-export"), 403)
        assert role in problem["detail"]


def test_an_unknown_debtor_is_404(api: Api) -> None:
    assert_problem(api.get("manager", f"/v1/debtors/{new_id()}/access-export"), 404, "debtor_exists")
