"""Dunning policies as data: every version of every policy, as the TOML text it was given in.

The shipped policies (and the firm's files in ``RELANCE_POLICY_DIR``, which override a shipped
file of the same id) are stored as new versions when their text changes, unless a person saved
the latest version; ``PUT /v1/policies/{id}`` stores a new version too. Nothing
is ever overwritten: a reminder recorded with (policy, version, rule) can be explained later
from the exact text that fired it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from domain.canonical import format_instant
from domain.dunning_policy import Policy
from domain.errors import InvalidInput, NotFound, VersionMismatch
from infrastructure.policy_files import load_policy, load_policy_dir, shipped_policy_files
from infrastructure.sql import Database, is_unique_violation

FILE_ACTOR = "file:"  # created_by of a version installed from a shipped or a firm's file


@dataclass(frozen=True)
class StoredPolicy:
    policy: Policy
    source: str  # the TOML text, exactly as given
    source_sha256: str
    created_at: str
    created_by: str


class PolicyStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def install(self, *, now: datetime, policy_dir: Path | None = None) -> list[StoredPolicy]:
        """Store the file that rules each policy id (the firm's file over the shipped one of the same id)
        as a new version once per change of its text, and never over a version a person saved.

        A version is a file's when its ``created_by`` is ``file:<name>``. The file's text is compared
        with the latest file version, so a firm file overriding a shipped one is stored once, not
        again at every start; a version saved through ``PUT /v1/policies/{id}`` or ``relance policy
        put`` stays the current one until a person saves another (decision 0068)."""
        files: dict[str, tuple[str, str]] = {}
        sources = [(path.read_text(encoding="utf-8"), path.name) for path in shipped_policy_files()]
        if policy_dir is not None:
            sources += [(text, name) for text, name in load_policy_dir(policy_dir)]
        for text, name in sources:  # the firm's files come last: they override a shipped file of the same id
            files[load_policy(text, name).id] = (text, name)
        installed = []
        for policy_id, (text, name) in files.items():
            latest = self._latest(policy_id)
            if latest is not None and not latest.created_by.startswith(FILE_ACTOR):
                continue  # a person's version: a file never replaces it
            if latest is None or latest.source_sha256 != _sha256(text):
                installed.append(self.put(policy_id, text, actor=f"{FILE_ACTOR}{name}", now=now))
        return installed

    def put(
        self, policy_id: str, source: str, *, actor: str, now: datetime, expected_version: int | None = None
    ) -> StoredPolicy:
        """Store ``source`` as the next version of ``policy_id`` (the version in the text is replaced).

        With ``expected_version`` (the version the person edited), a version stored meanwhile, even by a
        writer racing this one, is refused with ``VersionMismatch`` rather than followed."""
        policy = load_policy(source, f"{policy_id}.toml")
        if policy.id != policy_id:
            raise InvalidInput(f"id: the file says {policy.id!r}, the address says {policy_id!r}", rule="policy_id")
        for _attempt in range(5):  # two writers racing for the same version: the loser takes the next one
            latest = self._latest(policy_id)
            current = 0 if latest is None else latest.policy.version
            if expected_version is not None and current != expected_version:
                raise VersionMismatch(f"policy {policy_id}: version {current} was saved since version "
                                      f"{expected_version} was read", rule="version_mismatch")  # fmt: skip
            version = current + 1
            try:
                self._db.execute(
                    "INSERT INTO dunning_policies (policy_id, version, source, source_sha256, created_at, created_by)"
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    (policy_id, version, source, _sha256(source), format_instant(now), actor),
                )
            except Exception as error:
                if is_unique_violation(error):
                    continue
                raise
            stored = self.get(policy_id, version)
            assert stored is not None
            return stored
        raise InvalidInput(f"policy {policy_id}: too many concurrent updates, retry", rule="policy_busy")

    def current(self) -> list[StoredPolicy]:
        """The latest version of each policy, by id."""
        rows = self._db.fetch(
            "SELECT p.policy_id, p.version, p.source, p.source_sha256, p.created_at, p.created_by"
            " FROM dunning_policies p WHERE p.version = (SELECT MAX(q.version) FROM dunning_policies q"
            " WHERE q.policy_id = p.policy_id) ORDER BY p.policy_id"
        )
        return [_stored(*row) for row in rows]

    def policies(self) -> list[Policy]:
        return [stored.policy for stored in self.current()]

    def get(self, policy_id: str, version: int | None = None) -> StoredPolicy | None:
        if version is None:
            return self._latest(policy_id)
        rows = self._db.fetch(
            "SELECT policy_id, version, source, source_sha256, created_at, created_by FROM dunning_policies"
            " WHERE policy_id = %s AND version = %s",
            (policy_id, version),
        )
        return _stored(*rows[0]) if rows else None

    def require(self, policy_id: str, version: int | None = None) -> StoredPolicy:
        stored = self.get(policy_id, version)
        if stored is None:
            which = f" version {version}" if version is not None else ""
            raise NotFound(f"no dunning policy {policy_id!r}{which}", rule="policy_exists")
        return stored

    def history(self, policy_id: str) -> list[StoredPolicy]:
        rows = self._db.fetch(
            "SELECT policy_id, version, source, source_sha256, created_at, created_by FROM dunning_policies"
            " WHERE policy_id = %s ORDER BY version",
            (policy_id,),
        )
        return [_stored(*row) for row in rows]

    def _latest(self, policy_id: str) -> StoredPolicy | None:
        rows = self._db.fetch(
            "SELECT policy_id, version, source, source_sha256, created_at, created_by FROM dunning_policies"
            " WHERE policy_id = %s ORDER BY version DESC LIMIT 1",
            (policy_id,),
        )
        return _stored(*rows[0]) if rows else None


def _stored(
    policy_id: str, version: int, source: str, source_sha256: str, created_at: str, created_by: str
) -> StoredPolicy:
    policy = replace(load_policy(source, f"{policy_id}.toml"), version=int(version))
    return StoredPolicy(policy, source, source_sha256, created_at, created_by)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
