"""What a security review asked of the HTTP API (issue 15, items 18, 21, 22): a size limit checked
before the body is read or the token looked at, documents of an allow-list checked on their content,
security headers on every answer, a limit on failed authentications per address, and /docs served
without any CDN."""

from __future__ import annotations

import hashlib
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from infrastructure.documents import MAX_DOCUMENT_BYTES
from infrastructure.import_files import MAX_IMPORT_BYTES
from tests.e2e.conftest import PDF, Api, assert_problem, running_api, serving, sqlite_settings

MIB = 1024 * 1024


def raw_request(base_url: str, head: str, *, timeout: float = 5.0) -> bytes:
    """Send only the request line and headers (no body at all) and read what the server answers."""
    address = urlsplit(base_url)
    with socket.create_connection((address.hostname, address.port), timeout=timeout) as connection:
        connection.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


# ------------------------------------------------------------------ body size (item 18)


@pytest.mark.parametrize(
    ("path", "length"),
    [("/v1/receivables", 200 * MIB), ("/v1/documents", MAX_DOCUMENT_BYTES + 1), ("/v1/imports/payments", 21 * MIB)],
)
def test_a_body_declared_over_the_limit_is_413_before_it_is_sent_and_before_the_token_is_checked(
    sqlite_api: Api, path: str, length: int
) -> None:
    """No token and not one byte of the body sent: the answer is a 413 (not a 401, not a wait for the body)."""
    head = f"POST {path} HTTP/1.1\nHost: relance\nContent-Type: application/json\nContent-Length: {length}\n"

    answer = raw_request(sqlite_api.base_url, head)

    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"application/problem+json" in answer
    assert b"x-content-type-options: nosniff" in answer.lower()


def test_a_body_sent_without_its_length_is_cut_at_the_limit_with_a_413_and_records_nothing(sqlite_api: Api) -> None:
    rid = sqlite_api.invoice()["id"]
    body = b'{"text": "' + b"x" * (2 * MIB) + b'"}'

    def chunks() -> Iterator[bytes]:  # a generator: httpx sends it chunked, without Content-Length
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    response = sqlite_api.as_("collector").post(
        f"/v1/receivables/{rid}/notes", content=chunks(), headers={"Content-Type": "application/json"}
    )

    problem = assert_problem(response, 413, "body_size")
    assert str(1024 * 1024) in problem["detail"]
    assert len(sqlite_api.journal(rid)) == 1


def test_uploads_have_their_own_larger_limit(sqlite_api: Api) -> None:
    pdf = PDF[:-6] + b"%" + b"x" * (2 * MIB) + b"\n%%EOF\n"  # over the JSON limit, under the documents' one

    stored = sqlite_api.as_("collector").post("/v1/documents", content=pdf, headers={"Content-Type": "application/pdf"})
    note = sqlite_api.as_("collector").post(
        f"/v1/receivables/{sqlite_api.invoice()['id']}/notes",
        content=b'{"text": "' + b"x" * (2 * MIB) + b'"}',
        headers={"Content-Type": "application/json"},
    )

    assert stored.status_code == 201, stored.text
    assert_problem(note, 413, "body_size")


def test_the_openapi_documents_the_413_of_every_body_and_the_429_of_every_token(sqlite_api: Api) -> None:
    paths = sqlite_api.app.openapi()["paths"]

    for path, item in paths.items():
        for method, operation in item.items():
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)
            if operation.get("security"):
                assert "Retry-After" in operation["responses"]["429"]["headers"], (method, path)
    assert str(MAX_DOCUMENT_BYTES) in paths["/v1/documents"]["post"]["responses"]["413"]["description"]
    assert str(MAX_IMPORT_BYTES) in paths["/v1/imports/payments"]["post"]["responses"]["413"]["description"]
    allocation = paths["/v1/imports/unmatched/{line_id}/allocation"]["post"]["responses"]["413"]
    assert str(1024 * 1024) in allocation["description"]  # JSON, however it is routed


