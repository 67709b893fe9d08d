"""A rectified name (GDPR art. 16) is personal data like the name it corrects, on SQLite and PostgreSQL: sealed
in the stored event, and once the person is erased neither the old nor the new name remains in any byte,
while every chain still verifies and the rectification still reads as one, shown erased."""

from __future__ import annotations

from uuid import uuid4

from application.commands import EraseDebtor, RectifyDebtorName, RegisterDebtor
from application.verification import verify_ledger
from domain.debtor import Address, DebtorNameRectified
from domain.personal import ERASED
from domain.vocabulary import DebtorKind
from tests.integration.conftest import ACTOR, Store
from tests.integration.test_personal_data_erasure import every_byte

OLD, NEW = "Gwendoline Kerbrat-Le Goffic", "Gwendoline Kerbrat-Le Goff"
REASON = "À la demande de l'intéressée, courrier du 3 mars : nom mal orthographié"


def test_a_rectified_name_is_sealed_and_after_erasure_neither_name_is_in_any_byte(store: Store) -> None:
    ledger = store.ledger()
    debtor = uuid4()
    ledger.execute(RegisterDebtor(debtor, OLD, DebtorKind.CONSUMER, Address(["2 rue Vauban"], "29200", "Brest", "FR")),
                   actor=ACTOR)  # fmt: skip
    ledger.execute(RectifyDebtorName(debtor, NEW, REASON), actor=ACTOR)
    stored = b"".join(row[3] for row in store.rows())
    assert OLD.encode() not in stored and NEW.encode() not in stored
    assert REASON.encode() not in stored  # the reason may name the person: sealed too
    assert ledger.debtor(debtor).legal_name == NEW

    ledger.execute(EraseDebtor(debtor, "demande d'effacement (art. 17)"), actor=ACTOR)

    everything = every_byte(store)
    assert OLD.encode() not in everything and NEW.encode() not in everything and REASON.encode() not in everything
    assert verify_ledger(ledger.recorder, ledger.mapper, None, None).ok
    rectified = store.ledger().store.history(debtor).events[1]
    assert isinstance(rectified, DebtorNameRectified)
    assert (rectified.legal_name, rectified.reason) == (ERASED, ERASED)
