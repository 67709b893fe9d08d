"""/v1/webhooks/brevo/email and /v1/mail/fetch over real HTTP on PostgreSQL: Brevo's events recorded once
with their proof, a hard bounce flags the contact, a bad secret is refused (problem+json); the mailbox read
over IMAP by a manager."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Api, assert_problem, postgres_settings, running_api
from tests.e2e.test_api_dunning import mailing_api, overdue_invoice_with_contact  # noqa: F401  (the fixture)
from tests.integration.test_mail_feedback import sample
from tests.support.fake_imap import PASSWORD, USER, imap_server
from tests.support.fake_imap import Mailbox as ImapBox
from tests.support.smtp_server import Inbox, smtp_server

SECRET = "brevo-webhook-secret-0123456789"
EMAIL = "jeanne.martin@example.fr"  # the contact the e2e builders add
WEBHOOK = "/v1/webhooks/brevo/email"


@pytest.fixture
def brevo_api(fresh_postgres_database: str, tmp_path: Path) -> Iterator[tuple[Api, Inbox, ImapBox]]:
    """The API with e-mail going to a loopback SMTP server, the bounce mailbox on a loopback IMAP server."""
    with smtp_server() as (inbox, smtp_port), imap_server() as (box, imap_port):
        settings = postgres_settings(
            fresh_postgres_database, tmp_path, firm_name="Atelier Dupont SARL", firm_email="relances@dupont.example",
            firm_address="12 rue de la République | 69001 Lyon", smtp_host="127.0.0.1", smtp_port=smtp_port,
            brevo_webhook_secret=SECRET, imap_host="127.0.0.1", imap_port=imap_port, imap_user=USER,
            imap_password=PASSWORD, imap_tls=False,
        )  # fmt: skip
        with running_api(settings) as api:
            yield api, inbox, box


def reminded(api: Api, inbox: Inbox) -> tuple[dict[str, Any], str]:
    invoice = overdue_invoice_with_contact(api, days_overdue=5)
    report = api.ok("manager", "/v1/dunning-runs", {"force": True})
    assert [(s["kind"], s["channel"]) for s in report["sent"]] == [("first_reminder", "email")]
    return invoice, str(message_from_bytes(inbox.received[-1][2])["Message-ID"])


def event(name: str, message_id: str, **extra: Any) -> dict[str, Any]:
    stamp = 1781517600  # 2026-06-15 10:00 UTC
    fields = {"event": name, "email": EMAIL, "id": 4711, "date": "2026-06-15 12:00:00", "ts": stamp,
              "message-id": message_id, "ts_event": stamp, "subject": "Facture : relance"}  # fmt: skip
    return fields | extra


def hook(api: Api, body: dict[str, Any] | bytes, secret: str | None = SECRET) -> httpx.Response:
    headers = {"Authorization": f"Bearer {secret}"} if secret is not None else {}
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    with api.client(**headers) as client:
        return client.post(WEBHOOK, content=content, headers={"Content-Type": "application/json"})


def deliveries(api: Api, receivable_id: str) -> list[dict[str, Any]]:
    return [e for e in api.opened_journal(receivable_id) if e["type"] == "DeliveryReported"]


def test_brevo_s_delivered_and_hard_bounce_are_recorded_once_with_the_raw_event_as_proof(
    brevo_api: tuple[Api, Inbox, ImapBox],
) -> None:
    api, inbox, _ = brevo_api
    invoice, message_id = reminded(api, inbox)

    delivered = hook(api, event("delivered", message_id))
    repeated = hook(api, event("delivered", message_id))
    bounced = hook(api, event("hard_bounce", message_id, reason="550 5.1.1 mailbox does not exist"))

    assert delivered.status_code == 200 and delivered.json()["recorded"] == 1, delivered.text
    assert repeated.status_code == 200 and repeated.json()["recorded"] == 0
    assert bounced.status_code == 200 and bounced.json()["recorded"] == 2  # the status and the contact's flag
    first, second = deliveries(api, invoice["id"])
    assert (first["data"]["status"], second["data"]["status"]) == ("delivered", "hard_bounce")
    assert second["actor"] == "brevo" and second["data"]["source"] == "brevo"
    assert second["data"]["detail"] == "550 5.1.1 mailbox does not exist"
    proof = api.get("manager", f"/v1/documents/{second['data']['proof_sha256']}")
    assert proof.status_code == 200 and proof.json()["event"] == "hard_bounce"
    debtor = [e["type"] for e in api.journal(invoice["debtor_id"], "debtors")]
    assert debtor[-1] == "EmailBounced"


def test_an_unknown_message_or_event_answers_200_and_records_nothing(brevo_api: tuple[Api, Inbox, ImapBox]) -> None:
    api, inbox, _ = brevo_api
    invoice, message_id = reminded(api, inbox)
    before = len(api.journal(invoice["id"]))

    unknown = hook(api, event("hard_bounce", "<not-ours@elsewhere.example>"))
    clicked = hook(api, event("click", message_id, link="https://pay.example/"))

    assert unknown.status_code == 200 and unknown.json()["ignored"] == "unknown message"
    assert clicked.status_code == 200 and clicked.json()["ignored"] == "event not followed"
    assert len(api.journal(invoice["id"])) == before


def test_a_bad_or_missing_secret_is_401_and_a_malformed_event_422_recording_nothing(
    brevo_api: tuple[Api, Inbox, ImapBox],
) -> None:
    api, inbox, _ = brevo_api
    invoice, message_id = reminded(api, inbox)
    before = len(api.journal(invoice["id"]))

    assert_problem(hook(api, event("hard_bounce", message_id), secret="wrong"), 401)
    assert_problem(hook(api, event("hard_bounce", message_id), secret=None), 401)
    assert_problem(hook(api, event("hard_bounce", message_id), secret=api.token("admin")), 401)
    assert_problem(hook(api, b"{not json"), 422)
    assert_problem(hook(api, b"[1, 2]"), 422)

    assert len(api.journal(invoice["id"])) == before


def test_the_webhook_does_not_exist_while_its_secret_is_unset(mailing_api: tuple[Api, Inbox]) -> None:  # noqa: F811
    api, _ = mailing_api

    assert_problem(hook(api, event("delivered", "<x@y>")), 404)


def test_a_manager_reads_the_mailbox_over_http_and_a_second_reading_records_nothing(
    brevo_api: tuple[Api, Inbox, ImapBox],
) -> None:
    api, inbox, box = brevo_api
    invoice, message_id = reminded(api, inbox)
    box.deliver(sample("postfix_hard_bounce.eml", message_id, EMAIL))

    first = api.post("manager", "/v1/mail/fetch")
    second = api.post("manager", "/v1/mail/fetch")
    collector = api.post("collector", "/v1/mail/fetch")

    assert first.status_code == 200, first.text
    assert first.json()["messages"][0]["status"] == "hard_bounce" and first.json()["events_recorded"] == 2
    assert second.json()["read"] == 0
    assert_problem(collector, 403)
    (bounce,) = deliveries(api, invoice["id"])
    assert bounce["data"]["source"] == "dsn" and bounce["actor"] == "manager-desk"


def test_reading_the_mailbox_without_an_imap_server_is_a_clear_409(
    mailing_api: tuple[Api, Inbox],  # noqa: F811
) -> None:
    api, _ = mailing_api

    assert_problem(api.post("manager", "/v1/mail/fetch"), 409, "imap_not_configured")


def test_a_reply_read_from_the_mailbox_waits_on_the_worklist_until_a_collector_marks_it_handled(
    brevo_api: tuple[Api, Inbox, ImapBox],
) -> None:
    api, inbox, box = brevo_api
    invoice, message_id = reminded(api, inbox)
    box.deliver(sample("reply.eml", message_id, EMAIL))
    api.ok("manager", "/v1/mail/fetch")
    (item,) = [i for i in api.get("collector", "/v1/worklist").json()["items"] if i["action"] == "reply_received"]
    key = "<CAF7x2q9Lm-reply-0101@mail.martin.example>"
    assert key in item["label"] and item["invoice_number"] == invoice["invoice_number"]

    auditor = api.post("auditor", "/v1/mail/replies/handled", {"key": key})
    handled = api.post("collector", "/v1/mail/replies/handled", {"key": key})
    again = api.post("collector", "/v1/mail/replies/handled", {"key": key})

    assert_problem(auditor, 403)
    assert handled.status_code == 200, handled.text
    assert_problem(again, 404, "reply_exists")
    assert "reply_received" not in [i["action"] for i in api.get("collector", "/v1/worklist").json()["items"]]
    assert api.journal(invoice["id"])[-1]["type"] == "NoteAdded"  # the note stays in the file
