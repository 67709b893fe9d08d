"""acces.pdf: the answer to an access request (GDPR art. 15) in plain French.

Jinja2 lays out ``AccessContent`` (application/privacy_export.py) as HTML; WeasyPrint prints it.
The bytes depend only on the content (fixed creation date: the export instant).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from application.privacy_export import NOTICE, AccessContent
from infrastructure.dossier import environment, pinned_source_date

STATUS_LABELS = {
    "open": "en cours",
    "promised": "promesse de paiement",
    "in_payment_plan": "échéancier en cours",
    "disputed": "contestée",
    "escalated": "transmise au contentieux",
    "settled": "soldée",
    "written_off": "passée en perte",
}
CONTACT_ROLES = {
    "accounts_payable": "comptabilité fournisseurs",
    "signatory": "signataire",
    "purchasing": "achats",
    "management": "direction",
    "other": "autre",
}
FILE_LABELS = {
    "personnes.json": "Votre identité, adresse, contacts, consentement, effacement, et le journal de ces données",
    "creances.json": "Chaque facture, ses montants, son état et le journal de son recouvrement",
}


def template_context(content: AccessContent) -> dict[str, Any]:
    zone = ZoneInfo(content.timezone)
    return {
        "c": content,
        "created": content.created_at.astimezone(zone).strftime("%d/%m/%Y à %H:%M"),
        "firm": content.firm_name or "l'entreprise créancière",
        "status_labels": STATUS_LABELS,
        "contact_roles": CONTACT_ROLES,
        "file_labels": FILE_LABELS,
        "notice": NOTICE,
        "pursued": any(r["status"] not in ("settled", "written_off") for r in content.receivables),
        "escalated": any(r["status"] == "escalated" for r in content.receivables),
    }


def render_html(content: AccessContent) -> str:
    return environment().get_template("privacy/access.html.j2").render(**template_context(content))


def render_access(content: AccessContent) -> bytes:
    import weasyprint  # type: ignore[import-untyped]

    created = content.created_at.astimezone(UTC).replace(microsecond=0)
    with pinned_source_date(created):
        pdf: bytes = weasyprint.HTML(string=render_html(content), base_url=None).write_pdf()
    return pdf
