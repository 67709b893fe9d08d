"""The rendered answers of GET /v1/receivables/{id} kept by a worker: served only for the same
revision and day, bounded by the bytes they hold."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from api.http.routers.receivables import RenderedReceivables
from application.ledger import Revision

TODAY = date(2026, 12, 3)


def revision(version: int) -> Revision:
    return Revision(version, f"state-{version}".encode())


def test_an_answer_is_served_again_only_for_the_same_revision_and_day() -> None:
    rendered = RenderedReceivables()
    rid = uuid4()
    rendered.put(rid, revision(3), TODAY, b"{...}")

    assert rendered.get(rid, revision(3), TODAY) == b"{...}"
    assert rendered.get(rid, revision(4), TODAY) is None
    assert rendered.get(rid, Revision(3, b"other bytes"), TODAY) is None
    assert rendered.get(rid, revision(3), date(2026, 12, 4)) is None


def test_the_least_recently_read_answers_go_first_once_the_bytes_are_spent() -> None:
    rendered = RenderedReceivables(max_bytes=25)
    ids: list[UUID] = [uuid4() for _ in range(3)]
    rendered.put(ids[0], revision(1), TODAY, b"a" * 10)
    rendered.put(ids[1], revision(1), TODAY, b"b" * 10)
    rendered.get(ids[0], revision(1), TODAY)  # read: now the most recent

    rendered.put(ids[2], revision(1), TODAY, b"c" * 10)

    assert [rendered.get(i, revision(1), TODAY) is not None for i in ids] == [True, False, True]


def test_a_newer_answer_replaces_the_older_one_and_its_bytes() -> None:
    rendered = RenderedReceivables(max_bytes=25)
    rid, other = uuid4(), uuid4()
    rendered.put(rid, revision(1), TODAY, b"x" * 10)
    rendered.put(rid, revision(2), TODAY, b"y" * 10)

    rendered.put(other, revision(1), TODAY, b"z" * 10)  # fits: 20 bytes held, not 30

    assert rendered.get(rid, revision(2), TODAY) == b"y" * 10
    assert rendered.get(other, revision(1), TODAY) == b"z" * 10
