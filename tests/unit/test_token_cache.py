"""The tokens' cache of an API worker (decision 0026): kept only while every change is heard."""

from __future__ import annotations

from application.access import Principal, Role
from infrastructure.token_cache import TokenCache

ALICE = Principal(token_id="t-1", name="alice", role=Role.ACCOUNTANT)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def listening_cache(max_age: float = 60, *, capacity: int = 100, clock: Clock | None = None) -> TokenCache:
    cache = TokenCache(max_age, capacity=capacity, clock=clock or Clock())
    cache.forget_all(trusted=True)  # what the listener does once LISTEN is in place
    return cache


def test_a_token_looked_up_while_listening_is_served_from_the_cache() -> None:
    cache = listening_cache()
    cache.put("h1", ALICE, cache.ticket())

    assert cache.get("h1") == ALICE
    assert cache.get("h2") is None


def test_nothing_is_cached_before_the_listener_hears_changes() -> None:
    cache = TokenCache(60)

    assert cache.ticket() is None
    cache.put("h1", ALICE, cache.ticket())

    assert cache.get("h1") is None


def test_a_lookup_that_raced_a_change_is_not_kept() -> None:
    cache = listening_cache()
    ticket = cache.ticket()  # taken before the SELECT
    cache.forget_all(trusted=True)  # a revocation heard while the SELECT ran

    cache.put("h1", ALICE, ticket)

    assert cache.get("h1") is None


def test_a_change_empties_the_cache() -> None:
    cache = listening_cache()
    cache.put("h1", ALICE, cache.ticket())

    cache.forget()

    assert cache.get("h1") is None
    cache.put("h1", ALICE, cache.ticket())
    assert cache.get("h1") == ALICE  # still listening: caching goes on


def test_losing_the_listener_empties_the_cache_and_stops_caching() -> None:
    cache = listening_cache()
    cache.put("h1", ALICE, cache.ticket())

    cache.forget_all(trusted=False)
    cache.put("h1", ALICE, cache.ticket())

    assert cache.get("h1") is None


def test_an_entry_expires_after_its_maximum_age() -> None:
    clock = Clock()
    cache = listening_cache(max_age=60, clock=clock)
    cache.put("h1", ALICE, cache.ticket())

    clock.now += 59.9
    assert cache.get("h1") == ALICE
    clock.now += 0.1
    assert cache.get("h1") is None


def test_the_cache_keeps_at_most_its_capacity_dropping_the_least_recent() -> None:
    cache = listening_cache(capacity=2)
    for name in ("h1", "h2", "h3"):
        cache.put(name, ALICE, cache.ticket())

    assert [cache.get(name) is not None for name in ("h1", "h2", "h3")] == [False, True, True]


def test_a_closed_cache_is_never_trusted_again_even_if_a_late_notification_comes() -> None:
    cache = listening_cache()
    cache.close()

    cache.forget_all(trusted=True)  # the listener's thread, before it sees that it must stop
    cache.put("h1", ALICE, cache.ticket())

    assert cache.get("h1") is None
