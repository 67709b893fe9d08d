"""What the verify page shows: each check of ``application/bundle_check.py`` in French, with its outcome.

The checker is the same as ``relance verify``'s and stops at the first broken item; this module only
says in French what each check means, what it found, and keeps the checker's own line beside it as
the technical detail. A file that is no ZIP, or a ZIP too large once unpacked, is told apart first.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from api.bootstrap import check_token, fingerprint, same_public_key, verify_signature
from api.console.web import PARIS
from application.bundle_check import CHECKS, BundleReport, verify_bundle
from application.evidence import MANIFEST, SIGNATURE, TIMESTAMP

MAX_MEMBERS = 20_000  # files in one bundle: a debtor with many invoices has a few hundred
MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # the bundle once unpacked (a ZIP bomb stops here, on a public page)

NOT_A_ZIP = "Ce fichier n'est pas un paquet de preuves : ce n'est pas une archive ZIP lisible."
TITLES = {
    1: "Signature du manifeste",
    2: "Empreintes des fichiers",
    3: "Chaînes du journal",
    4: "Pièces",
    5: "Condensat signé et preuves d'inclusion",
}
EXPLANATIONS = {
    1: "manifest.json liste chaque fichier du paquet avec son empreinte SHA-256 ; manifest.sig doit être une "
    "signature Ed25519 valide de ses octets exacts, par la clé publique qu'il contient.",
    2: "Chaque fichier doit avoir l'empreinte SHA-256 et la taille inscrites dans le manifeste signé : aucun "
    "fichier modifié, retiré ou ajouté.",
    3: "Les événements de chaque dossier se suivent, version 1 à n ; chacun porte l'empreinte de son contenu et "
    "celle de l'événement précédent : aucun événement modifié, supprimé ou inséré.",
    4: "Chaque pièce citée par un événement (courrier, accusé de réception, justificatif…) est dans documents/, "
    "et son contenu a l'empreinte qui la nomme.",
    5: "Le condensat du registre (racine de Merkle des têtes de tous les dossiers) est signé par la même clé, et "
    "horodaté s'il y a digest.tsr ; chaque journal du paquet y est inclus (preuve d'inclusion).",
}

# The checker's findings (English, as `relance verify` prints them) → French; the first match wins.
PASSED: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), french)
    for pattern, french in (
        (r"^manifest\.sig is a valid Ed25519 signature of manifest\.json by (?:the key in the manifest|.*)$",
         "manifest.sig est une signature Ed25519 valide de manifest.json par la clé du manifeste."),
        (r"^(?P<n>\d+) file\(s\) have the sha256 and size of the manifest; no unlisted file$",
         "{n} fichier(s) ont l'empreinte SHA-256 et la taille du manifeste ; aucun fichier non listé."),
        (r"^(?P<n>\d+) chain\(s\), (?P<m>\d+) event\(s\): versions 1\.\.n, hashes, links and heads hold$",
         "{n} chaîne(s), {m} événement(s) : versions, empreintes, liens et têtes de chaîne concordent."),
        (r"^(?P<n>\d+) document reference\(s\), all present under documents/ \((?P<m>\d+) file\(s\)\)$",
         "{n} référence(s) à une pièce, toutes présentes dans documents/ ({m} fichier(s))."),
        (r"^digest of (?P<when>\S+) \(root (?P<root>[0-9a-f]+)\) is signed(?P<tsr> and timestamped \(digest\.tsr\))?; "
         r"(?P<n>\d+) inclusion proof\(s\) lead to its root$",
         "condensat du {when} (racine {root}) signé{tsr} ; {n} preuve(s) d'inclusion mènent à sa racine."),
    )
)  # fmt: skip
PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), french)
    for pattern, french in (
        (r"^not a readable ZIP file", "ce n'est pas une archive ZIP lisible"),
        (r"^a member cannot be read", "un fichier de l'archive est illisible (archive endommagée)"),
        (r"^appears twice in the ZIP$", "figure deux fois dans l'archive"),
        (r"^missing from the bundle$", "absent du paquet"),
        (r"^not JSON", "n'est pas du JSON lisible"),
        (r"^not a JSON object$", "n'est pas un objet JSON"),
        (r"^no public_key$", "ne contient pas la clé publique"),
        (r"^not a valid Ed25519 signature of manifest\.json",
         "n'est pas une signature valide de manifest.json par la clé du manifeste : le manifeste ou sa signature "
         "a été modifié"),
        (r"^not in canonical JSON$", "n'est pas écrit en JSON canonique (il a été réécrit)"),
        (r"^malformed or repeated file entry", "une entrée de la liste des fichiers est malformée ou répétée"),
        (r"^listed in the manifest, missing from the bundle$", "listé dans le manifeste mais absent du paquet"),
        (r"^sha256 (?P<sha>[0-9a-f]+) differs from the manifest's$",
         "son empreinte SHA-256 ({sha}) n'est pas celle du manifeste : le fichier a été modifié"),
        (r"^size (?P<n>\d+) differs from the manifest's (?P<m>\S+)$",
         "sa taille ({n} octets) n'est pas celle du manifeste ({m} octets)"),
        (r"^in the bundle but not listed in the manifest$",
         "présent dans le paquet mais absent du manifeste : il a été ajouté"),
        (r"^the last line is not terminated$", "la dernière ligne n'est pas terminée (fichier tronqué)"),
        (r"^listed in the manifest, no event in the journal$",
         "listé dans le manifeste, mais aucun de ses événements n'est dans le journal"),
        (r"^ends at version (?P<n>\d+), the manifest says (?P<m>\S+)$",
         "s'arrête à la version {n} alors que le manifeste annonce la version {m}"),
        (r"^its hash is not the head in the manifest$", "son empreinte n'est pas la tête de chaîne du manifeste"),
        (r"^not listed in the manifest's aggregates$", "absent de la liste des dossiers du manifeste"),
        (r"^not an event record", "n'est pas un enregistrement d'événement lisible"),
        (r"^version (?P<n>\d+) expected \(an event is missing or out of order\)$",
         "la version {n} était attendue : un événement manque ou a été déplacé"),
        (r"^its hash does not recompute \(the record was altered\)$",
         "son empreinte ne se recalcule pas : l'événement a été modifié"),
        (r"^previous_hash does not link to version (?P<n>\d+)$",
         "son lien (previous_hash) ne mène pas à la version {n} : la chaîne est rompue"),
        (r"^not named documents/<sha256>\.<ext>$", "n'est pas nommé documents/<sha256>.<extension>"),
        (r"^its content does not hash to its name$",
         "son contenu n'a pas l'empreinte qui le nomme : la pièce a été modifiée"),
        (r"^(?P<field>\S+) names document (?P<sha>[0-9a-f]+), absent from documents/$",
         "{field} cite la pièce {sha}, absente de documents/"),
        (r"^no digest$", "ne contient pas de condensat"),
        (r"^malformed", "est malformé"),
        (r"^its signature does not verify with the key in the manifest$",
         "sa signature ne se vérifie pas avec la clé du manifeste : le condensat a été modifié"),
        (r"^present, but no RFC 3161 check is available$", "présent, mais l'horodatage ne peut pas être vérifié ici"),
        (r"^the RFC 3161 token", "le jeton d'horodatage RFC 3161 ne correspond pas au condensat signé"),
        (r"^does not lead to the digest's root$", "ne mène pas à la racine du condensat"),
        (r"^proves a version the journal does not hold$", "prouve une version que le journal ne contient pas"),
        (r"^the proven head is not the journal's hash at that version$",
         "la tête prouvée n'est pas l'empreinte du journal à cette version"),
        (r"^no inclusion proof$", "n'a pas de preuve d'inclusion dans le condensat"),
        (r"^no (?P<key>\w+) list$", "ne contient pas la liste {key}"),
    )
)  # fmt: skip
ITEM_WORDS = (
    (re.compile(r"^the bundle$"), "le paquet"),
    (re.compile(r" line (\d+)"), r", ligne \1"),
    (re.compile(r"\baggregate "), "dossier "),
    (re.compile(r" version (\d+)"), r", version \1"),
    (re.compile(r"\binclusion proofs?\b"), "preuve d'inclusion"),
    (re.compile(r"manifest\.json digest"), "manifest.json, condensat"),
)


@dataclass(frozen=True)
class CheckLine:
    number: int
    title: str
    explanation: str
    outcome: str  # "passed", "failed" or "skipped" (a check before it failed)
    finding: str  # what it found, in French
    technical: str  # the checker's own line, as `relance verify` prints it


@dataclass(frozen=True)
class Verification:
    checks: list[CheckLine]
    readable: bool  # a ZIP the checks could open (else ``not_a_bundle`` says why, and no check is shown)
    not_a_bundle: str | None  # why the file is no bundle at all
    key_fingerprint: str | None  # of the key in the manifest
    firm_fingerprint: str | None  # of this firm's key, when it is configured
    timestamped: bool
    bundle_id: str | None = None  # as the manifest says, shown only when it reads as a UUID
    created_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.not_a_bundle is None and all(c.outcome == "passed" for c in self.checks)

    @property
    def failed(self) -> CheckLine | None:
        return next((c for c in self.checks if c.outcome == "failed"), None)

    @property
    def firm_key(self) -> bool | None:
        """The bundle is signed with this firm's key (None: no key to compare with)."""
        if self.key_fingerprint is None or self.firm_fingerprint is None:
            return None
        return self.key_fingerprint == self.firm_fingerprint


