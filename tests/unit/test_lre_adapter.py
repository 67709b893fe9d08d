"""The AR24 adapter's pure parts and the LRE settings: what a callback names, the signing, incomplete settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.errors import InvalidInput
from infrastructure.ar24 import Ar24, decrypt, encrypt, signature
from infrastructure.settings import Settings

ADAPTER = Ar24(token="t", private_key="k", user_id="1", base_url="http://127.0.0.1:9")


def test_a_callback_names_its_mail_by_form_or_json() -> None:
    assert ADAPTER.callback_sending_id(b"id_mail=70001&status=AR", "application/x-www-form-urlencoded") == "70001"
    assert ADAPTER.callback_sending_id(b'{"id_mail": 70002}', "application/json; charset=utf-8") == "70002"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"status=AR", "application/x-www-form-urlencoded"), (b"[1, 2]", "application/json"),
     (b"{not json", "application/json"), (b"id_mail=../../etc", "application/x-www-form-urlencoded"),
     (b"\xff\xfe", "text/plain")],
)  # fmt: skip
def test_a_callback_naming_no_mail_is_invalid_input(body: bytes, content_type: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        ADAPTER.callback_sending_id(body, content_type)
    assert caught.value.rule == "lre_callback"


def test_the_signature_depends_on_the_date_and_the_key_and_a_sealed_answer_opens_only_with_both() -> None:
    day = "2026-07-15 10:30:00"
    assert signature(day, "k") == signature(day, "k") != signature(day, "other")
    assert signature(day, "k") != signature("2026-07-15 10:30:01", "k")
    sealed = encrypt('{"status": "SUCCESS"}', "k", salt=day)
    assert decrypt(sealed, "k", salt=day) == '{"status": "SUCCESS"}'
    with pytest.raises(ValueError):
        decrypt(sealed, "k", salt="2026-07-15 10:30:01")


def test_a_provider_without_its_credentials_is_refused_at_start_up_naming_what_is_missing() -> None:
    with pytest.raises(ValidationError, match="RELANCE_LRE_PRIVATE_KEY, RELANCE_LRE_USER_ID"):
        Settings(lre_provider="ar24", lre_token="t", lre_callback_secret="s")
    assert Settings(lre_provider=None).lre_provider is None
