"""People who sign in to the console (issue 18): one account per person, with the API's roles.

Passwords are hashed with Argon2id (argon2-cffi, its recommended parameters); only the hash is kept.
An account is never deleted, it is disabled: the journal names its user as actor for ever.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from application.access import Principal, Role
from domain.canonical import format_instant
from domain.errors import AlreadyExists, InvalidInput, NotFound, RuleViolation
from infrastructure.sql import Database, is_unique_violation

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
_hasher = PasswordHasher()
_COLUMNS = "username, display_name, role, created_at, created_by, password_changed_at, disabled_at"


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: Role
    created_at: str
    created_by: str
    password_changed_at: str
    disabled_at: str | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


def check_password(password: str, username: str) -> str:
    """What a password must be: long (12 characters or more), not the username; no other rule, as NIST
    SP 800-63B advises (length over composition)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password: at least {MIN_PASSWORD_LENGTH} characters", rule="password_too_short")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"password: at most {MAX_PASSWORD_LENGTH} characters", rule="password_too_long")
    if username.lower() in password.lower():
        raise InvalidInput("password: must not contain the username", rule="password_contains_username")
    return password


class UserStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def create(self, *, username: str, display_name: str, role: Role, password: str, created_by: str) -> User:
        name = username.strip().lower()
        if not USERNAME.fullmatch(name):
            raise InvalidInput(
                "username: 2 to 64 characters, lower-case letters, digits, '.', '_' or '-' (e.g. marie.dupont)",
                rule="username_format",
            )
        shown = " ".join(display_name.split())
        if not shown or len(shown) > 100:
            raise InvalidInput("name: 1 to 100 characters", rule="user_name")
        digest = _hasher.hash(check_password(password, name))
        now = _now()
        try:
            self._db.execute(
                "INSERT INTO users (username, display_name, role, password_hash, created_at, created_by,"
                " password_changed_at, disabled_at, failed_attempts, locked_until)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, NULL, 0, NULL)",
                (name, shown, role.value, digest, now, created_by, now),
            )
        except Exception as error:
            if is_unique_violation(error):
                raise AlreadyExists(f"a user named {name!r} exists", rule="username_unique") from error
            raise
        return self.get(name)

    def get(self, username: str) -> User:
        rows = self._db.fetch(f"SELECT {_COLUMNS} FROM users WHERE username = %s", (username.strip().lower(),))
        if not rows:
            raise NotFound(f"no user {username!r}", rule="user_exists")
        return _user(rows[0])

    def list(self) -> list[User]:
        return [_user(row) for row in self._db.fetch(f"SELECT {_COLUMNS} FROM users ORDER BY username")]

    def disable(self, username: str) -> User:
        user = self.get(username)
        if not user.active:
            raise RuleViolation(f"user {user.username!r} is already disabled", rule="user_disabled")
        self._db.execute("UPDATE users SET disabled_at = %s WHERE username = %s", (_now(), user.username))
        return self.get(user.username)

    def reset_password(self, username: str, password: str) -> User:
        """A new password (set by an administrator, or by the person): failed attempts and lock cleared."""
        user = self.get(username)
        digest = _hasher.hash(check_password(password, user.username))
        self._db.execute(
            "UPDATE users SET password_hash = %s, password_changed_at = %s, failed_attempts = 0, locked_until = NULL"
            " WHERE username = %s",
            (digest, _now(), user.username),
        )
        return self.get(user.username)

    def authenticate(self, username: str, password: str) -> Principal | None:
        """The person, if the account is active and the password right; None otherwise, without saying which
        (the console's sign-in adds the lockout)."""
        rows = self._db.fetch(
            "SELECT username, display_name, role, password_hash, disabled_at FROM users WHERE username = %s",
            (username.strip().lower(),),
        )
        if not rows:
            _hasher.hash(password[:MAX_PASSWORD_LENGTH])  # as slow as a real check: no user enumeration by timing
            return None
        name, _, role, digest, disabled_at = rows[0]
        try:
            _hasher.verify(digest, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if disabled_at is not None:
            return None
        if _hasher.check_needs_rehash(digest):  # parameters raised since: keep the hash current
            self._db.execute("UPDATE users SET password_hash = %s WHERE username = %s", (_hasher.hash(password), name))
        return Principal(f"user:{name}", name, Role(role))


def _user(row: tuple[object, ...]) -> User:
    username, display_name, role, created_at, created_by, changed_at, disabled_at = row
    return User(
        str(username), str(display_name), Role(str(role)), str(created_at), str(created_by), str(changed_at),
        None if disabled_at is None else str(disabled_at),
    )  # fmt: skip


def _now() -> str:
    return format_instant(datetime.now(tz=UTC))