def verify_upload(content: bytes, *, firm_public_key: str | None) -> Verification:
    """Run the bundle check of ``relance verify`` on an uploaded file and say each check in French."""
    firm = _fingerprint(firm_public_key)
    refusal = _unpacking_refusal(content)
    if refusal is not None:
        return Verification([], False, refusal, None, firm, False)
    report = verify_bundle(content, check_signature=verify_signature, same_key=same_public_key,
                           check_timestamp=check_token)  # fmt: skip
    manifest = _manifest(content)
    not_a_bundle, readable = None, True
    broken = report.broken
    if broken is not None and broken.check == 1 and broken.item == "the bundle":
        not_a_bundle, readable = NOT_A_ZIP, False
    elif broken is not None and broken.item in (MANIFEST, SIGNATURE) and broken.problem == "missing from the bundle":
        not_a_bundle = (
            "Cette archive n'est pas un paquet de preuves relance complet : "
            f"elle ne contient pas {broken.item}, la liste signée de ses fichiers."
        )
    key = manifest.get("public_key")
    return Verification(
        checks=_lines(report),
        readable=readable,
        not_a_bundle=not_a_bundle,
        key_fingerprint=_fingerprint(key if isinstance(key, str) else None),
        firm_fingerprint=firm,
        timestamped=TIMESTAMP in _names(content),
        bundle_id=_uuid_text(manifest.get("bundle_id")),
        created_at=_instant(manifest.get("created_at")),
    )


