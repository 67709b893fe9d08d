"""Evidence commands: ``relance ledger digest|digests|public-key``, ``relance export``, ``relance verify``."""

from __future__ import annotations

import getpass
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any
from uuid import uuid4

import typer

from api.bootstrap import (
    Database,
    DigestStore,
    Settings,
    Signer,
    SigningKeyError,
    TimestampError,
    build_exporter,
    build_timestamper,
    check_token,
    fingerprint,
    load_signer,
    open_database,
    same_public_key,
    verify_signature,
)
from api.cli_app import (
    app,
    fail,
    ledger_app,
    load_settings,
    opened_ledger,
    print_json,
    resolve_debtor,
    resolve_receivable,
)
from application.bundle_check import CHECKS, verify_bundle
from application.digests import SignedDigest, publish_digest
from application.ledger import Ledger
from application.verification import VerificationReport, verify_ledger
from domain.canonical import format_instant


def default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a bare container
        return "cli"


ActorOption = Annotated[str | None, typer.Option(help="Who publishes (recorded with the digest); default cli:USER.")]


def signer_or_exit(settings: Settings, *, create: bool = True) -> Signer:
    try:
        return load_signer(settings, create=create)
    except SigningKeyError as error:
        fail(str(error), 2)


@contextmanager
def opened_database(settings: Settings) -> Iterator[Database]:
    database = open_database(settings)
    try:
        yield database
    finally:
        database.close()


def digest_view(signed: SignedDigest) -> dict[str, Any]:
    return {
        "sequence": signed.sequence,
        **{key: value for key, value in json.loads(signed.canonical).items()},
        "signature": signed.signature,
        "public_key_sha256": fingerprint(signed.public_key),
        "published_at": format_instant(signed.published_at),
        "published_by": signed.published_by,
        "timestamped": signed.timestamp_token is not None,
    }


# ------------------------------------------------------------ ledger verify


def verify_against_digests(settings: Settings, ledger: Ledger) -> VerificationReport:
    """evidence.md §6 for `relance ledger verify`: chains, then heads against the digests (if any)."""
    with opened_database(settings) as database:
        digests = DigestStore(database)
        if digests.latest() is None:
            return verify_ledger(ledger.recorder, ledger.mapper, None, None)
        signer = signer_or_exit(settings, create=False)
        return verify_ledger(ledger.recorder, ledger.mapper, digests, signer.verify)


def digest_summary(report: VerificationReport) -> dict[str, Any]:
    latest = report.latest_digest
    return {
        "checked": report.digests_checked,
        "anchored": report.anchored,
        "latest": None if latest is None else digest_view(latest),
        "problems": [{"digest": p.label, "problem": p.problem} for p in report.digest_problems],
    }


# ----------------------------------------------------------- ledger digest


@ledger_app.command("digest")
def ledger_digest(
    every: Annotated[
        float | None,
        typer.Option(help="Publish again every SECONDS, until stopped (the scheduled job); exit on the first refusal."),
    ] = None,
    count: Annotated[int | None, typer.Option(help="With --every: stop after COUNT digests.", min=1)] = None,
    actor: ActorOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")] = False,
) -> None:
    """Verify the ledger, then sign and store a digest of every aggregate's head (evidence.md §3)."""
    if every is not None and every <= 0:
        fail("--every: a positive number of seconds", 2)
    settings = load_settings()
    signer = signer_or_exit(settings)
    published, timestamper = 0, build_timestamper(settings)
    with opened_ledger(settings) as ledger, opened_database(settings) as database:
        digests = DigestStore(database)
        while True:
            who = actor or ("scheduler" if every else default_actor())
            try:
                signed = publish_digest(ledger, digests, signer, actor=who, timestamper=timestamper).signed
            except TimestampError as error:
                fail(f"{error}; no digest published", 4)
            published += 1
            if as_json:
                typer.echo(json.dumps(digest_view(signed), sort_keys=True))
            else:
                typer.echo(
                    f"published {signed.label}: {signed.digest.aggregates} aggregate(s), "
                    f"{signed.digest.events} event(s), root {signed.digest.root}"
                )
            if every is None or (count is not None and published >= count):
                return
            time.sleep(every)


