"""AR24 (https://www.ar24.fr), an eIDAS qualified provider of electronic registered letters: the adapter.

What AR24's API looks like, as this adapter speaks it (decision 0100 says which parts were read from AR24's
documentation and client libraries and which are assumptions; every wire detail is in this module):
- every call carries ``token`` (the API token) and ``date`` (Europe/Paris, ``YYYY-MM-DD HH:MM:SS``) as
  parameters and a ``signature`` header: the date encrypted with AES-256-CBC under the private key;
  success bodies come back encrypted under the date and the private key, errors in clear JSON
  ``{"status": "ERROR", "message": ..., "slug": ...}``;
- ``POST /attachment/`` (multipart: ``id_user``, ``file``) → ``{"file_id"}``; ``POST /mail/`` (form:
  ``id_user``, ``eidas``, ``to_lastname``, ``to_company``, ``to_email``, ``dest_statut``, ``ref_dossier``,
  ``content``, ``attachment[]``) → the mail, whose ``id`` is the provider id;
- ``GET /mail/?id=`` → the mail: ``status`` (``waiting``, ``dp``, ``ev``, ``AR``, ``refused``,
  ``negligence``, ``bounced``), ``ref_dossier``, the date of each stage and the URL of its proof PDF;
- ``GET /user/mail/?id_user=&ref_dossier=`` → ``{"mails": [...]}``: the sendings under our reference;
- the callback AR24 posts to the webhook URL names the mail (``id_mail``, form-encoded or JSON).
Timeouts and errors become ``ProviderError``: never a crash, nothing recorded, the next run retries.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from application.registered_email import LreStatus, ProviderError, RegisteredLetter, Sending
from domain.errors import InvalidInput, NotFound

PRODUCTION_URL = "https://app.ar24.fr/api"
SANDBOX_URL = "https://sandbox.ar24.fr/api"
PARIS = ZoneInfo("Europe/Paris")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

# AR24's status of a mail → ours, with the fields holding that stage's date and proof.
STATUSES: dict[str, tuple[LreStatus, str, str]] = {
    "dp": (LreStatus.SENT, "ts_dp_date", "proof_dp_url"),  # déposée: proof of deposit
    "ev": (LreStatus.SENT, "ts_ev_date", "proof_ev_url"),  # the recipient was notified
    "AR": (LreStatus.DELIVERED, "ts_ar_date", "proof_ar_url"),  # accepted: proof of receipt
    "refused": (LreStatus.REFUSED, "refused_date", "proof_rf_url"),
    "negligence": (LreStatus.UNCLAIMED, "negligence_date", "proof_ng_url"),  # not claimed within 15 days
}


# ------------------------------------------------------------------ signing


def _aes(key: bytes, iv: bytes) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(key), modes.CBC(iv))


def _keys(private_key: str, salt: str = "") -> tuple[bytes, bytes]:
    """AES-256 key and IV as PHP's openssl_encrypt takes them from hex digests (32 and 16 characters)."""
    key = hashlib.sha256((salt + private_key).encode()).hexdigest()[:32].encode()
    iv = hashlib.sha256(hashlib.sha256(private_key.encode()).hexdigest().encode()).hexdigest()[:16].encode()
    return key, iv


def encrypt(plain: str, private_key: str, salt: str = "") -> str:
    key, iv = _keys(private_key, salt)
    padder = padding.PKCS7(128).padder()
    data = padder.update(plain.encode()) + padder.finalize()
    encryptor = _aes(key, iv).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def decrypt(cipher_text: str, private_key: str, salt: str = "") -> str:
    key, iv = _keys(private_key, salt)
    decryptor = _aes(key, iv).decryptor()
    data = decryptor.update(base64.b64decode(cipher_text)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(data) + unpadder.finalize()).decode()


def signature(request_date: str, private_key: str) -> str:
    """The ``signature`` header: the request's date encrypted under the private key."""
    return encrypt(request_date, private_key)


def seal_response(payload: dict[str, Any], request_date: str, private_key: str) -> str:
    """How AR24 encrypts a success body: under the request's date and the private key (the fake uses it)."""
    return encrypt(json.dumps(payload), private_key, salt=request_date)


# ------------------------------------------------------------------ adapter


