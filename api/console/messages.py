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
}


def french_reason(error: DomainError) -> tuple[str, str | None]:
    """(the reason in French, the field it concerns or None)."""
    if isinstance(error, VersionMismatch | VersionConflict):
        return REASONS["version_mismatch"]
    found = REASONS.get(error.rule)
    if found is not None:
        return found
    return (f"Refusé : {error.message}", None)