@ledger_app.command("digests")
def ledger_digests(
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1, max=1000)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")] = False,
) -> None:
    """The published digests, newest first."""
    settings = load_settings()
    with opened_database(settings) as database:
        rows = [digest_view(d) for d in DigestStore(database).page(limit=limit)]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(
            f"#{row['sequence']:<5}{row['as_of']}  {row['aggregates']:>6} aggregate(s) {row['events']:>8} event(s)  "
            f"root {row['root']}  by {row['published_by']}"
        )
    typer.echo(f"{len(rows)} digest(s)")


@ledger_app.command("public-key")
def ledger_public_key() -> None:
    """The firm's Ed25519 public key (PEM), which checks digests and bundles."""
    signer = signer_or_exit(load_settings())
    typer.echo(signer.public_key_pem, nl=False)


# ------------------------------------------------------------------ export


@app.command("export")
def export(
    receivable: Annotated[str | None, typer.Argument(help="Receivable id or invoice number.")] = None,
    debtor: Annotated[
        str | None, typer.Option("--debtor", help="A debtor (id, SIREN, SIRET or name): all its receivables.")
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="The ZIP file to write.")] = Path("bundle.zip"),
    actor: ActorOption = None,
) -> None:
    """Write the evidence bundle of a receivable, or of a debtor with all its receivables (evidence.md §4)."""
    if (receivable is None) == (debtor is None):
        fail("give either RECEIVABLE_ID or --debtor DEBTOR_ID", 2)
    settings = load_settings()
    signer = signer_or_exit(settings)
    with opened_ledger(settings) as ledger, opened_database(settings) as database:
        exporter = build_exporter(settings, ledger, database, signer)
        who = actor or default_actor()
        try:
            if debtor is not None:
                bundle = exporter.debtor_bundle(resolve_debtor(ledger, debtor).id, actor=who, bundle_id=uuid4())
            else:
                assert receivable is not None
                target = resolve_receivable(ledger, receivable)
                bundle = exporter.receivable_bundle(target.id, actor=who, bundle_id=uuid4())
        except TimestampError as error:
            fail(f"{error}; no bundle written", 4)
    try:
        output.write_bytes(bundle.content)
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror or error}", 2)
    manifest = bundle.manifest
    typer.echo(
        f"wrote {output} ({bundle.size} bytes): bundle {bundle.bundle_id}, {len(manifest['aggregates'])} journal(s), "
        f"{len(manifest['files'])} file(s), digest #{bundle.digest_sequence} root {manifest['digest']['root']}"
    )


# ------------------------------------------------------------------ verify


@app.command("verify")
def verify(
    bundle: Annotated[Path, typer.Argument(help="The bundle (ZIP) to check.")],
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="The firm's public key (PEM): the manifest must be signed by it"),
    ] = None,
) -> None:
    """Check a bundle as evidence.md §5 says; print each check; exit 1 at the first broken item."""
    try:
        content = bundle.read_bytes()
        expected = public_key.read_text(encoding="utf-8") if public_key is not None else None
    except (OSError, UnicodeDecodeError) as error:
        fail(
            f"cannot read {getattr(error, 'filename', None) or bundle}: {getattr(error, 'strerror', None) or error}", 2
        )
    report = verify_bundle(content, check_signature=verify_signature, same_key=same_public_key,
                           expected_public_key=expected, check_timestamp=check_token)  # fmt: skip
    for line in report.passed:
        typer.echo(f"ok     {line}")
    if report.broken is not None:
        broken = report.broken
        typer.echo(f"BROKEN {broken.check}. {CHECKS[broken.check]}: {broken.item}: {broken.problem}")
        raise typer.Exit(1)
    typer.echo(f"{bundle}: the bundle verifies")
