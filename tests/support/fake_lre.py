"""A local AR24 on 127.0.0.1 (in-process thread, port 0), following the API as infrastructure/ar24.py documents it.

It checks every call's token, date and signature and the fields of each request, keeps the attachments and
the mails it accepted, serves a small real PDF as the proof of each stage, makes the body of the callback AR24
would post, and can be told to fail (``fake.down = True``: every call answers 503).
"""

from __future__ import annotations

import email.parser
import email.policy
import io
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from pypdf import PdfWriter

from infrastructure.ar24 import DATE_FORMAT, seal_response, signature
from tests.support.local_http import serving

TOKEN = "ar24-test-token"
PRIVATE_KEY = "ar24-test-private-key"
USER_ID = "4242"
STAGE_FIELDS = {
    "dp": ("ts_dp_date", "proof_dp_url"),
    "ev": ("ts_ev_date", "proof_ev_url"),
    "AR": ("ts_ar_date", "proof_ar_url"),
    "refused": ("refused_date", "proof_rf_url"),
    "negligence": ("negligence_date", "proof_ng_url"),
}


def proof_pdf(title: str) -> bytes:
    """A small, real one-page PDF named for the proof it stands for."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title, "/Producer": "fake AR24"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@dataclass
class FakeAr24:
    base_url: str = ""
    down: bool = False
    attachments: dict[str, bytes] = field(default_factory=dict)
    mails: dict[str, dict[str, Any]] = field(default_factory=dict)
    submissions: int = 0
    refused_calls: list[str] = field(default_factory=list)  # why each refused call was refused
    lock: threading.Lock = field(default_factory=threading.Lock)

    def advance(self, provider_id: str, status: str, on: date) -> None:
        """What happens at AR24: the recipient accepts (``AR``), refuses, or lets 15 days pass (``negligence``)."""
        with self.lock:
            mail = self.mails[provider_id]
            date_field, proof_field = STAGE_FIELDS[status]
            mail["status"] = status
            mail[date_field] = f"{on.isoformat()} 14:30:00"
            mail[proof_field] = f"{self.base_url}/proof/{provider_id}/{status}"

    @staticmethod
    def callback_body(provider_id: str) -> bytes:
        """The form AR24 posts to the webhook URL when a mail changes."""
        return urllib.parse.urlencode({"id_mail": provider_id}).encode()

    def only_mail(self) -> dict[str, Any]:
        (mail,) = self.mails.values()
        return mail


def _handler(fake: FakeAr24) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            params = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
            self._serve(url.path, params, {})

        def do_POST(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            content_type = self.headers.get("Content-Type", "")
            files: dict[str, bytes] = {}
            if content_type.startswith("multipart/form-data"):
                params, files = _multipart(content_type, body)
            else:
                params = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
            self._serve(url.path, params, files)

        def _serve(self, path: str, params: dict[str, str], files: dict[str, bytes]) -> None:
            if fake.down:
                return self._error(503, "maintenance", "AR24 is under maintenance")
            problem = _auth_problem(params, self.headers.get("signature"))
            if problem is not None:
                fake.refused_calls.append(problem)
                return self._error(401, "invalid_signature", problem)
            if path.startswith("/proof/"):
                _, _, provider_id, stage = path.split("/")
                return self._pdf(proof_pdf(f"AR24 {stage} {provider_id}"))
            if params.get("id_user") != USER_ID:
                return self._error(403, "user_not_exist", "unknown id_user")
            with fake.lock:
                if path == "/attachment/":
                    return self._attachment(files, params)
                if path == "/mail/" and self.command == "POST":
                    return self._mail(params)
                if path == "/mail/":
                    mail = fake.mails.get(params.get("id", ""))
                    return (
                        self._error(404, "mail_not_found", "no such mail") if mail is None else self._ok(mail, params)
                    )
                if path == "/user/mail/":
                    mine = [m for m in fake.mails.values() if m["ref_dossier"] == params.get("ref_dossier")]
                    return self._ok({"mails": mine}, params)
            return self._error(404, "not_found", path)

        def _attachment(self, files: dict[str, bytes], params: dict[str, str]) -> None:
            content = files.get("file")
            if content is None or not content.startswith(b"%PDF-"):
                return self._error(400, "invalid_file", "file: a PDF is required")
            file_id = str(1000 + len(fake.attachments))
            fake.attachments[file_id] = content
            return self._ok({"file_id": file_id}, params)

        def _mail(self, params: dict[str, str]) -> None:
            required = ("to_lastname", "to_email", "dest_statut", "ref_dossier", "attachment[]", "eidas")
            missing = [name for name in required if not params.get(name)]
            if missing:
                return self._error(400, "missing_field", f"missing {', '.join(missing)}")
            if params["dest_statut"] not in ("particulier", "professionnel") or params["eidas"] != "1":
                return self._error(400, "invalid_field", "dest_statut or eidas")
            if "@" not in params["to_email"] or params["attachment[]"] not in fake.attachments:
                return self._error(400, "invalid_field", "to_email or attachment")
            provider_id = str(70000 + len(fake.mails))
            fake.submissions += 1
            fake.mails[provider_id] = {
                "id": provider_id, "ref_dossier": params["ref_dossier"], "to_email": params["to_email"],
                "to_lastname": params["to_lastname"], "to_company": params.get("to_company"),
                "dest_statut": params["dest_statut"], "status": "dp", "ts_dp_date": params["date"],
                "proof_dp_url": f"{fake.base_url}/proof/{provider_id}/dp",
                "attachment": params["attachment[]"],
            }  # fmt: skip
            return self._ok(fake.mails[provider_id], params)

        def _ok(self, result: dict[str, Any], params: dict[str, str]) -> None:
            sealed = seal_response({"status": "SUCCESS", "result": result}, params["date"], PRIVATE_KEY)
            self._send(200, "text/plain", sealed.encode())

        def _pdf(self, content: bytes) -> None:
            self._send(200, "application/pdf", content)

        def _error(self, status: int, slug: str, message: str) -> None:
            body = json.dumps({"status": "ERROR", "slug": slug, "message": message}).encode()
            self._send(status, "application/json", body)

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _auth_problem(params: dict[str, str], signed: str | None) -> str | None:
    if params.get("token") != TOKEN:
        return "unknown token"
    request_date = params.get("date", "")
    try:
        datetime.strptime(request_date, DATE_FORMAT)
    except ValueError:
        return "date: YYYY-MM-DD HH:MM:SS required"
    if signed != signature(request_date, PRIVATE_KEY):
        return "signature does not match the date"
    return None


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            files[name] = payload
        else:
            fields[name] = payload.decode()
    return fields, files


@contextmanager
def fake_ar24() -> Iterator[FakeAr24]:
    fake = FakeAr24()
    with serving(_handler(fake)) as url:
        fake.base_url = url
        yield fake
