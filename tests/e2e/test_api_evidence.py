"""The evidence endpoints over HTTP: the firm's public key, ledger digests, and the bundles
of a receivable and of a debtor (roles manager, auditor, admin), checked with `relance verify`."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.e2e.conftest import Api, assert_problem, new_id, postgres_settings, running_api, sqlite_settings
from tests.evidence.bundles import public_pem, write_key


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def keyed_api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """The API with the firm's key in RELANCE_SIGNING_KEY_FILE, on SQLite and on PostgreSQL."""
    key = write_key(tmp_path / "firm.pem")
    (tmp_path / "public.pem").write_text(public_pem(key))
    overrides = {"signing_key_file": tmp_path / "firm.pem", "firm_name": "Cabinet Martin"}
    if request.param == "postgres":
        settings = postgres_settings(request.getfixturevalue("fresh_postgres_database"), tmp_path / "data", **overrides)
    else:
        settings = sqlite_settings(tmp_path / "data", **overrides)
    with running_api(settings) as api:
        yield api


def escalated_invoice(api: Api) -> dict[str, str]:
    """An overdue invoice with a reminder letter (a stored document) and a payment."""
    receivable = api.invoice(days_overdue=40)
    letter = api.document(api.unique_pdf())
    api.ok("admin", f"/v1/receivables/{receivable['id']}/reminders",
           {"stage": "first", "channel": "letter", "sent_on": api.days(-10), "document_sha256": letter})  # fmt: skip
    api.ok("admin", f"/v1/receivables/{receivable['id']}/payments", api.payment_body("100.00"))
    return {"receivable_id": receivable["id"], "debtor_id": receivable["debtor_id"], "letter": letter}


def verified(content: bytes, tmp_path: Path) -> str:
    (tmp_path / "b.zip").write_bytes(content)
    result = CliRunner().invoke(app, ["verify", str(tmp_path / "b.zip"), "--public-key", str(tmp_path / "public.pem")])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("role", ["manager", "auditor", "admin"])
def test_a_receivable_bundle_is_served_as_a_zip_that_verifies(keyed_api: Api, tmp_path: Path, role: str) -> None:
    ids = escalated_invoice(keyed_api)

    response = keyed_api.get(role, f"/v1/receivables/{ids['receivable_id']}/evidence")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith('attachment; filename="evidence-FA-2026-')
    verified(response.content, tmp_path)
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        assert f"documents/{ids['letter']}.pdf" in bundle.namelist()
    assert manifest["bundle_id"] == response.headers["x-bundle-id"]
    digests = keyed_api.get("auditor", "/v1/ledger/digests").json()["items"]
    assert digests[0]["root"] == manifest["digest"]["root"]
    assert digests[0]["published_by"] == f"{role}-desk"


def test_a_debtor_bundle_holds_all_its_receivables(keyed_api: Api, tmp_path: Path) -> None:
    ids = escalated_invoice(keyed_api)
    second = keyed_api.invoice(ids["debtor_id"], days_overdue=5)

    response = keyed_api.get("manager", f"/v1/debtors/{ids['debtor_id']}/evidence")

    assert response.status_code == 200, response.text
    verified(response.content, tmp_path)
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
    assert [a["aggregate_id"] for a in manifest["aggregates"]] == [ids["debtor_id"], ids["receivable_id"],
                                                                    second["id"]]  # fmt: skip


@pytest.mark.parametrize("role", ["collector", "accountant"])
def test_other_roles_may_not_export_nor_publish(keyed_api: Api, role: str) -> None:
    ids = escalated_invoice(keyed_api)

    for response in (
        keyed_api.get(role, f"/v1/receivables/{ids['receivable_id']}/evidence"),
        keyed_api.get(role, f"/v1/debtors/{ids['debtor_id']}/evidence"),
        keyed_api.post(role, "/v1/ledger/digests"),
    ):
        assert_problem(response, 403)
    assert keyed_api.get(role, "/v1/ledger/digests").json()["items"] == []


def test_an_unknown_receivable_or_debtor_is_404_and_signs_nothing(keyed_api: Api) -> None:
    assert_problem(keyed_api.get("auditor", f"/v1/receivables/{new_id()}/evidence"), 404)
    assert_problem(keyed_api.get("auditor", f"/v1/debtors/{new_id()}/evidence"), 404)
    assert keyed_api.get("auditor", "/v1/ledger/digests").json()["items"] == []


def test_a_missing_document_refuses_the_export_naming_it(keyed_api: Api) -> None:
    ids = escalated_invoice(keyed_api)
    keyed_api.services.database.execute("DELETE FROM documents WHERE sha256 = %s", (ids["letter"],))

    response = keyed_api.get("auditor", f"/v1/receivables/{ids['receivable_id']}/evidence")

    problem = assert_problem(response, 409, "document_stored")
    assert ids["letter"] in problem["detail"]


