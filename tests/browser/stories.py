"""A realistic store for the console's pages: a few debtors with their contacts, invoices at every age,
a promise falling due, a dispute, a bank credit nobody has matched, a file near its limitation date.
Built through the HTTP API's builders (tests/e2e/conftest.py), as an ERP and the collectors would."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from application.access import Principal, Role
from tests.e2e.conftest import Api
from tests.support.console import account

# (legal name, SIREN, contact, phone): firms, so no personal data of a consumer in the screenshots.
FIRMS = (
    ("Menuiserie Martin SARL", "812345676", "Jeanne Martin", "+33 4 72 00 00 00"),
    ("Boulangerie Petit SAS", "423567890", "Luc Petit", "+33 4 78 12 34 56"),
    ("Garage des Alpes SARL", "509123451", "Sophie Rey", "+33 4 76 98 76 54"),
    ("Transports Rossi SA", "398765438", "Marc Rossi", "+33 4 91 55 66 77"),
)
# (firm, amount, days past due: negative = not yet due)
INVOICES = (
    (0, "4860.00", 2),
    (0, "1250.40", 48),
    (1, "312.00", 3),
    (1, "890.00", -12),
    (2, "7420.00", 75),
    (2, "2100.00", 18),
    (3, "15600.00", 124),
    (3, "640.80", 35),
)


@dataclass(frozen=True)
class Morning:
    debtor_id: str
    receivable_id: str  # the file with the most on its timeline: a call, a promise, a payment
    files: tuple[str, ...]  # every invoice of INVOICES, in its order
    run_id: str | None = None  # the day's dunning run, once launched (``launched``)


def busy_morning(api: Api) -> Morning:
    """The store of a firm on 15/06/2026; returns the debtor and the file the screenshots open."""
    debtors = []
    for name, siren, contact, phone in FIRMS:
        debtor_id = api.debtor(legal_name=name, siren=siren)["id"]
        api.ok(
            "admin",
            f"/v1/debtors/{debtor_id}/contacts",
            {"role": "accounts_payable", "name": contact, "phone": phone, "email": f"compta@{siren}.example.fr"},
        )
        debtors.append(debtor_id)
    files: list[dict[str, Any]] = [
        api.invoice(debtors[firm], amount=amount, days_overdue=days) for firm, amount, days in INVOICES
    ]
    promised, disputed, old = files[1]["id"], files[4]["id"], files[6]["id"]
    api.ok(
        "collector",
        f"/v1/receivables/{promised}/calls",
        {"called_on": api.days(0), "purpose": "follow_up", "outcome": "reached", "notes": "règlement en deux fois"},
    )
    api.ok("accountant", f"/v1/receivables/{promised}/payments", api.payment_body("400.00"))
    api.ok("collector", f"/v1/receivables/{promised}/promises", {"amount": "850.40", "promised_date": api.days(2)})
    api.ok("collector", f"/v1/receivables/{disputed}/disputes", {"reason": "non_conforming", "opened_on": api.days(-4)})
    api.ok("collector", f"/v1/receivables/{old}/notes", {"text": "Relancé par courrier simple, sans réponse."})
    limitation = api.invoice(debtors[3], amount="980.00", days_overdue=5 * 365 - 70)
    api.ok("admin", f"/v1/receivables/{limitation['id']}/notes", {"text": "Ancien dossier repris."})
    statement = (
        "Date;Montant;Référence;Libellé;Emetteur\n"
        f"{api.days(-1)};1 480,00;VIR-7781;VIR SEPA REGLEMENT FACTURES MAI;SARL DUBOIS BATIMENT\n"
    )
    response = api.as_("accountant").post(
        "/v1/imports/payments", content=statement.encode(), headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    return Morning(debtor_id=debtors[0], receivable_id=promised, files=tuple(f["id"] for f in files))


def launched(api: Api, morning: Morning) -> Morning:
    """The same morning once a manager has launched the day's run: the files past their first reminder date
    get it by e-mail, and one reminded by e-mail sixteen days ago gets its second by letter, to be posted."""
    reminded = morning.files[7]
    api.ok("admin", f"/v1/receivables/{reminded}/reminders",
           {"stage": "first", "channel": "email", "sent_on": api.days(-16)})  # fmt: skip
    report = api.ok("manager", "/v1/dunning-runs", {})
    assert ("second_reminder", "letter", "to_post") in [(s["kind"], s["channel"], s["status"]) for s in report["sent"]]
    return replace(morning, run_id=report["run_id"])


def session(api: Api, username: str, role: str, *, name: str | None = None) -> str:
    """The secret of a new console session of this account (created once), as signing in opens one."""
    account(api, username, role, name=name)
    principal = Principal(token_id="", name=username, role=Role(role))
    return api.services.console_sessions().open(principal, address="127.0.0.1")


def overdue_with_a_contact(
    api: Api, legal_name: str, *, amount: str = "1200.00", days_overdue: int = 1
) -> dict[str, Any]:
    """An invoice of a new debtor with its accounts payable contact (telephone and e-mail), the invoice's PDF
    attached: the day after its due date it is on the calls list; five days after, its first reminder goes."""
    debtor_id = api.debtor(legal_name=legal_name)["id"]
    api.contact(debtor_id)
    invoice = api.invoice(debtor_id, amount=amount, days_overdue=days_overdue)
    sha = api.document(api.unique_pdf())
    api.ok("admin", f"/v1/receivables/{invoice['id']}/documents",
           {"kind": "invoice", "document_sha256": sha, "media_type": "application/pdf"})  # fmt: skip
    return invoice
