"""The domain's refusals in French, for people: a sentence per rule, the English message as a last resort.

The API answers machines with the rule's name and an English detail; the console shows this instead,
beside the field the rule is about when it names one.
"""

from __future__ import annotations

from domain.errors import DomainError, VersionConflict, VersionMismatch

# rule → (French sentence, the form field it concerns or None)
REASONS: dict[str, tuple[str, str | None]] = {
    "version_conflict": ("Quelqu'un a modifié ce dossier au même moment : rechargez la page.", None),
    "version_mismatch": (
        "Ce dossier a été modifié depuis que vous l'avez ouvert : rechargez la page pour voir la nouvelle version ; "
        "rien n'a été enregistré.",
        None,
    ),
    # letters to post, the deposit list, the receipts uploaded with them, and the dunning run
    "date_not_in_future": ("Cette date est dans le futur : indiquez aujourd'hui ou un jour passé.", None),
    "posting_after_preparation": ("La date de dépôt précède le jour où le courrier a été préparé.", "posted_on"),
    "tracking_number_required": (
        "Le numéro de suivi est obligatoire pour un recommandé (la référence du prestataire pour une LRE).",
        "tracking_number",
    ),
    "tracking_number_format": (
        "Ce n'est pas un numéro de suivi La Poste : il s'écrit « 1A 234 567 8901 2 » ou « RR 123 456 785 FR ».",
        "tracking_number",
    ),
    "tracking_number_check": (
        "Ce numéro de suivi ne passe pas sa clé de contrôle : vérifiez-le sur l'étiquette (faute de frappe ?).",
        "tracking_number",
    ),
    "letter_exists": ("Aucun courrier ne porte cette clé : vérifiez-la sur la liste de dépôt.", "cle"),
    "letter_already_posted": ("Ce courrier est déjà enregistré comme posté.", None),
    "letter_cancelled": ("Ce courrier a été annulé : il ne sera pas posté.", None),
    "letter_to_post": ("Ce courrier n'attend pas d'être posté.", None),
    "letter_posted": ("Ce courrier n'est pas enregistré comme posté : enregistrez d'abord son dépôt.", "cle"),
    "outcome_needs_registered_letter": (
        "Une lettre simple n'a pas d'accusé de réception : seul son retour (pli non distribuable) s'enregistre.",
        "outcome",
    ),
    "deposit_list": (
        "La liste de dépôt est refusée et rien n'a été enregistré : corrigez les lignes indiquées puis renvoyez-la.",
        None,
    ),
    "no_letters_to_post": ("Aucune lettre n'attend d'être imprimée.", None),
    "document_missing": ("Le document d'un courrier manque au stockage : le lot ne peut pas être imprimé.", None),
    "document_unreadable": ("Le document d'un courrier est illisible : le lot ne peut pas être imprimé.", None),
    "printing_not_configured": ("L'impression des courriers n'est pas configurée.", None),
    "document_empty": ("Le fichier envoyé est vide.", None),
    "document_size": ("Le fichier envoyé dépasse la taille admise.", None),
    "document_media_type": ("Ce fichier n'est pas du type attendu (PDF, PNG, JPEG ou TIFF) ou est endommagé.", None),
    "run_date_future": ("La relance ne se lance pas pour un jour à venir.", None),
    "run_exists": ("Cette relance n'existe pas.", None),
    "forbidden": ("Votre rôle ne permet pas cette action.", None),
}


def french_reason(error: DomainError) -> tuple[str, str | None]:
    """(the reason in French, the field it concerns or None)."""
    if isinstance(error, VersionMismatch | VersionConflict):
        return REASONS["version_mismatch"]
    found = REASONS.get(error.rule)
    if found is not None:
        return found
    return (f"Refusé : {error.message}", None)
