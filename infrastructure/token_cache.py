"""Recently seen API tokens, kept in the process while PostgreSQL tells it of every change to them.

Looking a token up cost a thread hand-off, a connection check and a SELECT on every request: more
than the rest of a cached read (decision 0026). A worker now keeps the principals it has looked up,
and trusts them only while its listener is connected: a trigger on ``api_tokens`` notifies every
listener of any change (``relance token revoke``, an UPDATE typed by hand, a DELETE), and each
notification empties the cache. While the listener is not connected nothing is cached, and an
entry is dropped after ``max_age`` seconds whatever happens.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import psycopg
import structlog

from application.access import Principal
from infrastructure.sql import TOKEN_CHANGES_CHANNEL

log = structlog.get_logger("relance.tokens")


class TokenCache:
    """Principals by token hash. ``ticket()`` before a lookup, ``put(…, ticket)`` after it: a change
    heard in between voids the ticket, so a lookup that raced a revocation is never kept."""

    def __init__(self, max_age: float, *, capacity: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_age = max_age
        self._capacity = capacity
        self._clock = clock
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._generation = 0
        self._trusted = False  # only while the listener hears every change
        self._closed = False  # the listener stopped: never trusted again
        self._lock = threading.Lock()

    def get(self, token_hash: str) -> Principal | None:
        with self._lock:
            entry = self._entries.get(token_hash)
            if entry is None or not self._trusted:
                return None
            principal, stored_at = entry
            if self._clock() - stored_at >= self._max_age:
                del self._entries[token_hash]
                return None
            return principal

    def ticket(self) -> int | None:
        with self._lock:
            return self._generation if self._trusted else None

    def put(self, token_hash: str, principal: Principal, ticket: int | None) -> None:
        with self._lock:
            if ticket is None or ticket != self._generation or not self._trusted:
                return
            self._entries[token_hash] = (principal, self._clock())
            self._entries.move_to_end(token_hash)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def forget(self) -> None:
        """A change made by this process: the listener will hear it too, later."""
        with self._lock:
            self._entries.clear()
            self._generation += 1

    def forget_all(self, *, trusted: bool) -> None:
        """Something changed, or the listener connected (trusted) or lost its connection (not)."""
        with self._lock:
            self._entries.clear()
            self._generation += 1
            self._trusted = trusted and not self._closed

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self.forget_all(trusted=False)


class TokenChangeListener:
    """A daemon thread on its own connection: LISTEN, and empty the cache on every notification.
    A lost connection empties it and stops caching until the listener is back (retried each second)."""

    def __init__(self, url: str, cache: TokenCache, *, connect_timeout: int = 5, poll_seconds: float = 0.5) -> None:
        self._url = url
        self._cache = cache
        self._connect_timeout = connect_timeout
        self._poll = poll_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="relance-token-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """At once: the thread sees the flag at its next poll and closes its connection itself."""
        self._stopping.set()
        self._cache.close()

    def _run(self) -> None:
        failing = False  # say so once per outage, not at each retry
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True, connect_timeout=self._connect_timeout) as connection:
                    connection.execute(f"LISTEN {TOKEN_CHANGES_CHANNEL}")
                    self._cache.forget_all(trusted=True)
                    if failing:
                        log.info("token_listener_reconnected")
                        failing = False
                    while not self._stopping.is_set():
                        for _ in connection.notifies(timeout=self._poll):
                            self._cache.forget_all(trusted=True)
            except psycopg.Error as error:
                if not failing and not self._stopping.is_set():
                    log.warning("token_listener_disconnected", error=type(error).__name__, caching="off until back")
                failing = True
            finally:
                self._cache.forget_all(trusted=False)
            self._stopping.wait(1.0)
