"""The console's Preuves page and the public verify page, over HTTP on PostgreSQL (issue 18): a bundle
downloaded in one click verifies on the verify page; a changed byte fails the check it breaks."""

from __future__ import annotations

import html
import io
import re
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql

from api.bootstrap import fingerprint, load_signer
from tests.e2e.conftest import Api, postgres_settings, running_api
from tests.evidence.bundles import journal_lines, public_pem, resign, rezip, unzip, with_journal, write_key
from tests.support.console import assert_no_inline_code, csrf, hidden, person
from tests.support.throwaway_postgres import with_dbname

PASSED, FAILED, SKIPPED = "✓ Réussie", "✗ Échouée", "– Non effectuée"


@pytest.fixture(scope="module")
def api(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The module's API on its own PostgreSQL database, with the firm's key in RELANCE_SIGNING_KEY_FILE."""
    folder = tmp_path_factory.mktemp("console-evidence")
    write_key(folder / "firm.pem")
    name = f"relance_e2e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        settings = postgres_settings(with_dbname(postgres_url, name), folder / "data", firm_name="Cabinet Martin",
                                     signing_key_file=folder / "firm.pem")  # fmt: skip
        with running_api(settings) as running:
            yield running
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def firm_fingerprint(api: Api) -> str:
    return fingerprint(load_signer(api.services.settings, create=False).public_key_pem)


def invoice_with_a_letter(api: Api) -> dict[str, str]:
    """An overdue invoice with a reminder letter (a stored document) and a payment."""
    receivable = api.invoice(days_overdue=40)
    letter = api.document(api.unique_pdf())
    api.ok("admin", f"/v1/receivables/{receivable['id']}/reminders",
           {"stage": "first", "channel": "letter", "sent_on": api.days(-10), "document_sha256": letter})  # fmt: skip
    api.ok("admin", f"/v1/receivables/{receivable['id']}/payments", api.payment_body("100.00"))
    return receivable


def download(client: httpx.Client, **target: str) -> httpx.Response:
    return client.post("/preuves/paquet", data={"csrf": csrf(client, "/preuves"), **target})


def anonymous(api: Api) -> httpx.Client:
    return httpx.Client(base_url=api.base_url, timeout=30, follow_redirects=False)


def verify_token(client: httpx.Client) -> str:
    """The verify form's token; its cookie (Secure) copied into the jar, as a browser on 127.0.0.1 sends it."""
    page = client.get("/verifier")
    assert page.status_code == 200, page.text
    cookie = page.cookies.get("relance_verify")
    assert cookie
    client.cookies.delete("relance_verify")
    client.cookies.set("relance_verify", cookie)
    return hidden(page.text, "token")


def upload(client: httpx.Client, content: bytes, name: str = "preuve.zip") -> httpx.Response:
    token = verify_token(client)
    return client.post("/verifier", data={"token": token}, files={"paquet": (name, content, "application/zip")})


def shown(response: httpx.Response) -> str:
    """The page as read (entities such as the apostrophe's &#39; decoded)."""
    return html.unescape(response.text)


def outcomes(page: str) -> dict[int, str]:
    """Each check's number and shown outcome, from the results table."""
    found = {}
    for row in re.finditer(r'<tr class="check (\w+)" id="verification-(\d)">(.*?)</tr>', page, re.S):
        mark = re.search(r'<span class="outcome \w+">([^<]+)</span>', row.group(3))
        assert mark, row.group(0)
        assert row.group(1) in ("passed", "failed", "skipped")
        found[int(row.group(2))] = mark.group(1)
    return found


def one_byte_changed(bundle: bytes, member: str) -> bytes:
    """The same bundle with one byte of one of its files changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = bytearray(source.read(info))
            if info.filename == member:
                data[len(data) // 2] ^= 0x01
            target.writestr(info.filename, bytes(data))
    return out.getvalue()


def receivable_bundle(api: Api) -> tuple[dict[str, str], bytes]:
    receivable = invoice_with_a_letter(api)
    with closing(person(api, "auditor", "ines.audit")) as auditor:
        response = download(auditor, creance=receivable["id"])
    assert response.status_code == 200, response.text
    return receivable, response.content


def test_a_bundle_downloaded_from_the_console_verifies_on_the_verify_page(api: Api) -> None:
    receivable = invoice_with_a_letter(api)
    with closing(person(api, "auditor", "ines.audit")) as auditor:
        page = auditor.get("/preuves", params={"q": receivable["invoice_number"].lower()})
        assert page.status_code == 200
        assert receivable["invoice_number"] in page.text and 'name="creance"' in page.text
        assert firm_fingerprint(api) in page.text

        response = download(auditor, creance=receivable["id"])

        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/zip"
        assert response.headers["content-disposition"] == (
            f'attachment; filename="evidence-{receivable["invoice_number"]}.zip"'
        )
        assert "ines.audit" in auditor.get("/preuves").text  # the digest the export published, in her name
    with anonymous(api) as visitor:
        checked = upload(visitor, response.content)
    assert checked.status_code == 200, checked.text
    assert "Paquet intact" in checked.text
    assert outcomes(checked.text) == dict.fromkeys(range(1, 6), PASSED)
    assert "1 référence(s) à une pièce, toutes présentes dans documents/" in checked.text
    assert f'<code class="fingerprint">{firm_fingerprint(api)}</code>' in checked.text
    assert "Identique" in checked.text


@pytest.mark.parametrize(
    ("member", "failed", "title"),
    [
        ("journal.jsonl", 2, "Empreintes des fichiers"),
        ("calculation.json", 2, "Empreintes des fichiers"),
        ("manifest.json", 1, "Signature du manifeste"),
        ("documents/", 2, "Empreintes des fichiers"),  # the reminder letter
    ],
)
def test_a_bundle_with_one_byte_changed_fails_the_check_it_breaks(
    api: Api, member: str, failed: int, title: str
) -> None:
    _, bundle = receivable_bundle(api)
    member = next(name for name in unzip(bundle) if name.startswith(member))

    with anonymous(api) as visitor:
        checked = upload(visitor, one_byte_changed(bundle, member))

    assert checked.status_code == 200, checked.text
    found = outcomes(checked.text)
    assert found[failed] == FAILED
    assert all(found[n] == PASSED for n in range(1, failed))
    assert all(found[n] == SKIPPED for n in range(failed + 1, 6))
    assert f"la vérification {failed} ({title}) a échoué" in checked.text
    if failed == 2:
        assert f"{member} : son empreinte SHA-256" in checked.text and "le fichier a été modifié" in checked.text


def test_a_forger_who_signs_again_a_changed_journal_fails_the_journal_check_and_shows_another_key(
    api: Api, tmp_path: Path
) -> None:
    _, bundle = receivable_bundle(api)
    files = unzip(bundle)
    lines = journal_lines(files)
    lines[0] = lines[0].replace(b'"admin-desk"', b'"admin-desj"', 1)
    assert lines[0] != journal_lines(files)[0]
    forger = write_key(tmp_path / "forger.pem")

    with anonymous(api) as visitor:
        checked = upload(visitor, rezip(resign(with_journal(files, lines), forger)))

    found = outcomes(checked.text)
    assert (found[1], found[2], found[3], found[4]) == (PASSED, PASSED, FAILED, SKIPPED)
    assert "son empreinte ne se recalcule pas : l'événement a été modifié" in shown(checked)
    assert "Différente" in checked.text and fingerprint(public_pem(forger)) in checked.text


def test_a_bundle_signed_again_with_another_key_fails_the_digest_check(api: Api, tmp_path: Path) -> None:
    """Nothing changed but the signature: the firm's signed digest does not verify with the forger's key."""
    _, bundle = receivable_bundle(api)
    forger = write_key(tmp_path / "forger.pem")

    with anonymous(api) as visitor:
        checked = upload(visitor, rezip(resign(unzip(bundle), forger)))

    assert outcomes(checked.text) == {1: PASSED, 2: PASSED, 3: PASSED, 4: PASSED, 5: FAILED}
    assert "sa signature ne se vérifie pas avec la clé du manifeste" in checked.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7 not a bundle at all", "ce n'est pas une archive ZIP lisible"),
        (b"PK\x03\x04 a truncated zip", "ce n'est pas une archive ZIP lisible"),
    ],
)
def test_a_file_that_is_no_bundle_gets_a_french_message(api: Api, content: bytes, message: str) -> None:
    with anonymous(api) as visitor:
        answer = upload(visitor, content, "facture.pdf")
    assert answer.status_code == 422
    assert message in shown(answer)
    assert "<table" not in answer.text.split('id="resultat"')[1]


def test_a_zip_that_is_no_bundle_says_what_it_lacks(api: Api) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("photo.txt", "des vacances")
    with anonymous(api) as visitor:
        answer = upload(visitor, archive.getvalue())
        empty = upload(visitor, b"", "vide.zip")
        missing = visitor.post("/verifier", data={"token": verify_token(visitor)})
    assert answer.status_code == 200
    assert "elle ne contient pas manifest.json" in shown(answer)
    assert outcomes(answer.text)[1] == FAILED
    assert empty.status_code == 422 and "Ce fichier est vide" in empty.text
    assert missing.status_code == 422 and "Choisissez le fichier" in missing.text


def test_the_verify_page_works_without_a_session_and_its_form_needs_its_token(api: Api) -> None:
    with anonymous(api) as visitor:
        page = visitor.get("/verifier")
        assert page.status_code == 200
        assert "Vérifier un paquet de preuves" in page.text and "Se déconnecter" not in page.text
        cookie = page.headers["set-cookie"]
        assert "relance_verify=" in cookie and "HttpOnly" in cookie and "Path=/verifier" in cookie
        assert "samesite=strict" in cookie.lower()
        assert_no_inline_code(page.text)
        assert f'<code class="fingerprint">{firm_fingerprint(api)}</code>' in page.text

        forged = visitor.post("/verifier", data={"token": "forged"},
                              files={"paquet": ("p.zip", b"PK", "application/zip")})  # fmt: skip
        assert forged.status_code == 403 and "Le formulaire a expiré" in shown(forged)
        mangled = visitor.post(
            "/verifier", content=b"--x\r\nno header end", headers={"Content-Type": "multipart/form-data"}
        )
        assert mangled.status_code == 400 and "Le fichier n'a pas pu être reçu" in shown(mangled)


def test_a_debtor_is_found_by_name_and_its_bundle_holds_all_its_invoices(api: Api) -> None:
    debtor = api.debtor(legal_name="Boulangerie Éclair SAS")
    first, second = api.invoice(debtor["id"]), api.invoice(debtor["id"], days_overdue=5)
    with closing(person(api, "manager", "marc.preuves")) as manager:
        found = manager.get("/preuves", params={"q": "eclair"})
        assert "Boulangerie Éclair SAS" in found.text and 'name="debiteur"' in found.text
        listed = manager.get("/preuves", params={"q": debtor["id"]})
        assert first["invoice_number"] in listed.text and second["invoice_number"] in listed.text

        response = download(manager, debiteur=debtor["id"])

    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        journal = bundle.read("journal.jsonl").decode()
    assert first["id"] in journal and second["id"] in journal and debtor["id"] in journal


def test_a_collector_sees_the_key_and_digests_but_may_not_download_a_bundle(api: Api) -> None:
    receivable = api.invoice()
    before = len(api.services.database.fetch("SELECT 1 FROM ledger_digests"))
    with closing(person(api, "collector", "nadia.preuves")) as collector:
        page = collector.get("/preuves", params={"q": receivable["invoice_number"]})
        assert page.status_code == 200
        assert receivable["invoice_number"] in page.text and 'name="creance"' not in page.text
        assert "réservé aux responsables" in page.text
        key = collector.get("/preuves/cle-publique.pem")
        assert key.status_code == 200 and fingerprint(key.text) == firm_fingerprint(api)

        refused = download(collector, creance=receivable["id"])

    assert refused.status_code == 403 and "Accès refusé" in refused.text
    assert len(api.services.database.fetch("SELECT 1 FROM ledger_digests")) == before


def test_a_download_without_the_sessions_token_is_refused_and_signs_nothing(api: Api) -> None:
    receivable = api.invoice()
    before = len(api.services.database.fetch("SELECT 1 FROM ledger_digests"))
    with closing(person(api, "auditor", "ines.audit")) as auditor:
        forged = auditor.post("/preuves/paquet", data={"csrf": "forged", "creance": receivable["id"]})
        unknown = download(auditor, creance=str(uuid.uuid4()))
    assert forged.status_code == 403 and "expiré" in forged.text
    assert unknown.status_code == 404 and "introuvable" in unknown.text
    assert len(api.services.database.fetch("SELECT 1 FROM ledger_digests")) == before
