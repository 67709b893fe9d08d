"""A natural person's datum in an event: the value reads show, and the sealed form the journal keeps (issue 19).

The value is the plain text, or ``ERASED`` once the subject's key is destroyed. The sealed form (AES-GCM under
the subject's own key, made and opened outside the domain) is what the store holds and what the canonical
record and its hash cover: destroying the key (crypto-shredding) leaves every hash, chain and digest as it was.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any
from uuid import UUID

ERASED = "[effacé]"
ALGORITHM = "A256GCM"


@dataclass(frozen=True)
class Sealed:
    subject: UUID  # whose key: the debtor, or one of its contacts
    ciphertext: str  # base64: the 12-byte nonce, then the ciphertext and its 16-byte tag
    alg: str = ALGORITHM

    def canonical(self) -> dict[str, Any]:
        """What the canonical record holds in the datum's place (docs/privacy.md, "La forme scellée")."""
        return {"sealed": {"alg": self.alg, "ciphertext": self.ciphertext, "subject": str(self.subject)}}


class Personal(str):
    """A ``str`` (so the domain reads it as any text) that carries its sealed form."""

    sealed: Sealed

    def __new__(cls, value: str, sealed: Sealed) -> Personal:
        datum = super().__new__(cls, value)
        datum.sealed = sealed
        return datum

    def __reduce__(self) -> tuple[Any, ...]:
        return Personal, (str(self), self.sealed)

    @property
    def erased(self) -> bool:
        return str(self) == ERASED


def sealed_forms(value: Any) -> Any:
    """``value`` with every personal datum in it replaced by its sealed form (dataclasses become dicts, as the
    canonical record writes them)."""
    if isinstance(value, Personal):
        return value.sealed.canonical()
    if isinstance(value, dict):
        return {key: sealed_forms(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [sealed_forms(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: sealed_forms(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value
