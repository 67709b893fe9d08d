"""A misspelt query parameter is refused, like an unknown body field, instead of silently ignored."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Api, assert_problem


@pytest.mark.parametrize(
    "path",
    ["/v1/receivables?stauts=open", "/v1/debtors?limt=5", "/v1/ledger/digests?limt=2", "/v1/audit?acter=x"],
)
def test_an_unknown_query_parameter_is_a_422_naming_it(sqlite_api: Api, path: str) -> None:
    response = sqlite_api.as_("auditor").get(path)

    problem = assert_problem(response, 422, "unknown_query_parameter")
    assert path.split("?")[1].split("=")[0] in problem["detail"]


def test_declared_query_parameters_and_open_probes_are_accepted(sqlite_api: Api) -> None:
    auditor = sqlite_api.as_("auditor")
    assert auditor.get("/v1/receivables", params={"status": "open", "limit": 5}).status_code == 200
    assert auditor.get("/v1/ledger/digests", params={"limit": 2}).status_code == 200
    assert sqlite_api.anonymous().get("/healthz", params={"probe": "lb-1"}).status_code == 200
