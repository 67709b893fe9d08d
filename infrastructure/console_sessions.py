"""The console's sign-in and sessions (issue 18, decision 0103).

Sessions are kept in the store (SQLite or PostgreSQL), so every API worker knows them and signing out
ends them everywhere. The browser holds a random secret; the table keeps only its SHA-256, so a copy
of the store opens no session. A session ends at sign-out, after ``idle`` without a request, or
``lifetime`` after sign-in, whichever comes first.

Sign-in attempts are recorded (who, from where, what came of it); after ``lockout_attempts`` failures
in a row an account is locked for ``lockout`` — a right password during the lock is refused too.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from application.access import Principal, Role
from domain.canonical import format_instant
from infrastructure.sql import Database
from infrastructure.users import UserStore


class SignInOutcome(Enum):
    SIGNED_IN = "signed_in"
    REFUSED = "refused"  # unknown user, wrong password or disabled account: the same answer
    LOCKED = "locked"  # too many failures: refused whatever the password


@dataclass(frozen=True)
class SignIn:
    outcome: SignInOutcome
    principal: Principal | None = None
    locked_until: datetime | None = None


@dataclass(frozen=True)
class ConsoleSession:
    principal: Principal
    display_name: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class SessionRules:
    lifetime: timedelta = timedelta(hours=10)
    idle: timedelta = timedelta(minutes=60)
    lockout_attempts: int = 5
    lockout: timedelta = timedelta(minutes=15)


class ConsoleSessions:
    def __init__(
        self, database: Database, users: UserStore, clock: Callable[[], datetime], rules: SessionRules | None = None
    ) -> None:
        self._db = database
        self._users = users
        self._clock = clock
        self.rules = rules or SessionRules()

    # ------------------------------------------------------------------ sign-in

    def sign_in(self, username: str, password: str, *, address: str) -> SignIn:
        name = username.strip().lower()[:64]
        now = self._clock()
        locked = self._locked_until(name, now)
        if locked is not None:
            self._users.authenticate(name, password)  # as slow as any other answer
            self._attempt(now, name, address, SignInOutcome.LOCKED)
            return SignIn(SignInOutcome.LOCKED, locked_until=locked)
        principal = self._users.authenticate(name, password)
        if principal is None:
            locked = self._failed(name, now)
            self._attempt(now, name, address, SignInOutcome.REFUSED)
            return SignIn(SignInOutcome.REFUSED, locked_until=locked)
        self._db.execute(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = %s", (principal.name,)
        )
        self._attempt(now, principal.name, address, SignInOutcome.SIGNED_IN)
        return SignIn(SignInOutcome.SIGNED_IN, principal=principal)

    def attempts(self, username: str | None = None, limit: int = 100) -> list[tuple[str, str, str, str]]:
        """The latest sign-in attempts (instant, username, address, outcome), newest first."""
        where, params = ("WHERE username = %s", (username.strip().lower(),)) if username else ("", ())
        rows = self._db.fetch(
            f"SELECT attempted_at, username, address, outcome FROM sign_in_attempts {where}"
            " ORDER BY attempted_at DESC LIMIT %s",
            (*params, limit),
        )
        return [(str(a), str(u), str(d), str(o)) for a, u, d, o in rows]

    def _locked_until(self, username: str, now: datetime) -> datetime | None:
        rows = self._db.fetch("SELECT locked_until FROM users WHERE username = %s", (username,))
        if not rows or rows[0][0] is None:
            return None
        until = datetime.fromisoformat(str(rows[0][0]).replace("Z", "+00:00"))
        return until if until > now else None

    def _failed(self, username: str, now: datetime) -> datetime | None:
        """One more failure in a row; the lock when it reaches the limit (a lock that ran out starts over)."""
        self._db.execute(
            "UPDATE users SET failed_attempts = CASE WHEN locked_until IS NULL THEN failed_attempts + 1 ELSE 1 END,"
            " locked_until = NULL WHERE username = %s",
            (username,),
        )
        rows = self._db.fetch("SELECT failed_attempts FROM users WHERE username = %s", (username,))
        if not rows or int(rows[0][0]) < self.rules.lockout_attempts:
            return None
        until = now + self.rules.lockout
        self._db.execute("UPDATE users SET locked_until = %s WHERE username = %s", (format_instant(until), username))
        return until

    def _attempt(self, now: datetime, username: str, address: str, outcome: SignInOutcome) -> None:
        self._db.execute(
            "INSERT INTO sign_in_attempts (attempted_at, username, address, outcome) VALUES (%s, %s, %s, %s)",
            (format_instant(now), username, address[:100], outcome.value),
        )

    # ----------------------------------------------------------------- sessions

    def open(self, principal: Principal, *, address: str) -> str:
        """A new session for this person; returns the secret the browser keeps (in a cookie)."""
        secret = secrets.token_urlsafe(32)
        now = self._clock()
        self._db.execute(
            "INSERT INTO console_sessions (session_hash, username, csrf_token, created_at, last_seen_at, expires_at,"
            " address, ended_at) VALUES (%s, %s, %s, %s, %s, %s, %s, NULL)",
            (
                _hash(secret), principal.name, secrets.token_urlsafe(32), format_instant(now), format_instant(now),
                format_instant(now + self.rules.lifetime), address[:100],
            ),
        )  # fmt: skip
        return secret

    def find(self, secret: str | None) -> ConsoleSession | None:
        """The live session of this secret, its idle time renewed; None when unknown, ended or expired, or when
        its account was disabled meanwhile."""
        if not secret or len(secret) > 100:
            return None
        now = self._clock()
        rows = self._db.fetch(
            "SELECT s.username, s.csrf_token, s.last_seen_at, s.expires_at, u.display_name, u.role"
            " FROM console_sessions s JOIN users u ON u.username = s.username"
            " WHERE s.session_hash = %s AND s.ended_at IS NULL AND u.disabled_at IS NULL",
            (_hash(secret),),
        )
        if not rows:
            return None
        username, csrf, last_seen, expires, display_name, role = rows[0]
        expires_at = _instant(expires)
        if now >= expires_at or now >= _instant(last_seen) + self.rules.idle:
            return None
        if now - _instant(last_seen) > timedelta(minutes=1):  # one write a minute at most per session
            self._db.execute(
                "UPDATE console_sessions SET last_seen_at = %s WHERE session_hash = %s",
                (format_instant(now), _hash(secret)),
            )
        principal = Principal(f"user:{username}", str(username), Role(str(role)))
        return ConsoleSession(principal, str(display_name), str(csrf), expires_at)

    def close(self, secret: str | None) -> None:
        if secret:
            self._db.execute(
                "UPDATE console_sessions SET ended_at = %s WHERE session_hash = %s AND ended_at IS NULL",
                (format_instant(self._clock()), _hash(secret)),
            )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _instant(value: object) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
