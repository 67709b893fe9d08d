"""VERIFY.txt: how to check a bundle without relance, with sha256sum, Python's standard
library and openssl. The snippet is run by the tests, on real bundles, with ``python3 -I``."""

from __future__ import annotations

SNIPPET_START = "----- check.py -----"
SNIPPET_END = "----- fin de check.py -----"

CHECK_PY = r"""import base64, hashlib, json, os, sys
root = sys.argv[1]
out = sys.argv[2] if len(sys.argv) > 2 else root.rstrip("/\\") + "-check"
def read(path): return open(os.path.join(root, path), "rb").read()
def canon(v): return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
def H(data): return hashlib.sha256(data).digest()
def fail(message): sys.exit("ECHEC : " + message)
def named(v):
    if isinstance(v, dict):
        return [x for k, w in v.items() for x in ([w] if k.endswith("sha256") and isinstance(w, str) else named(w))]
    return [x for w in v for x in named(w)] if isinstance(v, list) else []
m = json.loads(read("manifest.json"))
files = {f["path"]: f for f in m["files"]}
found = {os.path.relpath(os.path.join(d, n), root).replace(os.sep, "/") for d, _, ns in os.walk(root) for n in ns}
for path in sorted(found - set(files) - {"manifest.json", "manifest.sig"}): fail(path + " : fichier non liste")
for path, f in files.items():
    data = read(path) if path in found else fail(path + " : fichier absent")
    if (H(data).hex(), len(data)) != (f["sha256"], f["size"]): fail(path + " : empreinte ou taille differente")
chains, documents = {}, {p[10:74] for p in files if p.startswith("documents/")}
for line in read("journal.jsonl").decode("utf-8").splitlines():
    r = json.loads(line); h = r.pop("hash"); chain = chains.setdefault(r["aggregate_id"], ["0" * 64])
    where = "journal.jsonl : " + r["aggregate_id"] + " version " + str(r["version"])
    if r["version"] != len(chain) or r["previous_hash"] != chain[-1] or H(canon(r)).hex() != h: fail(where)
    chain.append(h)
    for sha in named(r["data"]):
        if sha not in documents: fail(where + " : document " + sha + " absent de documents/")
for path in files:
    if path.startswith("documents/") and H(read(path)).hex() != path[10:74]: fail(path + " : contenu different")
for a in m["aggregates"]:
    chain = chains.get(a["aggregate_id"], [])
    if len(chain) != a["version"] + 1 or chain[-1] != a["head"]: fail("tete de " + a["aggregate_id"])
d = dict(m["digest"]); signature = d.pop("signature")
for p in m["inclusion_proofs"]:
    fn, sn = p["index"], d["aggregates"] - 1
    r = H(b"\x00" + (p["aggregate_id"] + ":" + str(p["version"]) + ":" + p["head"]).encode())
    for s in map(bytes.fromhex, p["path"]):
        if sn == 0: fail("preuve d'inclusion de " + p["aggregate_id"])
        if fn & 1 or fn == sn:
            r = H(b"\x01" + s + r)
            while fn and not fn & 1: fn, sn = fn >> 1, sn >> 1
        else:
            r = H(b"\x01" + r + s)
        fn, sn = fn >> 1, sn >> 1
    chain = chains.get(p["aggregate_id"], [])
    if sn or r.hex() != d["root"] or len(chain) <= p["version"] or chain[p["version"]] != p["head"]:
        fail("preuve d'inclusion de " + p["aggregate_id"])
if {p["aggregate_id"] for p in m["inclusion_proofs"]} != set(chains): fail("preuves d'inclusion incompletes")
os.makedirs(out, exist_ok=True)
open(os.path.join(out, "public_key.pem"), "w").write(m["public_key"])
open(os.path.join(out, "manifest.sig.bin"), "wb").write(base64.b64decode(read("manifest.sig")))
open(os.path.join(out, "digest.json"), "wb").write(canon(d))
open(os.path.join(out, "digest.sig.bin"), "wb").write(base64.b64decode(signature))
print("OK : fichiers, journal, documents et preuves d'inclusion ; signatures a verifier avec openssl (" + out + ")")
"""