class Ar24:
    name = "ar24"

    def __init__(
        self,
        *,
        token: str,
        private_key: str,
        user_id: str,
        base_url: str = PRODUCTION_URL,
        timeout: float = 30.0,
        callback_url: str | None = None,
        clock: Any = None,
    ) -> None:
        self._token = token
        self._private_key = private_key
        self._user_id = user_id
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._callback_url = callback_url
        self._clock = clock or (lambda: datetime.now(tz=PARIS))

    # ------------------------------------------------------------ the port

    def submit(self, letter: RegisteredLetter) -> str:
        attachment = self._call("POST", "/attachment/", files={"file": (letter.filename, letter.pdf)})
        file_id = str(_field(attachment, "file_id"))
        fields: dict[str, Any] = {
            "eidas": "1", "to_lastname": letter.recipient_name, "to_email": letter.recipient_email,
            "dest_statut": "particulier" if letter.consumer else "professionnel", "ref_dossier": letter.reference,
            "content": letter.subject, "attachment[]": file_id,
        }  # fmt: skip
        if letter.recipient_company:
            fields["to_company"] = letter.recipient_company
        if self._callback_url:
            fields["webhook"] = self._callback_url
        mail = self._call("POST", "/mail/", fields=fields)
        return str(_field(mail, "id"))

    def find(self, reference: str) -> Sending | None:
        result = self._call("GET", "/user/mail/", query={"ref_dossier": reference})
        mails = result.get("mails") or []
        if not isinstance(mails, list):
            raise ProviderError("AR24: unexpected list of mails")
        mine = [m for m in mails if isinstance(m, dict) and m.get("ref_dossier") == reference]
        return _sending(min(mine, key=lambda m: str(m.get("id")))) if mine else None

    def sending(self, provider_id: str) -> Sending:
        try:
            return _sending(self._call("GET", "/mail/", query={"id": provider_id}))
        except ProviderError as error:
            if error.status == 404:
                raise NotFound(f"AR24 knows no mail {provider_id}", rule="lre_sending_exists") from error
            raise

    def proof(self, proof: str) -> bytes:
        if not proof.startswith(self._base + "/"):
            raise ProviderError("AR24: a proof outside the provider's API is not fetched")
        content = self._request("GET", proof, {}, None, {}, raw=True)
        if not content.startswith(b"%PDF-"):
            raise ProviderError("AR24: the proof is not a PDF")
        return content

    def callback_sending_id(self, body: bytes, content_type: str) -> str:
        fields: dict[str, Any]
        try:
            if content_type.startswith("application/json"):
                loaded = json.loads(body)
                fields = loaded if isinstance(loaded, dict) else {}
            else:
                fields = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        except (UnicodeDecodeError, ValueError) as error:
            raise InvalidInput("callback: neither form data nor JSON", rule="lre_callback") from error
        value = str(fields.get("id_mail") or fields.get("id") or "").strip()
        if not value or len(value) > 64 or not value.replace("-", "").isalnum():
            raise InvalidInput("callback: no mail id (id_mail)", rule="lre_callback")
        return value

    # ------------------------------------------------------------ HTTP

    def _call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        fields: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> dict[str, Any]:
        params = {"id_user": self._user_id, **(query or {})}
        if method == "GET":
            url = f"{self._base}{path}"
            return self._request(method, url, params, None, {}, raw=False)
        return self._request(method, f"{self._base}{path}", {}, {**params, **(fields or {})}, files or {}, raw=False)

    def _request(
        self,
        method: str,
        url: str,
        query: dict[str, str],
        fields: dict[str, Any] | None,
        files: dict[str, tuple[str, bytes]],
        *,
        raw: bool,
    ) -> Any:
        request_date = self._clock().astimezone(PARIS).strftime(DATE_FORMAT)
        auth = {"token": self._token, "date": request_date}
        headers = {"signature": signature(request_date, self._private_key), "Accept": "application/json"}
        body: bytes | None = None
        if method == "GET":
            url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode({**query, **auth})}"
        elif files:
            body, headers["Content-Type"] = _multipart({**(fields or {}), **auth}, files)
        else:
            body = urllib.parse.urlencode({**(fields or {}), **auth}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                content: bytes = response.read()
        except urllib.error.HTTPError as error:
            message = f"AR24 answered {error.code}: {_error_message(error.read())}"
            raise ProviderError(message, status=error.code) from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise ProviderError(f"AR24 unreachable: {getattr(error, 'reason', error)}") from error
        if raw:
            return content
        return self._result(content, request_date)

    def _result(self, content: bytes, request_date: str) -> dict[str, Any]:
        text = content.decode("utf-8", "replace").strip()
        try:
            payload = (
                json.loads(text) if text.startswith("{") else json.loads(decrypt(text, self._private_key, request_date))
            )
        except (ValueError, TypeError) as error:
            raise ProviderError("AR24: an answer that could not be read (wrong private key?)") from error
        if not isinstance(payload, dict) or payload.get("status") != "SUCCESS":
            message = payload.get("message") if isinstance(payload, dict) else None
            raise ProviderError(f"AR24 refused: {message or 'no reason given'}")
        result = payload.get("result")
        if not isinstance(result, dict):
            raise ProviderError("AR24: an answer without result")
        return result


def _field(result: dict[str, Any], name: str) -> Any:
    value = result.get(name)
    if value in (None, ""):
        raise ProviderError(f"AR24: the answer has no {name}")
    return value


def _sending(mail: dict[str, Any]) -> Sending:
    provider_id = str(_field(mail, "id"))
    known = STATUSES.get(str(mail.get("status")))
    if known is None:  # waiting, bounced...: nothing the journal records
        return Sending(provider_id, str(mail.get("ref_dossier") or ""), None, None, None)
    status, date_field, proof_field = known
    return Sending(
        provider_id, str(mail.get("ref_dossier") or ""), status, _day(mail.get(date_field)),
        str(mail.get(proof_field)) if mail.get(proof_field) else None,
    )  # fmt: skip


def _day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(str(value)[:19], DATE_FORMAT).date()
    except ValueError:
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            return None


def _error_message(content: bytes) -> str:
    try:
        payload = json.loads(content)
    except ValueError:
        return content[:200].decode("utf-8", "replace")
    return str(payload.get("message") or payload.get("slug") or "error") if isinstance(payload, dict) else "error"


def _multipart(fields: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/pdf\r\n\r\n")  # fmt: skip
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
