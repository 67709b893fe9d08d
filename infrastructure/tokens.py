"""Bearer API tokens: created once, shown once, stored as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from application.access import Principal, Role
from domain.canonical import format_instant
from domain.errors import AlreadyExists, InvalidInput, NotFound
from infrastructure.settings import Settings
from infrastructure.sql import Database, is_unique_violation
from infrastructure.token_cache import TokenCache, TokenChangeListener

TOKEN_PREFIX = "rl_"


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    name: str
    role: Role
    created_at: str
    created_by: str
    revoked_at: str | None


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class TokenStore:
    """``cache``: principals this process looked up, kept while PostgreSQL reports every change to
    the tokens (the API's workers; the CLI and SQLite look up every time)."""

    def __init__(self, database: Database, *, cache: TokenCache | None = None) -> None:
        self._db = database
        self._cache = cache

    def create(self, *, name: str, role: Role, created_by: str) -> tuple[TokenInfo, str]:
        cleaned = name.strip()
        if not cleaned or len(cleaned) > 100 or any(c.isspace() and c != " " for c in cleaned):
            raise InvalidInput("name: 1 to 100 characters on one line", rule="token_name")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        info = TokenInfo(str(uuid.uuid4()), cleaned, role, _now(), created_by, None)
        try:
            self._db.execute(
                "INSERT INTO api_tokens (token_id, name, role, token_hash, created_at, created_by, revoked_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, NULL)",
                (info.token_id, info.name, role.value, token_hash(secret), info.created_at, created_by),
            )
        except Exception as error:
            if is_unique_violation(error):
                raise AlreadyExists(f"a token named {cleaned!r} exists", rule="token_name_unique") from error
            raise
        return info, secret

    @property
    def caching(self) -> bool:
        """Whether lookups are kept now (PostgreSQL, with the listener connected)."""
        return self._cache is not None and self._cache.ticket() is not None

    def known(self, secret: str) -> Principal | None:
        """The principal if this process holds it (no I/O: safe on the event loop); else None, look it up."""
        if self._cache is None or not _well_formed(secret):
            return None
        return self._cache.get(token_hash(secret))

    def authenticate(self, secret: str) -> Principal | None:
        if not _well_formed(secret):
            return None
        digest = token_hash(secret)
        ticket = None if self._cache is None else self._cache.ticket()
        rows = self._db.fetch(
            "SELECT token_id, name, role FROM api_tokens WHERE token_hash = %s AND revoked_at IS NULL", (digest,)
        )
        if not rows:
            return None
        token_id, name, role = rows[0]
        principal = Principal(token_id=token_id, name=name, role=Role(role))
        if self._cache is not None:
            self._cache.put(digest, principal, ticket)
        return principal

    def revoke(self, name_or_id: str) -> TokenInfo:
        changed = self._db.execute(
            "UPDATE api_tokens SET revoked_at = %s WHERE (token_id = %s OR name = %s) AND revoked_at IS NULL",
            (_now(), name_or_id, name_or_id),
        )
        if changed == 0:
            raise NotFound(f"no active token {name_or_id!r}", rule="token_exists")
        if self._cache is not None:
            self._cache.forget()  # at once in this process; the other workers hear of it from PostgreSQL
        return next(t for t in self.list() if name_or_id in (t.token_id, t.name))

    def list(self) -> list[TokenInfo]:
        rows = self._db.fetch(
            "SELECT token_id, name, role, created_at, created_by, revoked_at FROM api_tokens ORDER BY created_at, name"
        )
        return [TokenInfo(r[0], r[1], Role(r[2]), r[3], r[4], r[5]) for r in rows]


def serving_token_store(settings: Settings, database: Database) -> tuple[TokenStore, TokenChangeListener | None]:
    """The API's token store: on PostgreSQL with a cache and its started listener (stop it at shutdown)."""
    if settings.database_url is None or settings.token_cache_seconds == 0:
        return TokenStore(database), None
    cache = TokenCache(max_age=settings.token_cache_seconds)
    listener = TokenChangeListener(
        settings.database_url.get_secret_value(), cache, connect_timeout=settings.postgres_connect_timeout_seconds
    )
    listener.start()
    return TokenStore(database, cache=cache), listener


def _well_formed(secret: str) -> bool:
    return secret.startswith(TOKEN_PREFIX) and len(secret) <= 200


def _now() -> str:
    return format_instant(datetime.now(tz=UTC))