# ------------------------------------------------------------------ documents (item 21)


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (b"<!doctype html><html><body><script>alert(1)</script></body></html>", "text/html"),
        (b"%PDF-1.7\n<html><script>alert(document.cookie)</script></html>\n%%EOF\n", "application/pdf"),
        (b"%PDF-1.7\n1 0 obj << >> endobj\n%" + b"-" * 2000 + b"\n<script>1</script>\n%%EOF\n", "application/pdf"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", "application/pdf"),  # no %%EOF: not a whole PDF
        (b"%PDF-<html>\n%%EOF\n", "application/pdf"),  # no version
        (b"\x89PNG\r\n\x1a\n<svg onload=alert(1)>", "image/png"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        (b"<?xml version='1.0'?><a/>", "application/xml"),
        (b"just some text, not a message", "message/rfc822"),
        (b"text with a \x00 byte", "text/plain"),
    ],
    ids=["html", "pdf-then-html", "pdf-with-a-script", "pdf-without-end", "pdf-without-version", "png-then-svg",
         "svg", "xml", "message-without-headers", "text-with-nul"],
)  # fmt: skip
def test_a_document_outside_the_allow_list_or_not_what_it_claims_is_refused(
    sqlite_api: Api, content: bytes, media_type: str
) -> None:
    response = sqlite_api.as_("collector").post("/v1/documents", content=content, headers={"Content-Type": media_type})

    problem = assert_problem(response, 422, "document_media_type")
    if media_type in ("text/html", "image/svg+xml", "application/xml"):
        accepted = "application/pdf, image/png, image/jpeg, image/tiff, application/json, message/rfc822, text/plain"
        assert accepted in problem["detail"]
    assert_problem(sqlite_api.get("auditor", f"/v1/documents/{hashlib.sha256(content).hexdigest()}"), 404)


def test_an_email_as_sent_is_accepted_and_served_back_as_a_message_with_nosniff(sqlite_api: Api) -> None:
    message = b"From: relance@example.fr\r\nSubject: Relance\r\n\r\nBonjour,\r\n<p>facture</p>\r\n"

    sha = sqlite_api.document(message, "message/rfc822")
    read = sqlite_api.get("auditor", f"/v1/documents/{sha}")

    assert (read.content, read.headers["content-type"]) == (message, "message/rfc822")
    assert read.headers["x-content-type-options"] == "nosniff"
    assert read.headers["content-disposition"].startswith("attachment;")


def test_a_document_stored_as_html_before_the_allow_list_is_served_as_bytes_to_save(sqlite_api: Api) -> None:
    content = b"<html><script>alert(1)</script></html>"
    sha = hashlib.sha256(content).hexdigest()
    sqlite_api.services.database.execute(
        "INSERT INTO documents (sha256, media_type, size, content, created_at, created_by)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        (sha, "text/html", len(content), content, "2026-01-05T10:00:00Z", "an older relance"),
    )

    read = sqlite_api.get("auditor", f"/v1/documents/{sha}")

    assert read.status_code == 200
    assert read.headers["content-type"] == "application/octet-stream"
    assert read.headers["x-content-type-options"] == "nosniff"
    assert read.headers["content-disposition"] == f'attachment; filename="{sha}.bin"'


# ------------------------------------------------------------------ security headers (item 22)


def test_every_answer_carries_the_security_headers_and_authenticated_ones_are_not_stored(sqlite_api: Api) -> None:
    rid = sqlite_api.invoice()["id"]
    answers = {
        "read": sqlite_api.get("auditor", f"/v1/receivables/{rid}"),
        "command": sqlite_api.post("collector", f"/v1/receivables/{rid}/notes", {"text": "vu"}),
        "document": sqlite_api.get("auditor", f"/v1/documents/{sqlite_api.document()}"),
        "401": sqlite_api.anonymous().get(f"/v1/receivables/{rid}"),
        "422": sqlite_api.post("collector", f"/v1/receivables/{rid}/notes", {"text": 1}),
        "unrouted 404": sqlite_api.anonymous().get("/nowhere"),
        "probe": sqlite_api.anonymous().get("/healthz"),
        "openapi": sqlite_api.anonymous().get("/openapi.json"),
    }

    for name, response in answers.items():
        assert response.headers["x-content-type-options"] == "nosniff", name
        assert response.headers["x-frame-options"] == "DENY", name
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], name
        assert response.headers["cache-control"] == "no-store", name
        assert response.headers["referrer-policy"] == "no-referrer", name
    assert answers["read"].headers["content-security-policy"].startswith("default-src 'none'")


# ------------------------------------------------------- failed authentications (item 22)


@pytest.fixture
def strict_api(tmp_path: Path) -> Iterator[Api]:
    """An API admitting three unknown tokens per address and minute."""
    with running_api(sqlite_settings(tmp_path / "store", auth_failures_per_minute=3)) as running:
        yield running


