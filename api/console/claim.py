"""The claim and the limitation period of a file, as the receivable page shows them in French.

The figures are the domain's (``domain/late_charges.py`` through ``application/claims.py``, as
``GET /v1/receivables/{id}/claim``; ``domain/limitation.py``); this module only names each rule applied
and each line of the calculation in French.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api import formats
from domain.late_charges import ChargeBasis, Claim, shown
from domain.limitation import Limitation

BASIS = {
    ChargeBasis.PENALTIES: "pénalités de retard (Code de commerce L441-10 II)",
    ChargeBasis.MORATORY_INTEREST: "intérêts moratoires au taux légal (Code civil 1231-6, 1344-1)",
}
RULES = {
    "due_date_set_by_law": "La facture n'indiquait pas d'échéance : l'échéance légale s'applique (30 jours après "
    "la livraison).",
    "penalties_from_due_date": "Les pénalités de retard courent dès le lendemain de l'échéance, sans qu'une relance "
    "soit nécessaire.",
    "not_late": "À cette date, la facture n'est pas encore en retard.",
    "contractual_rate": "Taux de pénalité convenu dans les conditions de vente, fixe quel que soit le semestre.",
    "default_rate": "Sans taux convenu : taux de refinancement de la BCE majoré de 10 points, celui de chaque "
    "semestre.",
    "consumer_no_penalties": "Débiteur consommateur : ni pénalités de retard ni indemnité de 40 € ; intérêts "
    "moratoires seulement.",
    "consumer_contractual_rate_not_applied": "Le taux de pénalité de la facture ne s'applique pas à un "
    "consommateur : c'est le taux légal.",
    "no_formal_notice": "Aucune mise en demeure envoyée : les intérêts moratoires n'ont pas commencé à courir.",
    "moratory_interest": "Intérêts moratoires au taux d'intérêt légal, à compter de la mise en demeure.",
    "insolvency_stops_interest": "Le jugement d'ouverture de la procédure collective arrête le cours des intérêts "
    "et des pénalités.",
    "provisional_rate": "Taux provisoire : celui du semestre n'est pas encore publié, le dernier connu est reporté.",
    "rate_source": "Taux publié appliqué.",
    "simple_interest": "Intérêts simples : base × taux × jours / 365 (365 les années bissextiles aussi), la base "
    "baissant le lendemain de chaque paiement ; arrondi au centime une seule fois, sur le total.",
    "dispute_does_not_stop": "Un litige n'arrête pas le cours des pénalités ; l'entreprise peut y renoncer.",
    "imputation_interest_first": "Depuis que des pénalités ont été réclamées, un paiement partiel paie d'abord les "
    "intérêts échus, puis le principal.",
    "imputation_principal_first": "Un paiement qui désigne cette facture paie d'abord le principal.",
    "no_indemnity_in_insolvency": "Procédure collective en cours : l'indemnité de 40 € n'est pas exigible.",
    "recovery_indemnity": "Indemnité forfaitaire pour frais de recouvrement : 40 € pour cette facture payée en "
    "retard, une seule fois, sans TVA.",
    "already_invoiced": "Pénalités déjà facturées : déduites, pour ne rien réclamer deux fois.",
    "waived": "Pénalités abandonnées : déduites.",
    "payment_terms_over_cap": "Délai de paiement convenu au-delà du plafond légal de 60 jours : accepté et signalé ; "
    "les pénalités courent depuis l'échéance convenue.",
    "total": "Total = principal restant dû + pénalités + indemnité − abandons − déjà facturé.",
}
INTERRUPTIONS = {
    "partial_payment": "paiement partiel (reconnaissance de la dette)",
    "payment_plan": "échéancier convenu (reconnaissance de la dette)",
    "court_action": "action en justice",
}
RATE_NAMES = {"ECB main refinancing operations rate": "taux de refinancement de la BCE"}


@dataclass(frozen=True)
class ClaimLine:
    label: str
    amount: str


def claim_context(claim: Claim) -> dict[str, Any]:
    """The claim's figures, its periods and its rules, in French and French formats."""

    def money(value: Any) -> str:
        return formats.money(value, claim.currency)

    lines = [ClaimLine("Principal restant dû", money(claim.principal_outstanding))]
    basis = BASIS[claim.basis]
    lines.append(ClaimLine(basis[0].upper() + basis[1:], money(claim.penalties)))
    lines.append(ClaimLine("Indemnité forfaitaire de recouvrement", money(claim.indemnity)))
    if claim.waived:
        lines.append(ClaimLine("Abandonné", "− " + money(claim.waived)))
    if claim.already_invoiced:
        lines.append(ClaimLine("Déjà facturé", "− " + money(claim.already_invoiced)))
    if claim.interest_paid:
        lines.append(ClaimLine("Intérêts déjà payés", money(claim.interest_paid)))
    periods = [
        {
            "start": formats.day(p.start),
            "end": formats.day(p.end),
            "days": p.days,
            "base": money(p.base),
            "rate": formats.percent(p.rate) + (" (provisoire)" if p.provisional else ""),
            "amount": formats.number(shown(p.amount), 6),
        }
        for p in claim.periods
    ]
    rules = [(RULES.get(rule.code, rule.text), _reference(rule.reference)) for rule in claim.rules]
    return {
        "as_of": claim.as_of,
        "lines": lines,
        "total": money(claim.total),
        "provisional": claim.provisional,
        "periods": periods,
        "rules": rules,
    }


def _reference(reference: str) -> str:
    for english, french in RATE_NAMES.items():
        reference = reference.replace(english, french)
    return reference


def limitation_context(limitation: Limitation) -> dict[str, Any]:
    """The limitation date, its basis and what last interrupted or suspends it, in French."""
    last = limitation.last_interruption
    return {
        "date": limitation.limitation_date,
        "years": limitation.years,
        "reference": limitation.reference,
        "starts_on": limitation.starts_on,
        "interruption": None
        if last is None
        else {"on": last.on, "what": INTERRUPTIONS.get(last.kind, last.kind), "reference": last.reference},
        "suspended_since": limitation.suspended_since,
        "alert": limitation.alert,
        "time_barred": limitation.time_barred,
    }
