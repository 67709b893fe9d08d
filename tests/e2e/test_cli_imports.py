"""`relance import invoices|payments FILE` and `relance import unmatched`, driven as a user would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from api.cli import app
from tests.samples.files import HERE, Entry, camt053, facturx_pdf, invoice_line, invoices_csv


def relance(data_dir: Path, *args: str) -> Result:
    environment = {"RELANCE_DATA_DIR": str(data_dir), "RELANCE_DATABASE_URL": "", "RELANCE_TIMEZONE": "Europe/Paris"}
    return CliRunner().invoke(app, list(args), env=environment)


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_invoices_then_a_statement_imported_twice_report_line_by_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    pdf = tmp_path / "FX-77.pdf"
    pdf.write_bytes(facturx_pdf("FX-77"))
    statement = tmp_path / "releve.xml"
    statement.write_bytes(camt053([Entry("1200.00", "BQ-1", "FA-2026-0101"), Entry("7.00", "BQ-2", "?")]))

    first = relance(data, "import", "invoices", str(HERE / "invoices_fr.csv"), "--actor", "compta")
    second = as_json(relance(data, "import", "invoices", str(HERE / "invoices_fr.csv"), "--json"))
    facturx = as_json(relance(data, "import", "invoices", str(pdf), "--json"))
    payments = as_json(relance(data, "import", "payments", str(statement), "--json"))
    again = as_json(relance(data, "import", "payments", str(statement), "--json"))
    unmatched = as_json(relance(data, "import", "unmatched", "--json"))

    assert first.exit_code == 0, first.output
    assert "FA-2026-0101" in first.stdout and "3 created" in first.stdout
    assert second["counts"]["skipped"] == 3 and second["counts"]["created"] == 0
    assert facturx["format"] == "facturx" and facturx["counts"]["created"] == 1
    assert [line["outcome"] for line in payments["lines"]] == ["matched", "unmatched"]
    assert again["counts"] == {"created": 0, "matched": 0, "skipped": 2, "unmatched": 0, "refused": 0}
    assert [item["reference"] for item in unmatched["items"]] == ["BQ-2"]
    receivable = as_json(relance(data, "receivable", "show", "FA-2026-0101", "--json"))
    assert receivable["outstanding"] == "0.00"


def test_a_refused_file_exits_1_naming_the_line_and_records_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    bad = tmp_path / "factures.csv"
    bad.write_bytes(invoices_csv(invoice_line("F-1"), invoice_line("F-2", due="bientôt")))

    result = relance(data, "import", "invoices", str(bad))
    listed = relance(data, "receivable", "list", "--json")

    assert result.exit_code == 1
    assert "line 3, column due_date" in result.output
    assert as_json(listed) == []


def test_a_file_whose_every_line_is_refused_exits_1_with_the_counts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    file = tmp_path / "factures.csv"
    file.write_bytes(invoices_csv(invoice_line("F-1", due="01/03/2026"), invoice_line("F-2", due="01/03/2026")))

    result = relance(data, "import", "invoices", str(file))

    assert result.exit_code == 1, result.output
    assert "F-1" in result.stdout and "refused" in result.stdout  # the report is printed all the same
    assert "error: 2 line(s) of 2 refused; 0 created, 0 matched, 0 skipped, 0 unmatched, 2 refused" in result.stderr