def _lines(report: BundleReport) -> list[CheckLine]:
    lines = []
    passed = {int(line.split(".", 1)[0]): line for line in report.passed}
    for number, name in CHECKS.items():
        title, explanation = TITLES[number], EXPLANATIONS[number]
        if number in passed:
            text = passed[number].split(": ", 1)[1]
            lines.append(CheckLine(number, title, explanation, "passed", _french(PASSED, text), passed[number]))
        elif report.broken is not None and report.broken.check == number:
            broken = report.broken
            finding = f"{_item(broken.item)} : {_french(PROBLEMS, broken.problem)}."
            technical = f"{number}. {name}: {broken.item}: {broken.problem}"
            lines.append(CheckLine(number, title, explanation, "failed", finding, technical))
        else:
            lines.append(CheckLine(number, title, explanation, "skipped", "Non effectuée : une vérification "
                                   "précédente a échoué.", ""))  # fmt: skip
    return lines


def _french(table: tuple[tuple[re.Pattern[str], str], ...], text: str) -> str:
    for pattern, french in table:
        match = pattern.match(text)
        if match:
            values = {k: v or "" for k, v in match.groupdict().items()}
            if values.get("tsr"):
                values["tsr"] = " et horodaté (digest.tsr)"
            if values.get("when"):
                when = _instant(values["when"])
                values["when"] = f"{when.astimezone(PARIS):%d/%m/%Y à %H:%M:%S}" if when else values["when"]
            return french.format(**values)
    return text  # a finding this page does not know yet: the checker's words, never nothing


def _item(item: str) -> str:
    for pattern, french in ITEM_WORDS:
        item = pattern.sub(french, item)
    return item


def _unpacking_refusal(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return None  # not a ZIP: the check says so
    if len(infos) > MAX_MEMBERS or sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        megabytes = MAX_UNPACKED_BYTES // (1024 * 1024)
        return (
            f"Cette archive est trop volumineuse une fois décompressée (plus de {megabytes} Mo ou de {MAX_MEMBERS} "
            "fichiers) pour être vérifiée ici : vérifiez-la avec « relance verify » ou les instructions de VERIFY.txt."
        )
    return None


def _names(content: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return set()


def _manifest(content: bytes) -> dict[str, Any]:
    """The manifest as read, to show what the bundle is about; {} when it cannot be read (the check says why)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except Exception:  # anything unreadable: the checks name what is wrong
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _uuid_text(value: Any) -> str | None:
    try:
        return str(UUID(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _instant(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _fingerprint(pem: str | None) -> str | None:
    if pem is None:
        return None
    try:
        return fingerprint(pem)
    except ValueError:
        return None
