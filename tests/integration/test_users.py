"""Console accounts on both stores: Argon2id hashes only, one account per person, disabled never deleted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from application.access import Role
from domain.errors import AlreadyExists, InvalidInput, NotFound, RuleViolation
from infrastructure.sql import open_database
from infrastructure.users import UserStore
from tests.integration.conftest import Store

PASSWORD = "correct horse battery staple"


@pytest.fixture
def users(store: Store) -> Iterator[UserStore]:
    database = open_database(store.settings)
    yield UserStore(database)
    database.close()


def test_a_person_signs_in_with_the_right_password_only_and_the_store_keeps_no_password(
    users: UserStore, store: Store
) -> None:
    users.create(username="Marie.Dupont", display_name="Marie  Dupont", role=Role.COLLECTOR, password=PASSWORD,
                 created_by="cli")  # fmt: skip

    principal = users.authenticate("marie.dupont", PASSWORD)

    assert principal is not None and (principal.name, principal.role) == ("marie.dupont", Role.COLLECTOR)
    assert users.authenticate("marie.dupont", PASSWORD + "!") is None
    assert users.authenticate("nobody", PASSWORD) is None
    (user,) = users.list()
    assert (user.username, user.display_name, user.active) == ("marie.dupont", "Marie Dupont", True)
    database = open_database(store.settings)
    (stored,) = database.fetch("SELECT password_hash FROM users")
    database.close()
    assert stored[0].startswith("$argon2id$") and PASSWORD not in stored[0]


def test_a_disabled_account_cannot_sign_in_and_a_new_password_replaces_the_old(users: UserStore) -> None:
    users.create(username="paul", display_name="Paul", role=Role.ACCOUNTANT, password=PASSWORD, created_by="cli")

    users.reset_password("paul", "another long passphrase")
    assert users.authenticate("paul", PASSWORD) is None
    assert users.authenticate("paul", "another long passphrase") is not None
    users.disable("paul")

    assert users.authenticate("paul", "another long passphrase") is None
    assert not users.get("paul").active
    with pytest.raises(RuleViolation):
        users.disable("paul")


@pytest.mark.parametrize(
    ("username", "password", "error", "rule"),
    [
        ("m", PASSWORD, InvalidInput, "username_format"),
        ("marie dupont", PASSWORD, InvalidInput, "username_format"),
        ("marie", "short pass", InvalidInput, "password_too_short"),
        ("marie", "marie-is-my-password", InvalidInput, "password_contains_username"),
    ],
)
def test_a_bad_account_is_refused_and_nothing_is_stored(
    users: UserStore, username: str, password: str, error: type[Exception], rule: str
) -> None:
    with pytest.raises(error) as caught:
        users.create(username=username, display_name="Marie", role=Role.MANAGER, password=password, created_by="cli")

    assert getattr(caught.value, "rule", None) == rule
    assert users.list() == []


def test_a_username_is_taken_once_and_an_unknown_one_is_not_found(users: UserStore) -> None:
    users.create(username="lea", display_name="Léa", role=Role.AUDITOR, password=PASSWORD, created_by="cli")

    with pytest.raises(AlreadyExists):
        users.create(username="LEA", display_name="Léa B.", role=Role.ADMIN, password=PASSWORD, created_by="cli")
    with pytest.raises(NotFound):
        users.reset_password("nobody", PASSWORD)
