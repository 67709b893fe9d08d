"""Dunning policies as data: every version kept on both stores, bad files refused with their line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.errors import InvalidInput, NotFound, VersionMismatch
from infrastructure.policy_files import shipped_policy_files
from infrastructure.policy_store import PolicyStore
from infrastructure.sql import open_database
from tests.integration.conftest import Store

NOW = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)


@pytest.fixture
def policies(store: Store) -> Iterator[PolicyStore]:
    database = open_database(store.settings)
    yield PolicyStore(database)
    database.close()


def shipped_text(name: str) -> str:
    return next(f for f in shipped_policy_files() if f.name == name).read_text(encoding="utf-8")


def test_the_shipped_policies_are_installed_once_as_version_1(policies: PolicyStore) -> None:
    installed = policies.install(now=NOW)
    assert {s.policy.id for s in installed} >= {"default", "light"}
    assert policies.install(now=NOW) == []  # same text: no new version
    assert {s.policy.version for s in policies.current()} == {1}


def test_a_changed_policy_is_stored_as_the_next_version_and_the_old_one_is_kept(policies: PolicyStore) -> None:
    policies.install(now=NOW)
    old = policies.require("light")
    changed = old.source.replace(old.policy.title, "Petites factures (revue)")
    stored = policies.put("light", changed, actor="manager:claire", now=NOW)
    assert stored.policy.version == 2 and stored.created_by == "manager:claire"
    assert policies.require("light").policy.title == "Petites factures (revue)"
    assert policies.require("light", 1).source == old.source
    assert [s.policy.version for s in policies.history("light")] == [1, 2]


def test_a_firm_policy_folder_adds_its_policies_beside_the_shipped_ones(policies: PolicyStore, tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    text = shipped_text("light.toml")
    own = text.replace('id = "light"', 'id = "export"', 1)
    assert own != text, "the shipped light policy names its id on a line of its own"
    (folder / "export.toml").write_text(own, encoding="utf-8")
    policies.install(now=NOW, policy_dir=folder)
    assert "export" in {p.id for p in policies.policies()}


def test_an_invalid_policy_is_refused_with_its_line_and_nothing_is_stored(policies: PolicyStore) -> None:
    policies.install(now=NOW)
    broken = shipped_text("default.toml").replace('action = "reminder"', 'action = "relance"', 1)
    line = next(i for i, text in enumerate(broken.splitlines(), start=1) if 'action = "relance"' in text)
    with pytest.raises(InvalidInput) as refused:
        policies.put("default", broken, actor="manager:claire", now=NOW)
    assert f"line {line}" in refused.value.message and "relance" in refused.value.message
    assert policies.require("default").policy.version == 1


def test_a_policy_put_under_another_id_is_refused(policies: PolicyStore) -> None:
    policies.install(now=NOW)
    with pytest.raises(InvalidInput):
        policies.put("other", shipped_text("light.toml"), actor="manager:claire", now=NOW)


def test_an_unknown_policy_or_version_is_not_found(policies: PolicyStore) -> None:
    policies.install(now=NOW)
    with pytest.raises(NotFound):
        policies.require("nope")
    with pytest.raises(NotFound):
        policies.require("default", 99)


def test_a_policy_a_person_saved_is_not_reverted_by_the_next_install(policies: PolicyStore) -> None:
    policies.install(now=NOW)
    shipped = policies.require("default")
    edited = shipped.source.replace(shipped.policy.title, "Relances maison")
    policies.put("default", edited, actor="manager:claire", now=NOW)

    assert policies.install(now=NOW) == []

    current = policies.require("default")
    assert (current.policy.version, current.created_by) == (2, "manager:claire")
    assert current.policy.title == "Relances maison"


def test_a_firm_file_overriding_a_shipped_policy_is_installed_once(policies: PolicyStore, tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    text = shipped_text("default.toml")
    (folder / "default.toml").write_text(text.replace("min_spacing_days = ", "min_spacing_days = 1", 1), "utf-8")

    for _start in range(3):
        policies.install(now=NOW, policy_dir=folder)

    assert [s.created_by for s in policies.history("default")] == ["file:default.toml"]
    assert policies.require("default").source != text


def test_a_changed_firm_file_is_stored_once_as_the_next_version(policies: PolicyStore, tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    policies.install(now=NOW, policy_dir=folder)
    text = shipped_text("default.toml")
    (folder / "default.toml").write_text(text.replace('title = "', 'title = "Maison ', 1), "utf-8")

    policies.install(now=NOW, policy_dir=folder)
    policies.install(now=NOW, policy_dir=folder)

    assert [s.policy.version for s in policies.history("default")] == [1, 2]
    assert policies.require("default").policy.title.startswith("Maison ")


def test_a_version_saved_since_the_one_edited_is_refused_not_built_upon(policies: PolicyStore) -> None:
    policies.install(now=NOW)
    read = policies.require("light")
    theirs = read.source.replace(read.policy.title, "Leur version")
    policies.put("light", theirs, actor="manager:ana", now=NOW, expected_version=read.policy.version)
    mine = read.source.replace(read.policy.title, "Ma version")
    with pytest.raises(VersionMismatch):
        policies.put("light", mine, actor="manager:ben", now=NOW, expected_version=read.policy.version)
    assert policies.require("light").source == theirs
    assert [s.policy.version for s in policies.history("light")] == [1, 2]