def test_past_the_limit_of_failed_authentications_an_address_gets_429_until_the_window_passes(
    strict_api: Api,
) -> None:
    guesses = [strict_api.client(f"rl_guess{n}").get("/v1/receivables") for n in range(3)]

    blocked = strict_api.as_("auditor").get("/v1/receivables")  # even a good token, from that address
    strict_api.clock.advance(timedelta(seconds=30))
    still = strict_api.client("rl_guess4").get("/v1/receivables")
    strict_api.clock.advance(timedelta(seconds=31))
    again = strict_api.as_("auditor").get("/v1/receivables")

    assert [g.status_code for g in guesses] == [401, 401, 401]
    problem = assert_problem(blocked, 429)
    assert problem["type"] == "urn:relance:problem:too_many_failed_authentications"
    assert blocked.headers["retry-after"] == "60"
    assert blocked.headers["x-content-type-options"] == "nosniff"
    assert (still.status_code, still.headers["retry-after"]) == (429, "30")
    assert again.status_code == 200, again.text


def test_requests_without_a_token_are_not_failed_authentications(strict_api: Api) -> None:
    for _ in range(5):
        assert_problem(strict_api.anonymous().get("/v1/receivables"), 401)
        assert_problem(strict_api.client(**{"Authorization": "Basic eDp4"}).get("/v1/receivables"), 401)

    assert strict_api.as_("auditor").get("/v1/receivables").status_code == 200


def test_the_failures_are_counted_per_client_address(tmp_path: Path) -> None:
    from api.http.hardening import FailedAuthentications

    now = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
    failures = FailedAuthentications(2, lambda: now, addresses=2)
    for address in ("10.0.0.1", "10.0.0.1", "10.0.0.2"):
        failures.failed(address)
    failures.failed("10.0.0.3")  # a third address: the oldest one is forgotten

    assert failures.retry_after("10.0.0.1") is None  # forgotten (bounded memory)
    assert failures.retry_after("10.0.0.2") is None  # one failure: under the limit
    failures.failed("10.0.0.2")
    assert failures.retry_after("10.0.0.2") == 60


# ------------------------------------------------------------------ /docs offline (item 22)


def test_docs_are_served_from_relance_itself_with_no_address_outside_it(sqlite_api: Api) -> None:
    client = sqlite_api.anonymous()
    page = client.get("/docs")

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and not [a for a in assets if "//" in a], assets
    assert "<script>" not in page.text, "no inline script: the policy admits scripts from relance only"
    policy = page.headers["content-security-policy"]
    assert "script-src" not in policy and "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    kinds = {}
    for asset in assets:
        response = client.get(urljoin(str(page.url), asset))
        assert response.status_code == 200, asset
        kinds[asset.rsplit(".", 1)[-1]] = response.headers["content-type"].split(";")[0]
        if asset.endswith(".js"):
            assert "cdn." not in response.text and "unpkg" not in response.text, asset
    assert kinds == {"css": "text/css", "png": "image/png", "js": "text/javascript"}
    initializer = client.get(urljoin(str(page.url), "docs/assets/swagger-initializer.js")).text
    assert 'url: "openapi.json"' in initializer and "validatorUrl: null" in initializer
    assert client.get(urljoin(str(page.url), "openapi.json")).json()["info"]["title"] == "relance"


def test_docs_assets_are_the_vendored_swagger_ui_files(sqlite_api: Api) -> None:
    folder = Path(__file__).parents[2] / "api" / "http" / "static" / "swagger-ui"
    lines = [line.split() for line in (folder / "VERSION").read_text().splitlines() if line.startswith("sha256")]
    recorded = {name: digest for _, digest, name in lines}

    for name, digest in recorded.items():
        served = httpx.get(f"{sqlite_api.base_url}/docs/assets/{name}")
        assert hashlib.sha256(served.content).hexdigest() == digest, name


def test_an_unexpected_error_answered_outside_the_middlewares_carries_the_security_headers_too(
    tmp_path: Path,
) -> None:
    from api.http.app import build_services, create_app

    settings = sqlite_settings(tmp_path / "store")
    services = build_services(settings)
    try:
        app = create_app(settings, services=services)

        def broken() -> None:
            raise RuntimeError("a bug")

        app.add_api_route("/broken", broken, methods=["GET"])
        with serving(app) as base_url:
            response = httpx.get(f"{base_url}/broken")
    finally:
        services.close()

    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