def test_digests_are_published_listed_newest_first_and_paged(keyed_api: Api) -> None:
    escalated_invoice(keyed_api)

    first = keyed_api.post("auditor", "/v1/ledger/digests")
    second = keyed_api.post("manager", "/v1/ledger/digests")
    page = keyed_api.get("accountant", "/v1/ledger/digests", limit=1).json()

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["sequence"] == 1 and second.json()["published_by"] == "manager-desk"
    assert [d["sequence"] for d in page["items"]] == [2]
    assert page["next_before"] == 2
    older = keyed_api.get("accountant", "/v1/ledger/digests", limit=1, before=2).json()
    assert [d["sequence"] for d in older["items"]] == [1] and older["next_before"] is None
    assert first.json()["root"] == second.json()["root"]  # nothing changed in between


def test_the_public_key_is_the_firms_in_pem(keyed_api: Api, tmp_path: Path) -> None:
    response = keyed_api.get("collector", "/v1/ledger/public-key")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-pem-file")
    assert response.text == (tmp_path / "public.pem").read_text()


def test_a_digest_is_refused_with_409_when_the_ledger_does_not_verify(keyed_api: Api) -> None:
    # Given the reminder deleted from the events table in plain SQL
    ids = escalated_invoice(keyed_api)
    settings = keyed_api.services.settings
    if settings.uses_postgres:
        keyed_api.services.database.execute(
            "DELETE FROM ledger_events WHERE originator_id = %s AND originator_version = 2", (ids["receivable_id"],)
        )
    else:
        connection = sqlite3.connect(settings.sqlite_path)
        with connection:
            connection.execute(
                "DELETE FROM stored_events WHERE originator_id = ? AND originator_version = 2",
                (ids["receivable_id"].replace("-", ""),),
            )
        connection.close()

    response = keyed_api.post("auditor", "/v1/ledger/digests")

    problem = assert_problem(response, 409, "ledger_verifies")
    assert f"aggregate {ids['receivable_id']} version 2" in problem["detail"]


@pytest.mark.postgres
def test_without_a_key_file_on_postgresql_signing_answers_503_naming_the_setting(
    fresh_postgres_database: str, tmp_path: Path
) -> None:
    with running_api(postgres_settings(fresh_postgres_database, tmp_path)) as api:
        ids = escalated_invoice(api)
        responses = [
            api.get("auditor", "/v1/ledger/public-key"),
            api.post("auditor", "/v1/ledger/digests"),
            api.get("auditor", f"/v1/receivables/{ids['receivable_id']}/evidence"),
        ]
        listing = api.get("auditor", "/v1/ledger/digests")

    for response in responses:
        problem = assert_problem(response, 503)
        assert "RELANCE_SIGNING_KEY_FILE is required with PostgreSQL" in problem["detail"]
    assert listing.status_code == 200 and listing.json()["items"] == []


def test_an_unknown_query_parameter_is_refused_rather_than_ignored(keyed_api: Api) -> None:
    ids = escalated_invoice(keyed_api)

    for path in ("/v1/ledger/digests?limt=5", "/v1/ledger/public-key?format=der",
                 f"/v1/receivables/{ids['receivable_id']}/evidence?as_of=2026-01-01"):  # fmt: skip
        problem = assert_problem(keyed_api.as_("auditor").get(path), 422, "unknown_query_parameter")
        assert path.rsplit("?", 1)[1].split("=")[0] in problem["detail"]
    assert keyed_api.get("auditor", "/v1/ledger/digests").json()["items"] == []  # nothing was exported


def test_an_erased_consumers_bundle_is_exported_with_the_erased_fields_shown_as_erased(
    keyed_api: Api, tmp_path: Path
) -> None:
    consumer = keyed_api.debtor("consumer", legal_name="Denise Durand")
    keyed_api.invoice(consumer["id"], days_overdue=40)
    keyed_api.ok("manager", f"/v1/debtors/{consumer['id']}/erasure", {"reason": "GDPR art. 17 request", "force": True})

    response = keyed_api.get("manager", f"/v1/debtors/{consumer['id']}/evidence")

    assert response.status_code == 200, response.text
    verified(response.content, tmp_path)
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        dossier = pypdf.PdfReader(io.BytesIO(bundle.read("dossier.pdf")))
        identification = json.loads(bundle.read("debtor.json"))
    text = " ".join(" ".join(page.extract_text() for page in dossier.pages).split())
    assert identification["erased"] is True and "legal_name" not in identification
    assert "(données effacées)" in text and "données personnelles effacées" in text
    assert "Denise Durand" not in text
