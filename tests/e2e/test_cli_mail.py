"""`relance mail fetch` against a real IMAP server on loopback: bounces and replies recorded, a French
summary, nothing twice; `relance mail handled` takes a reply off the worklist; bad setup is refused clearly."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

from tests.e2e.test_cli import as_json, relance
from tests.e2e.test_cli_dunning import firm as _firm  # noqa: F401  (the store the e-mail goes from)
from tests.integration.test_mail_feedback import sample
from tests.support.fake_imap import PASSWORD, USER, imap_server
from tests.support.smtp_server import Inbox

Firm = tuple[Path, dict[str, str], Inbox]


def sent_message_id(data_dir: Path, env: dict[str, str], inbox: Inbox) -> str:
    report = as_json(relance(data_dir, "dunning", "run", "--force", "--json", env=env))
    assert [(s["kind"], s["channel"]) for s in report["sent"]] == [("first_reminder", "email")]
    return str(message_from_bytes(inbox.received[0][2])["Message-ID"])


def imap_env(env: dict[str, str], port: int, password: str = PASSWORD) -> dict[str, str]:
    return env | {"RELANCE_IMAP_HOST": "127.0.0.1", "RELANCE_IMAP_PORT": str(port), "RELANCE_IMAP_USER": USER,
                  "RELANCE_IMAP_PASSWORD": password, "RELANCE_IMAP_TLS": "false"}  # fmt: skip


def test_mail_fetch_records_a_bounce_and_a_reply_once_and_says_so_in_french(_firm: Firm) -> None:  # noqa: F811
    data_dir, env, inbox = _firm
    message_id = sent_message_id(data_dir, env, inbox)
    with imap_server() as (box, port):
        box.deliver(sample("postfix_hard_bounce.eml", message_id, "compta@martin.example"))
        box.deliver(sample("reply.eml", message_id, "compta@martin.example"))

        first = relance(data_dir, "mail", "fetch", env=imap_env(env, port))
        second = relance(data_dir, "mail", "fetch", "--json", env=imap_env(env, port))

    assert first.exit_code == 0, first.output
    assert "avis de non-remise : rejet définitif" in first.output and "réponse (" in first.output
    assert "2 message(s) lu(s), 0 déjà traité(s)" in first.output
    assert as_json(second) == {"read": 0, "already_processed": 0, "events_recorded": 0, "messages": []}
    journal = relance(data_dir, "receivable", "journal", "F-CLI-0001", env=env)
    assert journal.output.count("DeliveryReported") == 1 and "NoteAdded" in journal.output
    worklist = as_json(relance(data_dir, "worklist", "--json", env=env))
    replies = [i for i in worklist["items"] if i["action"] == "reply_received"]
    assert {i["invoice_number"] for i in replies} >= {"F-CLI-0001"}

    handled = relance(data_dir, "mail", "handled", "<CAF7x2q9Lm-reply-0101@mail.martin.example>", env=env)
    unknown = relance(data_dir, "mail", "handled", "<nothing@nowhere.example>", env=env)

    assert handled.exit_code == 0 and "traitée" in handled.output
    assert unknown.exit_code == 3 and "no reply" in unknown.output
    after = as_json(relance(data_dir, "worklist", "--json", env=env))
    assert not [i for i in after["items"] if i["action"] == "reply_received"]


def test_mail_fetch_without_a_mailbox_or_with_a_wrong_password_is_refused_clearly(_firm: Firm) -> None:  # noqa: F811
    data_dir, env, _ = _firm

    unset = relance(data_dir, "mail", "fetch", env=env | {"RELANCE_IMAP_HOST": ""})
    with imap_server() as (_, port):
        refused = relance(data_dir, "mail", "fetch", env=imap_env(env, port, password="wrong"))

    assert unset.exit_code == 2 and "RELANCE_IMAP_HOST" in unset.output
    assert refused.exit_code == 1 and "mailbox_unavailable" in refused.output
