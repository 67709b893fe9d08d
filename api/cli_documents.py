"""``relance documents``: the stored documents (letters, notices, proofs, statements) read back by SHA-256."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from api.bootstrap import DocumentStore, open_database
from api.cli_app import app, fail, load_settings

documents_app = typer.Typer(help="Stored documents, named by their SHA-256 in the journal.", no_args_is_help=True)
app.add_typer(documents_app, name="documents")

SHA256 = re.compile(r"^[0-9a-f]{64}$")


@documents_app.command("get")
def documents_get(
    sha256: Annotated[str, typer.Argument(help="The document's SHA-256, as the journal or a run report names it.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write it; '-' for standard output.")],
) -> None:
    """Write a stored document, byte for byte as it was stored (its hash is the one the journal names)."""
    if not SHA256.match(sha256):
        fail(f"SHA256: {sha256!r} is not 64 lower-case hexadecimal characters", 2)
    database = open_database(load_settings())
    try:
        documents = DocumentStore(database)
        described, content = documents.describe(sha256), documents.content(sha256)
    finally:
        database.close()
    if described is None or content is None:
        fail(f"no stored document {sha256}", 3)
    if str(output) == "-":
        sys.stdout.buffer.write(content)
        return
    try:
        output.write_bytes(content)
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror}", 2)
    typer.echo(f"wrote {output} ({described.media_type}, {len(content):,} bytes)", err=True)
