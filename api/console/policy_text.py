"""A dunning policy in French for the Politiques pages: its steps as sentences, a line diff of two
versions' TOML, and the validation's refusal said in French (the line and key it names kept as given)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from api import formats
from domain.dunning_policy import Action, Anchor, Audience, Channel, Guardrails, Policy, Stage
from domain.errors import DomainError
from domain.vocabulary import DebtorKind, Priority, ReminderStage

ACTIONS = {
    Action.CALL: "Appel",
    Action.REMINDER: "Relance",
    Action.FORMAL_NOTICE: "Mise en demeure",
    Action.ESCALATE: "Passage au contentieux",
}
REMINDER_STAGES = {
    ReminderStage.COURTESY: "rappel courtois",
    ReminderStage.FIRST: "première relance",
    ReminderStage.SECOND: "deuxième relance",
}
ANCHORS = {Anchor.ISSUE: "la date de facture", Anchor.DUE: "l'échéance", Anchor.PREVIOUS: "l'envoi précédent"}
CHANNELS = {
    Channel.EMAIL: "e-mail",
    Channel.LETTER: "courrier",
    Channel.SMS: "SMS",
    Channel.PHONE: "téléphone",
    Channel.REGISTERED_LETTER: "lettre recommandée avec accusé de réception",
    Channel.ELECTRONIC_REGISTERED_LETTER: "lettre recommandée électronique",
}
KINDS = {DebtorKind.PROFESSIONAL: "professionnels", DebtorKind.CONSUMER: "particuliers"}
PRIORITIES = {Priority.LOW: "basse", Priority.NORMAL: "normale", Priority.HIGH: "haute", Priority.CRITICAL: "critique"}
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass(frozen=True)
class StepText:
    number: int
    label: str
    action: str
    when: str
    channels: str
    template: str
    audience: str
    rule: str


def steps(policy: Policy) -> list[StepText]:
    return [_step(number, stage) for number, stage in enumerate(policy.stages, start=1)]


def _step(number: int, stage: Stage) -> StepText:
    action = ACTIONS[stage.action]
    if stage.reminder_stage is not None:
        action = f"{action} ({REMINDER_STAGES[stage.reminder_stage]})"
    when = _moment(stage.offset_days, stage.anchor)
    when += "" if stage.until_days is None else f", au plus tard {_moment(stage.until_days, stage.anchor)}"
    return StepText(
        number=number,
        label=stage.label or stage.rule,
        action=action,
        when=when,
        channels=", ".join(CHANNELS[c] for c in stage.channels) or "-",
        template=stage.template or "-",
        audience=audience(stage.audience) or "toutes les factures de la politique",
        rule=stage.rule,
    )


def _moment(days: int, anchor: Anchor) -> str:
    if days == 0:
        return f"le jour de {ANCHORS[anchor]}"
    unit = "jour" if abs(days) == 1 else "jours"
    return f"{abs(days)} {unit} {'après' if days > 0 else 'avant'} {ANCHORS[anchor]}"


def audience(who: Audience) -> str:
    parts = []
    if who.min_amount is not None:
        parts.append(f"à partir de {formats.money(who.min_amount)} restant dus")
    if who.max_amount is not None:
        parts.append(f"jusqu'à {formats.money(who.max_amount)} restant dus")
    if who.debtor_kinds:
        parts.append("débiteurs " + " et ".join(KINDS[k] for k in sorted(who.debtor_kinds, key=lambda k: k.value)))
    if who.priorities:
        names = [PRIORITIES[p] for p in Priority if p in who.priorities]
        parts.append("priorité " + ", ".join(names))
    return " ; ".join(parts)


def settings(policy: Policy) -> list[tuple[str, str]]:
    """The policy's other keys, as (French label, value) rows."""
    return [
        ("S'applique à", audience(policy.audience) or "toutes les factures sans politique plus précise"),
        ("Étapes dans l'ordre", "oui : une étape à la fois" if policy.sequential else "non : chaque étape à sa date"),
        ("Écart minimal entre deux envois", _days(policy.min_spacing_days)),
        ("Délai de grâce après une promesse", _days(policy.promise_grace_days)),
        ("Délai avant qu'une échéance soit manquée", _days(policy.instalment_grace_days)),
        ("Délai laissé par la mise en demeure", _days(policy.notice_deadline_days)),
        *_guardrails(policy.guardrails),
    ]


def _guardrails(rails: Guardrails) -> list[tuple[str, str]]:
    start, end = rails.working_hours
    return [
        ("Contacts au plus par semaine et par débiteur", str(rails.max_contacts_per_week)),
        ("Heures ouvrées", f"de {start:%H:%M} à {end:%H:%M}"),
        ("Jours ouvrés", ", ".join(WEEKDAYS[d] for d in sorted(rails.working_days))),
    ]


def _days(count: int) -> str:
    return f"{count} jour" if abs(count) == 1 else f"{count} jours"


