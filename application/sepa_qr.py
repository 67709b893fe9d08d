"""The SEPA credit-transfer QR code's text (EPC069-12, "Quick Response Code: guidelines to enable data
capture for the initiation of a SEPA credit transfer", version 002): what a banking app reads to prefill a
transfer to the firm, for the amount and with the reference the letter asks for.

Pure text; drawing the code is the renderer's (error correction level M, as the guidelines require).
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_AMOUNT = Decimal("999999999.99")
MAX_PAYLOAD_BYTES = 331
IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")


def iban_valid(iban: str) -> bool:
    """ISO 13616: two letters, two check digits, the rest alphanumeric; the whole is 1 modulo 97."""
    compact = iban.replace(" ", "").upper()
    if not IBAN.match(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def epc_payload(*, beneficiary: str, iban: str, amount: Decimal, currency: str, remittance: str) -> str | None:
    """The code's text, or None when the guidelines allow none: not euros, an amount out of range, an IBAN
    that is not one. Version 002 lets the BIC out within the EEA; the remittance is unstructured text."""
    compact = iban.replace(" ", "").upper()
    if currency != "EUR" or not Decimal("0.01") <= amount <= MAX_AMOUNT or not iban_valid(compact):
        return None
    lines = [
        "BCD",  # service tag
        "002",  # version
        "1",  # character set: UTF-8
        "SCT",  # SEPA credit transfer
        "",  # BIC: optional in version 002
        " ".join(beneficiary.split())[:70],
        compact,
        f"EUR{amount:.2f}",
        "",  # purpose
        "",  # structured (RF) reference: none, the unstructured text below instead
        " ".join(remittance.split())[:140],
    ]
    payload = "\n".join(lines)
    return payload if len(payload.encode("utf-8")) <= MAX_PAYLOAD_BYTES else None