TEMPLATE = """VÉRIFIER CE DOSSIER DE PREUVE SANS LE LOGICIEL RELANCE
=======================================================

Ce dossier (ZIP) contient :
  manifest.json    la liste signée de tous les fichiers, avec leur empreinte SHA-256 et leur taille,
                   les têtes de chaîne de chaque journal, le condensat signé du registre (racine de Merkle)
                   et une preuve d'inclusion par journal ;
  manifest.sig     la signature Ed25519 (base64) des octets exacts de manifest.json ;
  journal.jsonl    un événement par ligne (JSON canonique + "hash"), chaînés par "previous_hash" ;
  debtor.json, calculation.json, dossier.pdf, documents/<sha256>.<ext> (les pièces), et ce fichier.

Règles (evidence.md) : JSON canonique = UTF-8, clés triées, sans espace, caractères non ASCII tels quels ;
hash d'un événement = SHA-256 hexadécimal du JSON canonique de la ligne sans sa clé "hash" ;
"previous_hash" de la version 1 = 64 zéros ; arbre de Merkle RFC 6962 §2.1 sur les feuilles
"<aggregate_id>:<version>:<hash>" triées par aggregate_id.

1. Empreintes de chaque fichier (sha256sum, GNU coreutils)
   unzip dossier.zip -d dossier
   (cd dossier && grep -E '^[0-9a-f]{{64}}  ' VERIFY.txt | sha256sum -c -)
   (VERIFY.txt lui-même est couvert par manifest.json, vérifié à l'étape 2.)

{sums}
2. Fichiers, chaînes, documents et preuves d'inclusion (Python 3, bibliothèque standard seule)
   Copier les lignes entre les deux marqueurs dans check.py, hors du dossier extrait, puis :
   python3 -I check.py dossier
   Le script s'arrête sur le premier élément en défaut ; sinon il écrit dans dossier-check/ la clé
   publique et les octets signés, pour l'étape 3. La bibliothèque standard de Python ne sait pas
   vérifier une signature Ed25519 : c'est l'objet de l'étape 3.

{start}
{check}{end}

3. Signatures Ed25519 (OpenSSL 3)
   openssl pkeyutl -verify -pubin -inkey dossier-check/public_key.pem -rawin \\
       -in dossier/manifest.json -sigfile dossier-check/manifest.sig.bin
   openssl pkeyutl -verify -pubin -inkey dossier-check/public_key.pem -rawin \\
       -in dossier-check/digest.json -sigfile dossier-check/digest.sig.bin
   Chaque commande doit afficher « Signature Verified Successfully ».

4. La clé est-elle celle de l'entreprise ?
   Comparer dossier-check/public_key.pem à la clé publiée par l'entreprise (GET /v1/ledger/public-key,
   ou `relance ledger public-key`), ou son empreinte :
   openssl pkey -pubin -in dossier-check/public_key.pem -outform DER | tail -c 32 | sha256sum
   `relance verify dossier.zip --public-key cle.pem` fait toutes ces vérifications à la fois.

5. Horodatage RFC 3161 (si le dossier contient digest.tsr)
   digest.tsr est la réponse de l'autorité d'horodatage pour les octets signés du condensat
   (dossier-check/digest.json, écrit à l'étape 2). Avec le certificat racine de l'autorité :
   openssl ts -verify -in dossier/digest.tsr -data dossier-check/digest.json -CAfile racine-autorite.pem
   Date et heure certifiées : openssl ts -reply -in dossier/digest.tsr -text
"""


def verify_text(sums: list[tuple[str, str]]) -> bytes:
    """VERIFY.txt for a bundle whose other files have these (path, sha256)."""
    lines = "".join(f"{sha256}  {path}\n" for path, sha256 in sums)
    return TEMPLATE.format(sums=lines, start=SNIPPET_START, check=CHECK_PY, end=SNIPPET_END).encode("utf-8")


def extract_snippet(text: str) -> str:
    """The check.py lines of a VERIFY.txt (what a reader copies)."""
    start = text.index(SNIPPET_START) + len(SNIPPET_START) + 1
    return text[start : text.index(SNIPPET_END)]
