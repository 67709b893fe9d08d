"""POST /v1/webhooks/lre over real HTTP: a formal notice by LRE goes through the local AR24 during a dunning
run, then AR24's callbacks record the deposit and the acceptance with their proofs, once (decision 0100)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Api, assert_problem, running_api, sqlite_settings
from tests.e2e.test_api_dunning import overdue_invoice_with_contact
from tests.support.fake_lre import PRIVATE_KEY, TOKEN, USER_ID, FakeAr24, fake_ar24
from tests.support.smtp_server import smtp_server

SECRET = "callback-secret-7f3a"
DEFAULT_POLICY = Path(__file__).parents[2] / "infrastructure" / "policies" / "default.toml"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def lre_api(tmp_path: Path) -> Iterator[tuple[Api, FakeAr24]]:
    policies = tmp_path / "policies"
    policies.mkdir()
    policy = DEFAULT_POLICY.read_text(encoding="utf-8").replace('id = "default"', 'id = "lre"')
    policy = policy.replace('channels = ["registered_letter"]', 'channels = ["electronic_registered_letter"]')
    (policies / "lre.toml").write_text(policy, encoding="utf-8")
    with smtp_server() as (_, port), fake_ar24() as fake:
        settings = sqlite_settings(
            tmp_path / "store", firm_name="Atelier Dupont SARL", firm_email="relances@dupont.example",
            firm_address="12 rue de la République | 69001 Lyon", smtp_host="127.0.0.1", smtp_port=port,
            policy_dir=policies, lre_provider="ar24", lre_base_url=fake.base_url, lre_token=TOKEN,
            lre_private_key=PRIVATE_KEY, lre_user_id=USER_ID, lre_callback_secret=SECRET,
        )  # fmt: skip
        with running_api(settings) as api:
            yield api, fake


def a_notice_sent_by_lre(api: Api) -> dict[str, Any]:
    """An invoice whose policy sends the formal notice by LRE: reminded by e-mail, by letter (posted), then the
    notice submitted to AR24 by the run on day 35."""
    invoice = overdue_invoice_with_contact(api, days_overdue=5)
    api.ok("manager", f"/v1/debtors/{invoice['debtor_id']}/policy", {"policy_id": "lre"})
    api.ok("manager", "/v1/dunning-runs", {"force": True})
    api.advance(15)
    api.ok("manager", "/v1/dunning-runs", {"force": True})
    (letter,) = api.get("collector", "/v1/letters").json()
    api.ok("collector", f"/v1/letters/{letter['key']}/posting", {"posted_on": api.days(0)})
    api.advance(15)
    report = api.ok("manager", "/v1/dunning-runs", {"force": True})
    assert [(s["kind"], s["channel"], s["status"]) for s in report["sent"]] == [
        ("formal_notice", "electronic_registered_letter", "recorded")
    ]
    return invoice


def callback(api: Api, body: bytes, secret: str | None = SECRET, **headers: str) -> httpx.Response:
    query = f"?secret={secret}" if secret is not None else ""
    with api.client(**{**FORM, **headers}) as client:
        return client.post(f"/v1/webhooks/lre{query}", content=body)


def types(api: Api, receivable_id: str) -> list[str]:
    return [entry["type"] for entry in api.journal(receivable_id)]


def test_the_deposit_and_the_acceptance_are_recorded_with_their_proofs_and_a_repeated_callback_adds_nothing(
    lre_api: tuple[Api, FakeAr24],
) -> None:
    api, fake = lre_api
    invoice = a_notice_sent_by_lre(api)
    mail = fake.only_mail()
    notice = api.journal(invoice["id"])[-1]
    assert notice["type"] == "FormalNoticeSent" and notice["data"]["tracking_number"] == mail["id"]

    deposit = callback(api, fake.callback_body(mail["id"]))
    assert deposit.status_code == 200, deposit.text
    assert (deposit.json()["status"], deposit.json()["events"]) == ("sent", 1)
    attached = api.journal(invoice["id"])[-1]
    assert attached["type"] == "DocumentAttached" and attached["actor"] == "ar24"
    proof = api.get("auditor", f"/v1/documents/{deposit.json()['proof_sha256']}")
    assert proof.status_code == 200 and proof.content.startswith(b"%PDF-")

    api.advance(2)
    fake.advance(mail["id"], "AR", api.today)
    accepted = callback(api, b'{"id_mail": "' + mail["id"].encode() + b'"}', **{"Content-Type": "application/json"})
    again = callback(api, fake.callback_body(mail["id"]))

    assert (accepted.status_code, accepted.json()["status"], accepted.json()["events"]) == (200, "delivered", 1)
    assert (again.status_code, again.json()["events"]) == (200, 0)
    acknowledged = api.journal(invoice["id"])[-1]
    assert acknowledged["type"] == "FormalNoticeAcknowledged" and acknowledged["actor"] == "ar24"
    assert acknowledged["data"]["outcome"] == "delivered" and acknowledged["data"]["acknowledged_on"] == api.days(0)
    assert acknowledged["data"]["proof_sha256"] == accepted.json()["proof_sha256"]
    assert types(api, invoice["id"]).count("FormalNoticeAcknowledged") == 1


def test_a_wrong_secret_a_bad_body_an_unknown_mail_or_the_provider_down_record_nothing(
    lre_api: tuple[Api, FakeAr24],
) -> None:
    api, fake = lre_api
    invoice = a_notice_sent_by_lre(api)
    mail_id = fake.only_mail()["id"]
    before = types(api, invoice["id"])

    assert_problem(callback(api, fake.callback_body(mail_id), secret="nope"), 401)
    assert_problem(callback(api, fake.callback_body(mail_id), secret=None), 401)
    assert_problem(callback(api, b"\xff\xfe not a form"), 422, "lre_callback")
    assert_problem(callback(api, b"status=AR"), 422, "lre_callback")
    assert_problem(callback(api, fake.callback_body("99999")), 404, "lre_sending_exists")
    fake.down = True
    down = callback(api, fake.callback_body(mail_id))
    assert_problem(down, 503)
    assert down.headers["Retry-After"] == "60"
    assert types(api, invoice["id"]) == before
