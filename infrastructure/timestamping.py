"""RFC 3161 timestamps of ledger digests from the firm's timestamping authority (RELANCE_TSA_URL).

Each digest's signed bytes are sent as a SHA-256 message imprint with a random nonce; the
answer (a DER ``TimeStampResp``) is kept with the digest and shipped in bundles as
``digest.tsr``. A qualified eIDAS authority's timestamp is presumed accurate (legal.md §8).
This module checks what the token says (granted, imprint, nonce); the authority's
signature is checked with its root certificate by ``openssl ts -verify`` (VERIFY.txt).
"""

from __future__ import annotations

import hashlib
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import algos, cms, core, tsp  # type: ignore[import-untyped]

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


class TimestampError(Exception):
    """The authority could not be reached, refused, or answered something that does not hold."""


@dataclass(frozen=True)
class TimestampAuthority:
    url: str
    timeout_seconds: float = 10.0

    def __call__(self, data: bytes) -> bytes:
        """The DER TimeStampResp for ``data``; TimestampError unless granted for exactly it."""
        nonce = secrets.randbits(63)
        request = tsp.TimeStampReq(
            {
                "version": "v1",
                "message_imprint": imprint_of(data),
                "nonce": nonce,
                "cert_req": True,
            }
        ).dump()
        http = urllib.request.Request(self.url, data=request, headers={"Content-Type": QUERY_TYPE}, method="POST")
        try:
            with urllib.request.urlopen(http, timeout=self.timeout_seconds) as response:
                reply = bytes(response.read())
        except (urllib.error.URLError, OSError) as error:
            raise TimestampError(f"the timestamping authority {self.url} cannot be reached: {error}") from error
        problem = check_token(reply, data, nonce=nonce)
        if problem is not None:
            raise TimestampError(f"the timestamping authority {self.url} answered a token that {problem}")
        return reply


def imprint_of(data: bytes) -> tsp.MessageImprint:
    return tsp.MessageImprint(
        {
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "hashed_message": hashlib.sha256(data).digest(),
        }
    )


class _TimeStampResp(core.Sequence):
    """RFC 3161's definition: the token is absent when the request is refused (asn1crypto requires it)."""

    _fields = [  # noqa: RUF012 - asn1crypto's class attribute
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def tst_info(reply: bytes) -> tsp.TSTInfo:
    """The TSTInfo inside a granted TimeStampResp; ValueError otherwise."""
    try:
        response = _TimeStampResp.load(reply)
        status = response["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            raise ValueError(f"status {status}")
        signed = response["time_stamp_token"]["content"]
        if not isinstance(signed, cms.SignedData):
            raise ValueError("no SignedData")
        info = signed["encap_content_info"]["content"].parsed
        if not isinstance(info, tsp.TSTInfo):
            raise ValueError("no TSTInfo")
        info.native  # noqa: B018 - parse it all now, so a malformed token fails here
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"not a granted RFC 3161 timestamp ({error})") from error
    return info


def check_token(reply: bytes, data: bytes, *, nonce: int | None = None) -> str | None:
    """None when ``reply`` is a granted timestamp of exactly ``data`` (and ``nonce``); else the problem."""
    try:
        info = tst_info(reply)
    except ValueError as error:
        return f"is {error}"
    imprint = info["message_imprint"]
    if imprint["hash_algorithm"]["algorithm"].native != "sha256":
        return "does not use SHA-256"
    if imprint["hashed_message"].native != hashlib.sha256(data).digest():
        return "timestamps other bytes than the digest"
    if nonce is not None and (not isinstance(info["nonce"], core.Integer) or info["nonce"].native != nonce):
        return "does not answer this request (nonce)"
    return None


def timestamped_at(reply: bytes) -> datetime:
    generated: datetime = tst_info(reply)["gen_time"].native
    return generated
