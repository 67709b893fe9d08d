"""The SMS channel over real HTTP: a dunning run sends its first reminder by SMS through a local fake of
Brevo, then Brevo's delivery reports come back on POST /v1/webhooks/brevo/sms, guarded by a secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infrastructure.policy_files import shipped_policy_files
from tests.e2e.conftest import Api, assert_problem, contact_body, running_api, sqlite_settings
from tests.support.fake_brevo_sms import API_KEY, FakeBrevo, fake_brevo, report

SECRET = "whsec-0123456789abcdef"
WEBHOOK = "/v1/webhooks/brevo/sms"


def sms_first_reminder_policy(directory: Path) -> Path:
    text = next(f for f in shipped_policy_files() if f.name == "default.toml").read_text(encoding="utf-8")
    directory.mkdir()
    (directory / "default.toml").write_text(
        text.replace('offset_days = 5\nchannels = ["email"]', 'offset_days = 5\nchannels = ["sms"]', 1), "utf-8"
    )
    return directory


@pytest.fixture
def sms_api(tmp_path: Path) -> Iterator[tuple[Api, FakeBrevo]]:
    with fake_brevo() as brevo:
        settings = sqlite_settings(
            tmp_path / "data", firm_name="Atelier Dupont SARL", firm_address="12 rue de la République | 69001 Lyon",
            firm_iban="FR7630004000031234567890143", policy_dir=sms_first_reminder_policy(tmp_path / "policies"),
            sms_provider="brevo", sms_sender="DUPONT", brevo_api_key=API_KEY, brevo_api_url=brevo.url,
            brevo_webhook_secret=SECRET,
        )  # fmt: skip
        with running_api(settings) as api:
            yield api, brevo


def an_sms_sent(api: Api, brevo: FakeBrevo) -> tuple[dict[str, Any], int]:
    """An invoice five days overdue on a Monday noon: its first reminder goes by SMS."""
    debtor = api.debtor()
    api.ok("admin", f"/v1/debtors/{debtor['id']}/contacts", contact_body(phone="06 12 34 56 78"))
    invoice = api.invoice(debtor["id"], days_overdue=5)
    report_ = api.ok("manager", "/v1/dunning-runs", {"force": True})
    assert [(s["kind"], s["channel"], s["status"]) for s in report_["sent"]] == [("first_reminder", "sms", "recorded")]
    (body,) = brevo.accepted
    assert body["recipient"] == "33612345678" and invoice["invoice_number"] in body["content"]
    return invoice, brevo.next_id - 1


def webhook(api: Api, body: bytes, secret: str | None = SECRET) -> Any:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    with api.client(**headers) as client:
        return client.post(WEBHOOK, content=body)


def deliveries(api: Api, invoice_id: str) -> list[dict[str, Any]]:
    return [e for e in api.journal(invoice_id) if e["type"] == "DeliveryReported"]


def test_a_delivered_report_is_recorded_once_with_the_raw_report_as_its_proof(
    sms_api: tuple[Api, FakeBrevo],
) -> None:
    api, brevo = sms_api
    invoice, message_id = an_sms_sent(api, brevo)
    raw = report(message_id, "delivered", ts_event=int(api.clock().timestamp()))

    first = webhook(api, raw)
    repeated = webhook(api, raw)

    assert first.status_code == 200 and first.json() == {"status": "recorded", "events_recorded": 1}
    assert repeated.status_code == 200 and repeated.json()["status"] == "repeated"
    (delivered,) = deliveries(api, invoice["id"])
    assert delivered["actor"] == "brevo" and delivered["data"]["status"] == "delivered"
    assert delivered["data"]["source"] == "brevo" and delivered["data"]["reference"] == str(message_id)
    proof = api.get("auditor", f"/v1/documents/{delivered['data']['proof_sha256']}")
    assert proof.status_code == 200 and json.loads(proof.content)["msg_status"] == "delivered"


def test_a_hard_bounce_is_recorded_and_an_unknown_or_sent_status_records_nothing(
    sms_api: tuple[Api, FakeBrevo],
) -> None:
    api, brevo = sms_api
    invoice, message_id = an_sms_sent(api, brevo)

    accepted = webhook(api, report(message_id, "sent"))
    unknown = webhook(api, report(999, "delivered"))
    bounced = webhook(api, report(message_id, "hard_bounce"))

    assert accepted.json()["status"] == "ignored" and unknown.json()["status"] == "unknown_message"
    assert bounced.status_code == 200 and bounced.json()["status"] == "recorded"
    assert [d["data"]["status"] for d in deliveries(api, invoice["id"])] == ["hard_bounce"]


def test_a_wrong_or_missing_secret_is_refused_with_401_and_records_nothing(sms_api: tuple[Api, FakeBrevo]) -> None:
    api, brevo = sms_api
    invoice, message_id = an_sms_sent(api, brevo)
    raw = report(message_id, "delivered")

    for secret in (None, "whsec-wrong", SECRET + "x", SECRET[:-1]):
        assert_problem(webhook(api, raw, secret), 401)
    with api.client(Authorization=f"Basic {SECRET}") as client:
        assert_problem(client.post(WEBHOOK, content=raw), 401)
    assert deliveries(api, invoice["id"]) == []


def test_a_body_that_is_not_a_report_is_a_422_problem(sms_api: tuple[Api, FakeBrevo]) -> None:
    api, _ = sms_api
    for body in (b"not json", b"[1, 2]", json.dumps({"msg_status": "delivered"}).encode()):
        assert_problem(webhook(api, body), 422, "sms_report_malformed")


def test_the_webhook_is_off_with_404_while_no_secret_is_configured(tmp_path: Path) -> None:
    with running_api(sqlite_settings(tmp_path)) as api:
        assert_problem(webhook(api, report(1, "delivered")), 404)
