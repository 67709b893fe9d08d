"""The domain's refusals in French, for people: a sentence per rule, the English message as a last resort.

The API answers machines with the rule's name and an English detail; the console shows this instead,
beside the field the rule is about. The field is the table's when it names one, else the one the domain's
message starts with (``value_date: … is in the future`` → ``value_date``): the console's forms name their
fields as the commands do. A unit test checks that every rule ``domain/`` and ``application/`` raise has
its sentence here.
"""

from __future__ import annotations

import re

from domain.errors import DomainError, VersionConflict, VersionMismatch

FIELD_PREFIX = re.compile(r"^(?P<field>[a-z_]+)(?:\[\d+\])?(?:\.(?P<sub>[a-z_]+))?: ")

# rule → (French sentence, the form field it concerns or None)
REASONS: dict[str, tuple[str, str | None]] = {
    # -------------------------------------------------------- concurrency, access
    "version_conflict": ("Quelqu'un a modifié ce dossier au même moment : rien n'a été enregistré.", None),
    "version_mismatch": (
        "Ce dossier a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert : rien n'a été enregistré. "
        "La page montre maintenant sa nouvelle version ; vérifiez-la avant de renvoyer votre saisie.",
        None,
    ),
    "if_match": (
        "Ce dossier a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert : rien n'a été enregistré.",
        None,
    ),
    "concurrent_write": ("Quelqu'un a modifié ce dossier au même moment : rien n'a été enregistré.", None),
    "forbidden": ("Votre rôle ne permet pas cette action.", None),
    "command_known": ("Cette action n'existe pas.", None),
    "idempotency_key_reused": ("Ce formulaire a déjà servi pour une autre saisie : rechargez la page.", None),
    "receivable_exists": ("Cette créance n'existe pas.", None),
    "debtor_exists": ("Ce débiteur n'existe pas.", None),
    "document_exists": ("Ce document n'est pas conservé.", None),
    # ---------------------------------------------------------- values typed
    "amount_format": ("Montant illisible : écrivez par exemple 1 234,56.", None),
    "amount_precision": ("Un montant a au plus deux décimales (les centimes).", None),
    "amount_range": ("Ce montant est hors des limites admises.", None),
    "amount_positive": ("Le montant doit être supérieur à zéro.", None),
    "amounts_add_up": ("Le montant TTC doit être égal au montant HT plus la TVA.", "amount_incl_vat"),
    "currency_format": ("La devise est un code ISO à trois lettres (EUR).", "currency"),
    "currency_mismatch": ("Ce montant n'est pas dans la devise de la facture.", None),
    "text_required": ("Ce champ est obligatoire.", None),
    "text_length": ("Ce texte est trop long.", None),
    "text_format": ("Une seule ligne est attendue.", None),
    "sha256_format": ("Référence de document invalide.", None),
    "media_type_format": ("Type de fichier invalide (par exemple application/pdf).", "media_type"),
    "rate_format": ("Taux illisible : écrivez par exemple 12,5.", None),
    "rate_range": ("Un taux est un pourcentage entre 0 et 100.", None),
    "rate_precision": ("Un taux a au plus trois décimales.", None),
    "half_year_format": ("Semestre invalide : écrivez par exemple 2026H1.", "half_year"),
    "as_of_format": ("Date illisible : écrivez jj/mm/aaaa.", "as_of"),
    "as_of_after_issue": ("Cette date est antérieure à l'émission de la facture.", "as_of"),
    "policy_version": ("La version de la politique est un entier positif.", "policy_version"),
    # ------------------------------------------------------------------ dates
    "date_not_in_future": ("Cette date est dans le futur : indiquez une date passée ou aujourd'hui.", None),
    "date_in_future": ("Cette date doit être dans le futur.", None),
    "date_not_before_issue": ("Cette date est antérieure à l'émission de la facture.", None),
    "date_order": ("Cette date précède l'événement qu'elle suit.", None),
    "due_after_issue": ("L'échéance ne peut pas précéder la date de la facture.", "due_date"),
    # ------------------------------------------------------------- the file
    "receivable_open": (
        "Cette créance est close (soldée ou passée en perte) : seuls une note, un document ou des pénalités "
        "peuvent encore y être ajoutés.",
        None,
    ),
    "invoice_number_unique": ("Une facture porte déjà ce numéro.", "invoice_number"),
    "contractual_rate_floor": (
        "Le taux de pénalité convenu est inférieur au minimum légal (trois fois le taux d'intérêt légal).",
        "contractual_penalty_rate",
    ),
    # reminders and notices
    "courtesy_before_due": ("Un rappel de courtoisie s'envoie avant l'échéance.", "sent_on"),
    "reminder_after_due": ("Une relance s'envoie après l'échéance.", "sent_on"),
    "second_after_first": ("Une deuxième relance suit une première relance.", "stage"),
    "notice_after_due": ("Une mise en demeure s'envoie après l'échéance.", "sent_on"),
    "deadline_after_sending": ("Le délai de paiement doit suivre la date d'envoi.", "deadline"),
    "claim_within_outstanding": ("Le principal réclamé dépasse le reste dû.", "principal"),
    "no_indemnity_for_consumers": (
        "Aucune indemnité forfaitaire ne peut être réclamée à un consommateur.",
        "indemnity",
    ),
    "acknowledgement_needs_notice": ("Aucune mise en demeure de ce numéro n'a été envoyée.", "notice_number"),
    "acknowledged_once": ("L'avis de réception de cette mise en demeure est déjà enregistré.", "notice_number"),
    "return_needs_letter": ("Aucune relance par courrier n'a été envoyée avec ce document.", None),
    "returned_once": ("Le retour de ce courrier est déjà enregistré.", None),
    "delivery_needs_message": ("Aucune relance par courriel ou SMS n'a été envoyée avec ce document.", None),
    "delivery_reported_once": ("Ce résultat de remise est déjà enregistré pour ce message.", None),
    # promises and plans
    "promise_within_outstanding": ("La promesse dépasse le reste dû sur cette facture.", "amount"),
    "promise_open": ("Il n'y a pas de promesse de paiement en cours.", None),
    "promise_date_passed": ("La promesse court encore : elle ne peut être dite non tenue qu'après sa date.", None),
    "one_active_plan": ("Un échéancier est déjà en cours sur cette facture.", None),
    "instalments_count": ("Un échéancier compte de 1 à 120 échéances.", "instalments"),
    "instalments_order": ("Les dates des échéances doivent se suivre.", "instalments"),
    "plan_covers_outstanding": ("Les échéances ne couvrent pas le reste dû.", "instalments"),
    "plan_active": ("Il n'y a pas d'échéancier en cours.", None),
    "instalment_exists": ("Cette échéance n'existe pas dans l'échéancier.", "instalment_number"),
    "instalment_date_passed": ("Cette échéance n'est pas encore passée.", "noted_on"),
    "instalment_unpaid": ("Cette échéance a été payée.", "instalment_number"),
    # disputes and mediation
    "one_open_dispute": ("Un litige est déjà ouvert sur cette facture : résolvez-le d'abord.", None),
    "dispute_within_invoice": ("Le montant contesté dépasse le montant de la facture.", "amount"),
    "dispute_exists": ("Ce litige n'existe pas.", "dispute_number"),
    "dispute_open": ("Ce litige est déjà clos.", "dispute_number"),
    "credit_note_complete": ("Un avoir se saisit avec son numéro et son montant.", "credit_note_number"),
    "one_mediation": ("Une médiation est déjà en cours.", None),
    "mediation_under_way": ("Aucune médiation n'est en cours.", None),
    # payments, credit notes, late charges
    "payment_reference_unique": (
        "Cette référence bancaire a déjà été enregistrée pour un autre paiement.",
        "bank_reference",
    ),
    "credit_note_unique": ("Cet avoir est déjà imputé.", "credit_note_number"),
    "credit_within_outstanding": ("L'avoir dépasse le reste dû sur cette facture.", "amount"),
    "charges_positive": ("Les intérêts et l'indemnité ne peuvent pas être tous deux nuls.", "interest"),
    "charges_after_due": ("Des pénalités ne se facturent qu'après l'échéance.", "invoiced_on"),
    # escalation, pauses
    "escalated_once_per_route": ("Ce dossier a déjà été transmis par cette voie.", "route"),
    "escalation_after_due": ("Le passage au contentieux vient après l'échéance.", "escalated_on"),
    "not_paused": ("Les relances sont déjà suspendues.", None),
    "paused": ("Les relances ne sont pas suspendues.", None),
    # ---------------------------------------------------------------- debtors
    "debtor_unique": ("Ce débiteur existe déjà.", None),
    "debtor_not_erased": ("Les données personnelles de ce débiteur ont été effacées.", None),
    "professional_siren": ("Un débiteur professionnel s'identifie par son SIREN ou son SIRET.", "siren"),
    "siren_format": ("SIREN invalide : neuf chiffres avec leur clé.", "siren"),
    "siret_format": ("SIRET invalide : quatorze chiffres avec leur clé.", "siret"),
    "siret_matches_siren": ("Ce SIRET n'appartient pas à ce SIREN.", "siret"),
    "address_lines": ("Une adresse compte d'une à quatre lignes.", "lines"),
    "country_format": ("Le pays est un code à deux lettres (FR).", "country"),
    "address_changed": ("L'adresse est inchangée.", None),
    "name_changed": ("Le nom est inchangé : une rectification donne un nom différent.", "legal_name"),
    "email_format": ("Adresse électronique invalide.", "email"),
    "contact_unique": ("Ce contact existe déjà.", None),
    "contact_exists": ("Ce contact n'existe pas chez ce débiteur.", "contact_id"),
    "email_bounce_current_address": ("L'adresse électronique du contact a changé depuis : rien à signaler.", None),
    "email_bounced_once": ("Cette adresse électronique est déjà signalée comme rejetée.", None),
    "priority_changes": ("La priorité est déjà celle-ci.", "priority"),
    "one_insolvency": ("Une procédure collective est déjà enregistrée.", None),
    "insolvency_open": ("Une créance se déclare dans le cadre d'une procédure collective ouverte.", None),
    "erase_natural_persons_only": (
        "Seules les données d'une personne physique (un consommateur ou un entrepreneur individuel) "
        "peuvent être effacées.",
        None,
    ),
    "erasure_claim_pursued": (
        "Une créance contre cette personne est encore poursuivie (facture ouverte, plan de paiement, contentieux) : "
        "l'effacement est refusé (RGPD art. 17.3.e), sauf décision motivée d'un responsable.",
        "force",  # the console's erasure form: beside « Forcer malgré les créances poursuivies »
    ),
    "sole_trader_professional": ("Un entrepreneur individuel est un débiteur professionnel.", "sole_trader"),
    "erased": (
        "Les données personnelles du débiteur ont été effacées : aucun courrier ne peut lui être adressé.",
        None,
    ),
    "debtor_address_required": ("Ce débiteur est inconnu : son adresse est nécessaire pour l'enregistrer.", None),
    # --------------------------------------------------------------- documents
    "document_stored": ("Ce document n'est pas conservé : déposez d'abord le fichier.", None),
    "document_erased": (
        "Un document de ce dossier a été supprimé avec les données personnelles du débiteur : "
        "aucun dossier de preuve complet ne peut plus être constitué.",
        None,
    ),
    "document_intact": ("Le document conservé ne correspond plus à son empreinte.", None),
    "document_missing": ("Le document d'un courrier manque au stockage : le lot ne peut pas être imprimé.", None),
    "document_empty": ("Le fichier est vide.", "file"),
    "document_size": ("Le fichier dépasse la taille admise (20 Mo).", "file"),
    "document_media_type": (
        "Ce type de fichier n'est pas accepté, ou son contenu ne correspond pas à son type "
        "(PDF, PNG, JPEG, TIFF, texte, courriel).",
        "file",
    ),
    "document_encoding": ("Un fichier texte doit être encodé en UTF-8.", "file"),
    # ----------------------------------------------------------------- letters
    "letter_exists": ("Aucun courrier ne porte cette clé : vérifiez-la sur la liste de dépôt.", "cle"),
    "letter_already_posted": ("Ce courrier est déjà enregistré comme posté.", None),
    "letter_cancelled": ("Ce courrier a été annulé : il ne sera pas posté.", None),
    "letter_to_post": ("Ce courrier n'attend pas d'être posté.", None),
    "letter_posted": ("Ce courrier n'est pas enregistré comme posté : enregistrez d'abord son dépôt.", "cle"),
    "posting_after_preparation": ("La date de dépôt précède le jour où le courrier a été préparé.", "posted_on"),
    "tracking_number_required": (
        "Le numéro de suivi est obligatoire pour un recommandé (la référence du prestataire pour une LRE).",
        "tracking_number",
    ),
    "tracking_number_format": (
        "Ce n'est pas un numéro de suivi La Poste : il s'écrit « 1A 234 567 8901 2 » ou « RR 123 456 785 FR ».",
        "tracking_number",
    ),
    "tracking_number_check": (
        "Ce numéro de suivi ne passe pas sa clé de contrôle : vérifiez-le sur l'étiquette (faute de frappe ?).",
        "tracking_number",
    ),
    "outcome_needs_registered_letter": (
        "Une lettre simple n'a pas d'accusé de réception : seul son retour (pli non distribuable) s'enregistre.",
        "outcome",
    ),
    "no_letters_to_post": ("Aucune lettre n'attend d'être imprimée.", None),
    "printing_not_configured": ("L'impression des courriers n'est pas configurée.", None),
    "letter_without_invoice": ("Un courrier porte sur au moins une facture.", None),
    "notice_deadline": ("Une mise en demeure fixe un délai postérieur à sa date.", None),
    "notice_claim": ("Une mise en demeure indique le montant réclamé pour chaque facture.", None),
    "channel": ("Canal d'envoi inconnu.", "channel"),
    "deposit_list": (
        "La liste de dépôt est refusée et rien n'a été enregistré : corrigez les lignes indiquées puis renvoyez-la.",
        None,
    ),
    "lre_sending_exists": ("Cette lettre recommandée électronique est inconnue.", None),
    "lre_not_recorded": ("L'envoi de cette lettre recommandée électronique n'est pas encore enregistré.", None),
    # --------------------------------------------------------- dunning, policies
    "policy_invalid": ("Cette politique de relance n'est pas valide.", None),
    "policy_exists": ("Aucune politique de relance ne s'applique à cette créance.", None),
    "stage_exists": ("Cette étape n'existe pas dans la politique de relance.", None),
    "run_date_future": ("La relance ne peut pas être lancée pour une date future.", "date"),
    "address_returned": ("Un courrier est revenu : l'adresse postale du débiteur est à corriger.", None),
    "reply_exists": ("Aucune réponse de débiteur n'attend d'être traitée sous cette référence.", None),
    "reply_received": ("Le débiteur a répondu : sa réponse attend d'être lue.", None),
    "phone_missing": ("Aucun numéro de téléphone.", "phone"),
    "phone_invalid": ("Numéro de téléphone invalide.", "phone"),
    "phone_not_french": ("Seuls les mobiles français reçoivent les SMS.", "phone"),
    "phone_not_mobile": ("Ce numéro ne peut pas recevoir de SMS (fixe ou numéro spécial).", "phone"),
    "sms_too_long": ("Le SMS ne tient pas en deux messages.", None),
    "sms_without_invoice": ("Un SMS porte sur au moins une facture.", None),
    "sms_not_recorded_yet": ("L'envoi de ce SMS n'est pas encore enregistré.", None),
    "brevo_event": ("Événement du prestataire illisible.", None),
    # ------------------------------------------------------------------ rates
    "rate_unknown": (
        "Un taux nécessaire au calcul n'est pas encore connu : un administrateur doit le publier.",
        None,
    ),
    "rates_required": ("Indiquez au moins un taux à publier.", None),
    "rate_kind_once": ("Chaque taux une seule fois par publication.", None),
    "rate_source_required": ("La source du taux est obligatoire.", "source"),
    "rate_effective_from": ("La date d'effet doit être le premier jour du semestre.", "ecb_effective_from"),
    "rate_published_once": ("Ce taux est déjà publié : un taux publié n'est jamais remplacé.", "half_year"),
    "rate_half_years_contiguous": ("Les semestres se publient dans l'ordre, sans trou.", "half_year"),
    "rate_half_year_not_future": ("Ce semestre ne peut pas encore être publié.", "half_year"),
    # ------------------------------------------------------- imports and evidence
    "line_unmatched": ("Cette ligne bancaire n'est plus à rapprocher.", None),
    "allocation_parts": ("Une part par créance, au moins une.", None),
    "allocation_target": ("Chaque part désigne une créance, par son numéro de facture.", None),
    "allocation_exceeds": ("Les parts dépassent le montant de la ligne bancaire.", None),
    "allocation_short": (
        "Les parts n'atteignent pas le montant de la ligne : affectez le surplus à une créance.",
        None,
    ),
    "ledger_verifies": ("Le journal ne se vérifie pas : aucune empreinte n'est publiée.", None),
    # letters to post, the deposit list, the receipts uploaded with them, and the dunning run
    "document_unreadable": ("Le document d'un courrier est illisible : le lot ne peut pas être imprimé.", None),
    "run_exists": ("Cette relance n'existe pas.", None),
}


def french_reason(error: DomainError) -> tuple[str, str | None]:
    """(the reason in French, the field it concerns or None)."""
    if isinstance(error, VersionMismatch | VersionConflict):
        return REASONS["version_mismatch"]
    found = REASONS.get(error.rule)
    if found is None:
        return (f"Refusé : {error.message}", _field_of(error.message))
    sentence, field = found
    return sentence, field or _field_of(error.message)


def _field_of(message: str) -> str | None:
    """The field a domain message starts with: ``value_date: …``, ``claimed.principal: …`` → principal."""
    match = FIELD_PREFIX.match(message)
    if match is None:
        return None
    return match.group("sub") or match.group("field")
