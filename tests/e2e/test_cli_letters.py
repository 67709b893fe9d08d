"""`relance letters` on the embedded store: list what the run prepared, record the posting (one letter or the
filled deposit list), what came back, a cancellation; bad input is refused with a clear message and records
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tests.e2e.test_cli import as_json, relance
from tests.e2e.test_cli_dunning import always_open_policy
from tests.e2e.test_cli_dunning import firm as _firm  # noqa: F401  (the store the letters come from)
from tests.support.smtp_server import Inbox

# No letter is dated on a Sunday: on a Sunday, the run of the day before prepares it.
# The firm's day is Paris's, not the machine's: near midnight UTC they differ (the fixture dates its invoices by it).
TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()
RUN_DAY = TODAY - timedelta(days=1 if TODAY.weekday() == 6 else 0)


@pytest.fixture
def prepared(_firm: tuple[Path, dict[str, str], Inbox]) -> Iterator[tuple[Path, dict[str, str], str]]:  # noqa: F811
    """The firm's first reminder goes by letter: the run prepares it and leaves it to post."""
    data_dir, env, _ = _firm
    policy = Path(env["RELANCE_POLICY_DIR"]) / "always.toml"
    text = always_open_policy()
    first = text.index('rule = "first_reminder"')
    channels = text.index('channels = ["email"]', first)
    policy.write_text(text[:channels] + 'channels = ["letter"]' + text[channels + len('channels = ["email"]') :])
    report = as_json(relance(data_dir, "dunning", "run", "--force", "--json", "--date", RUN_DAY.isoformat(), env=env))
    assert [(s["kind"], s["channel"], s["status"]) for s in report["sent"]] == [("first_reminder", "letter", "to_post")]
    yield data_dir, env, report["sent"][0]["dispatch_key"]


def journal_types(data_dir: Path, env: dict[str, str]) -> list[str]:
    journal = as_json(relance(data_dir, "receivable", "journal", "F-CLI-0001", "--json", env=env))
    return [entry["type"] for entry in journal]


def test_the_run_leaves_the_letter_to_post_and_the_journal_says_nothing_of_it(
    prepared: tuple[Path, dict[str, str], str],
) -> None:
    data_dir, env, key = prepared

    listed = relance(data_dir, "letters", "list", env=env)
    as_data = as_json(relance(data_dir, "letters", "list", "--json", env=env))

    assert listed.exit_code == 0, listed.output
    assert "lettre simple" in listed.output and "Menuiserie Martin SARL (69002 Lyon)" in listed.output
    assert key in listed.output and "1 courrier(s) à poster" in listed.output
    assert [letter["key"] for letter in as_data] == [key]
    assert "ReminderSent" not in journal_types(data_dir, env)


def test_posting_a_letter_with_a_french_date_records_it_and_takes_it_off_the_list(
    prepared: tuple[Path, dict[str, str], str], tmp_path: Path
) -> None:
    data_dir, env, key = prepared
    receipt = tmp_path / "depot.pdf"
    receipt.write_bytes(b"%PDF-1.4\n% preuve de depot\n%%EOF\n")
    today = TODAY.strftime("%d/%m/%Y")

    posted = relance(data_dir, "letters", "posted", key, "--date", today, "--receipt", str(receipt), env=env)

    assert posted.exit_code == 0, posted.output
    assert "posté : F-CLI-0001" in posted.output
    assert journal_types(data_dir, env)[-2:] == ["ReminderSent", "DocumentAttached"]
    assert "aucun courrier à poster" in relance(data_dir, "letters", "list", env=env).output
    again = relance(data_dir, "letters", "posted", key, "--date", today, env=env)
    assert again.exit_code == 1 and "already posted" in again.output


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["--date", "31/02/2026"], 2, "is not a date"),
        (["--date", "07/04/26"], 2, "write the year in full"),
        ([], 2, "--date: the day the letter was posted is required"),
        (["--date", "01/01/2999"], 1, "in the future"),
    ],
    ids=["impossible day", "two-digit year", "no date", "future"],
)
def test_a_bad_posting_is_refused_with_a_clear_message_and_records_nothing(
    prepared: tuple[Path, dict[str, str], str], arguments: list[str], code: int, message: str
) -> None:
    data_dir, env, key = prepared

    result = relance(data_dir, "letters", "posted", key, *arguments, env=env)

    assert result.exit_code == code and message in result.output, result.output
    assert "ReminderSent" not in journal_types(data_dir, env)


def test_an_unknown_letter_is_not_found(prepared: tuple[Path, dict[str, str], str]) -> None:
    data_dir, env, _ = prepared

    result = relance(data_dir, "letters", "posted", "2026-01-01/nobody/first_reminder/letter", "--date",
                     TODAY.isoformat(), env=env)  # fmt: skip

    assert result.exit_code == 3 and "no letter" in result.output


