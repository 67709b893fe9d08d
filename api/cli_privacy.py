"""``relance privacy``: personal data of natural persons (issue 19). For now the access request (GDPR art. 15)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Annotated

import typer

from api.bootstrap import DocumentStore, open_database, render_access
from api.cli_app import app, fail, load_settings, opened_ledger, parse_uuid
from application.privacy_export import access_export
from domain.errors import NotFound

privacy_app = typer.Typer(help="Personal data (GDPR): the access request.", no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")


@privacy_app.command("export")
def privacy_export(
    debtor_id: Annotated[str, typer.Argument(help="The debtor's id (UUID): the data subject.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The ZIP file to write.")],
) -> None:
    """Write everything relance holds about a debtor (GDPR art. 15): JSON, documents and a French PDF."""
    subject = parse_uuid(debtor_id, "DEBTOR_ID")
    settings = load_settings()
    database = open_database(settings)
    try:
        with opened_ledger(settings) as ledger:
            try:
                content = access_export(ledger, DocumentStore(database), subject, now=ledger.now().instant,
                                        render=render_access, firm_name=settings.firm_name)  # fmt: skip
            except NotFound:
                fail(f"débiteur inconnu / unknown debtor: {subject}", 3)
    finally:
        database.close()
    try:
        output.write_bytes(content)
    except OSError as error:
        fail(f"impossible d'écrire / cannot write {output}: {error.strerror or error}", 2)
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    documents = sum(1 for name in names if name.startswith("documents/"))
    typer.echo(
        f"{output} écrit / written ({len(content)} octets/bytes): {len(names)} fichier(s), dont {documents} document(s)"
    )
    for name in names:
        typer.echo(f"  {name}")
