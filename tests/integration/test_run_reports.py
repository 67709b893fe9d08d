"""The saved dunning-run reports on both stores: which documents they name (the console serves only those)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from infrastructure.run_reports import RunReportStore
from infrastructure.sql import open_database
from tests.integration.conftest import Store

NAMED = "a" * 64
OTHER = "b" * 64


@pytest.fixture
def reports(store: Store) -> Iterator[RunReportStore]:
    database = open_database(store.settings)
    yield RunReportStore(database)
    database.close()


def test_a_document_is_named_only_by_the_report_whose_sending_carries_it(reports: RunReportStore) -> None:
    view = {"run_id": "r1", "sent": [{"document_sha256": NAMED, "kind": "first_reminder"}], "note": OTHER}
    reports.save("r1", date(2026, 6, 15), datetime(2026, 6, 15, 10, tzinfo=UTC), "paul.manager", False, view)

    assert reports.names_document(NAMED)
    assert not reports.names_document(OTHER)  # in the report, but not as a document it sent
    assert not reports.names_document("%")  # not a SHA-256: never a pattern
    assert reports.get("r1") == view