def test_the_print_batch_holds_the_deposit_list_then_the_letter_and_records_nothing(
    prepared: tuple[Path, dict[str, str], str], tmp_path: Path
) -> None:
    data_dir, env, key = prepared
    pdf = tmp_path / "courriers.pdf"

    printed = relance(data_dir, "letters", "batch", "-o", str(pdf), "--date", RUN_DAY.strftime("%d/%m/%Y"), env=env)

    assert printed.exit_code == 0, printed.output
    assert "1 courrier(s) dont 0 recommandé(s)" in printed.output
    reader = PdfReader(pdf)
    # The deposit list's narrow columns wrap a name over two lines: read the text as words.
    first, letter = (" ".join(reader.pages[i].extract_text().split()) for i in (0, -1))
    assert "Liste de dépôt du" in first and "Menuiserie Martin SARL" in first and "Lettre simple" in first
    assert "F-CLI-0001" in letter and "Menuiserie Martin SARL" in letter
    listing = (tmp_path / "courriers.csv").read_bytes()
    assert listing.startswith(b"\xef\xbb\xbfordre;cle;destinataire;")
    assert key in listing.decode("utf-8-sig")
    assert "ReminderSent" not in journal_types(data_dir, env)


def test_nothing_to_print_is_said_plainly(prepared: tuple[Path, dict[str, str], str], tmp_path: Path) -> None:
    data_dir, env, _ = prepared

    result = relance(data_dir, "letters", "batch", "-o", str(tmp_path / "x.pdf"), "--date", "01/01/2020", env=env)

    assert result.exit_code == 3 and "no letter prepared on 01/01/2020" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_the_filled_deposit_list_records_each_posting_then_the_return_flags_the_address(
    prepared: tuple[Path, dict[str, str], str], tmp_path: Path
) -> None:
    data_dir, env, key = prepared
    relance(data_dir, "letters", "batch", "-o", str(tmp_path / "depot.pdf"), env=env)
    filled = tmp_path / "depot.csv"
    today = TODAY.strftime("%d/%m/%Y")
    rows = filled.read_bytes().decode("utf-8-sig").splitlines()
    filled.write_bytes(("\r\n".join([rows[0], rows[1][:-1] + f"{today};"]) + "\r\n").encode("utf-8-sig"))

    posted = relance(data_dir, "letters", "posted", str(filled), env=env)
    returned = relance(data_dir, "letters", "outcome", key, "returned", "--date", today, env=env)

    assert posted.exit_code == 0, posted.output
    assert "1 courrier(s) enregistré(s) comme posté(s)" in posted.output
    assert returned.exit_code == 0, returned.output
    assert journal_types(data_dir, env)[-1] == "LetterReturned"
    worklist = relance(data_dir, "worklist", env=env)
    assert "courrier revenu" in worklist.output


def test_a_simple_letter_has_no_acknowledgement_of_receipt(prepared: tuple[Path, dict[str, str], str]) -> None:
    data_dir, env, key = prepared
    today = TODAY.isoformat()
    relance(data_dir, "letters", "posted", key, "--date", today, env=env)

    result = relance(data_dir, "letters", "outcome", key, "delivered", "--date", today, env=env)

    assert result.exit_code == 1 and "outcome_needs_registered_letter" in result.output


def test_a_cancelled_letter_leaves_the_list_and_records_nothing(prepared: tuple[Path, dict[str, str], str]) -> None:
    data_dir, env, key = prepared

    cancelled = relance(data_dir, "letters", "cancel", key, env=env)

    assert cancelled.exit_code == 0 and "aucun envoi enregistré" in cancelled.output
    assert as_json(relance(data_dir, "letters", "list", "--json", env=env)) == []
    assert "ReminderSent" not in journal_types(data_dir, env)


def test_the_run_report_names_the_debtor_the_invoices_and_where_to_get_each_document(
    _firm: tuple[Path, dict[str, str], Inbox],  # noqa: F811
) -> None:
    data_dir, env, _ = _firm

    as_data = as_json(relance(data_dir, "dunning", "run", "--force", "--json", "--date", RUN_DAY.isoformat(), env=env))
    (sent,) = as_data["sent"]
    sha = sent["document_sha256"]

    # The reminder names every invoice overdue on its day: F-CLI-0002 falls due the day before today, so a run
    # on today names it too, and one on Saturday (when today is a Sunday) does not.
    overdue = ["F-CLI-0001", "F-CLI-0002"] if RUN_DAY == TODAY else ["F-CLI-0001"]
    assert (sent["debtor_name"], sent["invoice_numbers"]) == ("Menuiserie Martin SARL", overdue)
    assert sent["document_url"] == f"/v1/documents/{sha}"
    assert sent["document_command"] == f"relance documents get {sha} -o FILE"