# ---------------------------------------------------------------- comparison


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "same", "removed", "added" or "gap" (unchanged lines left out)
    old_number: int | None
    new_number: int | None
    text: str


def diff(old: str, new: str, *, context: int = 3) -> list[DiffRow]:
    """The lines removed from ``old`` and added in ``new``, with ``context`` unchanged lines around each change;
    no row at all when the texts are the same."""
    before, after = old.splitlines(), new.splitlines()
    if before == after:
        return []
    rows: list[DiffRow] = []
    groups = list(difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_grouped_opcodes(context))
    for index, group in enumerate(groups):
        if index or group[0][1] > 0 or group[0][3] > 0:
            rows.append(DiffRow("gap", None, None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows += [
                    DiffRow("same", i + 1, j + 1, before[i]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            rows += [DiffRow("removed", i + 1, None, before[i]) for i in range(i1, i2)]
            rows += [DiffRow("added", None, j + 1, after[j]) for j in range(j1, j2)]
    last = groups[-1][-1]
    if last[2] < len(before) or last[4] < len(after):
        rows.append(DiffRow("gap", None, None, ""))
    return rows


# ---------------------------------------------------------------- refusals

REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), french)
    for pattern, french in (
        (r"^unknown key \(expected one of (?P<keys>.+)\)$", "clé inconnue (clés admises : {keys})"),
        (r"^is required$", "obligatoire, elle manque"),
        (r"^expected a string, got (?P<got>.+)$", "un texte entre guillemets est attendu"),
        (r"^expected a whole number, got (?P<got>.+)$", "un nombre entier est attendu"),
        (r"^expected true or false, got (?P<got>.+)$", "true ou false est attendu"),
        (r"^expected a list, got (?P<got>.+)$", "une liste [..] est attendue"),
        (r"^expected a table, got (?P<got>.+)$", "une table est attendue"),
        (r"^(?P<value>.+) is not one of (?P<choices>.+)$", "{value} n'est pas une valeur admise ({choices})"),
        (r"^(?P<value>.+) is not a number of days \(at most 3650\)$",
         "{value} n'est pas un nombre de jours (3650 au plus)"),
        (r"^a policy has at least one stage$", "une politique a au moins une étape"),
        (r"^(?P<until>-?\d+) is before offset_days (?P<offset>-?\d+)$",
         "la fin de la fenêtre ({until}) précède le début, offset_days ({offset})"),
        (r"^a step cannot come before the previous one$", "une étape ne peut pas précéder la précédente"),
        (r"^a channel is listed twice$", "un canal figure deux fois"),
        (r"^a (?P<action>\w+) needs a template$", "cette étape ({action}) demande un modèle de lettre (template)"),
        (r"^a (?P<action>\w+) needs a channel$", "cette étape ({action}) demande un canal"),
        (r"^one formal notice per policy", "une seule mise en demeure par politique"),
        (r"^one escalation per policy", "un seul passage au contentieux par politique"),
        (r"^no reminder after the formal notice$", "aucune relance après la mise en demeure"),
        (r"^escalation follows a formal notice stage$", "le passage au contentieux suit une mise en demeure"),
    )
)  # fmt: skip


TOML_REASONS = {  # tomllib's own words, the commonest slips
    "Invalid value": "valeur invalide (un texte s'écrit entre guillemets)",
    "Expected '=' after a key in a key/value pair": "« = » attendu après la clé",
    "Invalid statement": "ligne incompréhensible",
    "Unclosed array": "liste [..] non fermée",
    "Unclosed inline table": "table {..} non fermée",
    "Unterminated string": "texte sans guillemet fermant",
    "Expected newline or end of document after a statement": "fin de ligne attendue après la valeur",
    "Cannot overwrite a value": "cette clé est déjà définie",
}


def refusal(error: DomainError) -> str:
    """« Politique refusée, ligne 23, stages[4].action : … » from the validation's error."""
    if error.rule == "version_mismatch":
        return "Quelqu'un a enregistré une nouvelle version de cette politique pendant votre modification."
    if error.rule == "policy_id":
        return "Politique refusée : l'identifiant (id) du texte doit rester celui de cette politique."
    line = getattr(error, "line", None)
    reason = str(getattr(error, "reason", error.message))
    where = "Politique refusée" + (f", ligne {line}" if line is not None else "")
    key, _, detail = reason.partition(": ")
    if detail and re.fullmatch(r"[A-Za-z_][\w.\[\]]*", key):
        return f"{where}, {key} : {_french(detail)}."
    if error.rule == "policy_file" and not detail:
        return f"{where} : le texte n'est pas du TOML valide ({TOML_REASONS.get(reason, reason)})."
    return f"{where} : {_french(reason)}."


def _french(reason: str) -> str:
    for pattern, french in REASONS:
        match = pattern.match(reason)
        if match:
            return french.format(**match.groupdict())
    return reason
