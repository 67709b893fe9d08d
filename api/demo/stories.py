"""What happens to each sample invoice, one story per stage of the dunning process, and the sales table."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from api.demo.files import (
    CONSUMER,
    EOM30,
    NET30,
    NET45,
    File,
    Sale,
)
from api.demo.parties import (
    ACCOUNTANT,
    AP,
    INDEMNITY,
    INSOLVENCY_JUDGMENT_AGO,
    MANAGER,
    NOTICE_DELIVERY_DAYS,
    VAT_RATE,
    cents,
    derived_digits,
    document,
)
from application.commands import (
    ChangeContact,
    ChangePriority,
    EndMediation,
    ResumeDunning,
    SetCreditLimit,
    StartMediation,
    WaiveLateCharges,
    WriteOff,
)
from domain.values import Money
from domain.vocabulary import (
    AcknowledgementOutcome,
    CallOutcome,
    CallPurpose,
    DeliveryStatus,
    DisputeOutcome,
    DisputeReason,
    DocumentKind,
    EscalationRoute,
    NoticeChannel,
    PaymentMethod,
    Priority,
    ReminderChannel,
    ReminderStage,
)

# --------------------------------------------------------------- the stories
# Each story reads as the file's history, oldest step first. Offsets follow the
# default policy: courtesy at due-7, first reminder at due+5, second 15 days later,
# formal notice between due+35 and due+50, escalation once the deadline has passed.

R = ReminderStage
EMAIL, LETTER, SMS = ReminderChannel.EMAIL, ReminderChannel.LETTER, ReminderChannel.SMS
REACHED, NO_ANSWER, VOICEMAIL = CallOutcome.REACHED, CallOutcome.NO_ANSWER, CallOutcome.VOICEMAIL
FOLLOW_UP, PRE_DUE = CallPurpose.FOLLOW_UP, CallPurpose.PRE_DUE_CHECK
DAY = timedelta(days=1)


def not_yet_due(f: File) -> None:
    """Issued recently: nothing to do yet."""


def paid_on_time(f: File) -> None:
    order = document(f"Devis accepté — {f.invoice.order_reference} — {f.debtor.legal_name}")
    f.attach(f.issued(2), "10:05", DocumentKind.SIGNED_ORDER, "Devis signé valant bon de commande", order)
    f.pay(f.due(-3))


def paid_by_cheque_on_time(f: File) -> None:
    f.pay(f.due(-4), method=PaymentMethod.CHEQUE)


def paid_by_direct_debit(f: File) -> None:
    f.pay(f.due(), method=PaymentMethod.DIRECT_DEBIT)


def paid_after_courtesy(f: File) -> None:
    f.remind(R.COURTESY, f.due(-7))
    f.pay(f.due())


def paid_by_card_after_courtesy(f: File) -> None:
    f.remind(R.COURTESY, f.due(-4))
    f.pay(f.due(-2), method=PaymentMethod.CARD)


def paid_after_first_reminder(f: File) -> None:
    f.call(f.issued(7), "10:30", PRE_DUE, REACHED, "Facture bien reçue et validée par le conducteur de travaux.")
    f.remind(R.FIRST, f.due(5))
    f.pay(f.due(12))


def paid_after_second_reminder_with_late_charges(f: File) -> None:
    f.remind(R.COURTESY, f.due(-7))
    f.remind(R.FIRST, f.due(5))
    f.remind(R.SECOND, f.due(20), LETTER)
    f.call(f.due(22), "10:15", FOLLOW_UP, REACHED, "Paiement programmé au virement fournisseurs du 10 du mois.")
    value_date = f.on(f.due(27))
    recorded = f.pay(value_date)
    f.late_charges(recorded + 3 * DAY)
    reason = "Geste commercial pour un client historique : indemnité forfaitaire abandonnée, pénalités maintenues."
    f.add(recorded + 15 * DAY, "15:40", MANAGER, WaiveLateCharges(f.rid, Decimal("0.00"), INDEMNITY, reason))


def paid_by_cheque_after_second_reminder(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    f.remind(R.SECOND, f.due(20), LETTER)
    f.pay(f.due(24), method=PaymentMethod.CHEQUE)


def partially_paid_retention(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    retention = cents(f.invoice.incl_vat * Decimal("0.05"))
    recorded = f.pay(f.due(9), f.invoice.incl_vat - retention)
    note = (
        "Règlement à 95 % : le client applique la retenue de garantie de 5 % (loi n° 71-584 du 16 juillet 1971), "
        "libérable un an après la réception des travaux."
    )
    f.note(recorded, "10:20", ACCOUNTANT, note)
    reason = "Retenue de garantie de 5 % : exigible un an après la réception des travaux."
    f.pause(recorded, "10:25", reason, until=f.due(375))


def courtesy_before_due(f: File) -> None:
    delivery = document(f"Bon de livraison — {f.invoice.order_reference} — 24 blocs-portes EI30")
    f.attach(f.issued(1), "09:40", DocumentKind.DELIVERY_PROOF, "Bon de livraison signé sur chantier", delivery)
    f.call(f.issued(7), "11:00", PRE_DUE, REACHED, "Facture reçue ; rapprochement avec la commande en cours.")
    f.remind(R.COURTESY, f.due(-7))


def promised(f: File) -> None:
    f.remind(R.COURTESY, f.due(-7))
    f.remind(R.FIRST, f.due(5))
    f.call(f.due(9), "09:45", FOLLOW_UP, VOICEMAIL, "Message laissé au service comptable.")
    called = f.call(
        f.ago(4), "10:05", FOLLOW_UP, REACHED, "Le service comptable confirme un règlement au prochain cycle."
    )
    f.promise(called, "10:10", f.outstanding, f.ago(-6))


def broken_promise_unclaimed_notice_payment_order(f: File) -> None:
    delivery = document(f"Bon de livraison — {f.invoice.order_reference} — menuiseries PVC")
    f.attach(f.issued(), "09:30", DocumentKind.DELIVERY_PROOF, "Bon de livraison signé", delivery)
    f.remind(R.FIRST, f.due(5))
    f.call(f.due(9), "09:30", FOLLOW_UP, NO_ANSWER, "Pas de réponse au standard.")
    called = f.call(
        f.due(12), "14:00", FOLLOW_UP, REACHED, "Le gérant reconnaît la dette et promet de payer sous huit jours."
    )
    f.promise(called, "14:05", f.outstanding, called + 8 * DAY)
    broken = f.break_promise(called + 11 * DAY)
    f.add(broken, "09:15", MANAGER, SetCreditLimit(f.debtor.id, Money(Decimal("500.00"))))
    f.add(broken, "09:16", MANAGER, ChangePriority(f.debtor.id, Priority.HIGH))
    f.remind(R.SECOND, broken + DAY, LETTER)
    sent, _ = f.notice(f.due(36), NoticeChannel.REGISTERED_LETTER)
    # Presented two days later, kept fifteen days at the post office, then back to the sender.
    returned = sent + (NOTICE_DELIVERY_DAYS + 15) * DAY
    recorded = f.acknowledge(returned + 2 * DAY, AcknowledgementOutcome.UNCLAIMED, returned)
    note = (
        "Pli avisé non réclamé : la mise en demeure produit ses effets (Cass. 1re civ., 20 janv. 2021). "
        "Dossier transmis pour injonction de payer."
    )
    f.note(recorded, "11:20", MANAGER, note)
    reference = (
        f"Requête en injonction de payer, tribunal de commerce de Lyon, RG {derived_digits(f.invoice.number, 6)}"
    )
    f.escalate(recorded + 4 * DAY, EscalationRoute.PAYMENT_ORDER, reference)


def second_reminder_after_contact_change(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    notes = "La personne jointe n'est plus en charge de la comptabilité ; nouveau contact communiqué."
    called = f.call(f.due(8), "10:30", FOLLOW_UP, CallOutcome.WRONG_CONTACT, notes)
    new_contact = ChangeContact(
        f.debtor.id, f.debtor.contact_id(0), AP, "Sandrine Vidal", "s.vidal@moreau-renovation.fr", "04 78 70 55 14"
    )
    f.add(called, "10:40", MANAGER, new_contact)
    f.remind(R.SECOND, f.due(20), LETTER)


def disputed_then_credit_note(f: File) -> None:
    description = "Trois châssis ferment mal et la teinte ne correspond pas au RAL 7016 du devis."
    opened = f.dispute(f.issued(12), DisputeReason.NON_CONFORMING, description)
    reserves = document(f"Procès-verbal de réserves — {f.invoice.order_reference} — 3 châssis, teinte non conforme")
    f.attach(opened, "14:30", DocumentKind.OTHER, "Procès-verbal de réserves du client", reserves)
    visit = "Reprise des trois châssis effectuée sur site ; teinte confirmée non conforme, remise proposée."
    f.note(opened + 14 * DAY, "17:05", "thomas.roux", visit)
    credit = cents(f.invoice.incl_vat * Decimal("0.10"))
    resolved = f.resolve(opened + 28 * DAY, DisputeOutcome.SETTLED, "Accord : remise de 10 % sur la teinte.", credit)
    f.pay(resolved + 15 * DAY)


def disputed_open(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    difference = Decimal("1290.00")
    description = (
        "Le client conteste le prix de la serrure : le devis prévoyait une serrure trois points, "
        "la facture une serrure motorisée."
    )
    f.dispute(f.due(7), DisputeReason.PRICE, description, difference)
    f.pay(f.ago(9), f.outstanding - difference)  # the undisputed part


def credit_note_then_paid(f: File) -> None:
    credited = f.credit_note(f.issued(6), cents(Decimal("240.00") * (1 + VAT_RATE)))
    f.note(credited, "11:05", ACCOUNTANT, "Avoir pour double facturation du déplacement.")
    f.pay(f.due(-1))


def paused_then_resumed(f: File) -> None:
    f.pause(f.due(2), "09:50", "Attente de la levée des réserves par le maître d'œuvre.", until=f.due(30))
    pv = document(f"Procès-verbal de levée des réserves — {f.invoice.order_reference}")
    lifted = f.attach(f.due(16), "09:00", DocumentKind.OTHER, "Procès-verbal de levée des réserves", pv)
    f.add(lifted, "09:05", MANAGER, ResumeDunning(f.rid, "Réserves levées, procès-verbal signé."))
    reminded = f.remind(R.FIRST, lifted + DAY)
    f.pay(reminded + 9 * DAY)


def payment_plan_in_good_standing(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    f.remind(R.SECOND, f.due(20), LETTER)
    notes = "Trésorerie tendue hors saison : le gérant demande un échelonnement."
    called = f.call(f.due(23), "15:30", FOLLOW_UP, REACHED, notes)
    instalments = f.monthly(6, called + 17 * DAY)
    f.plan_payments(called + 7 * DAY, instalments)
    for due, value in instalments:
        if f.imported(due):
            f.pay(due, value, PaymentMethod.DIRECT_DEBIT)


def bounced_reminder(f: File) -> None:
    """The first reminder's e-mail bounced (a hard bounce): the address is corrected, the reminder goes again."""
    bounced = f.email_bounced(f.remind(R.FIRST, f.due(5)) + DAY, "comptabilite@hotel-belvedere-annecy.fr")
    f.remind(R.FIRST, bounced + DAY)


def sms_reminder(f: File) -> None:
    f.delivery(f.remind(R.FIRST, f.due(5), SMS), DeliveryStatus.DELIVERED, "brevo")


def before_insolvency(f: File) -> None:
    """The chasing of an invoice of a customer soon in receivership (``insolvency`` follows)."""
    f.remind(R.COURTESY, f.due(-7))
    if f.due(30) < f.ago(INSOLVENCY_JUDGMENT_AGO):
        f.remind(R.FIRST, f.due(5))
        f.remind(R.SECOND, f.due(20), LETTER)
        notes = (
            "Le client évoque des difficultés de trésorerie et une procédure en cours devant le tribunal de commerce."
        )
        f.call(f.due(24), "11:30", FOLLOW_UP, REACHED, notes)


def partial_promise_then_notice_agency(f: File) -> None:
    f.remind(R.COURTESY, f.due(-7))
    f.remind(R.FIRST, f.due(5))
    f.remind(R.SECOND, f.due(20), LETTER)
    called = f.call(f.due(24), "10:00", FOLLOW_UP, REACHED, "Promesse de régler la moitié sous dix jours.")
    half = cents(f.outstanding / 2)
    f.promise(called, "10:05", half, called + 10 * DAY)
    f.add(called, "10:10", MANAGER, ChangePriority(f.debtor.id, Priority.HIGH))
    f.pay(called + 9 * DAY, half)
    sent, deadline = f.notice(f.due(45), NoticeChannel.REGISTERED_LETTER)
    signed = sent + NOTICE_DELIVERY_DAYS * DAY  # the AR card, signed on delivery, comes back a few days later
    f.acknowledge(signed + 3 * DAY, AcknowledgementOutcome.DELIVERED, signed)
    agency = f"Recouvrement Alpes Contentieux, dossier RAC-{derived_digits(f.invoice.number, 5)}"
    f.escalate(deadline + 7 * DAY, EscalationRoute.COLLECTION_AGENCY, agency)


def promise_kept(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    called = f.call(f.due(8), "11:10", FOLLOW_UP, REACHED, "Oubli reconnu ; virement annoncé sous huit jours.")
    f.promise(called, "11:15", f.outstanding, called + 8 * DAY)
    f.pay(called + 6 * DAY)


def mediation_under_way(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    reminded = f.remind(R.SECOND, f.due(20), LETTER)
    reference = f"Médiation des entreprises, saisine ME-{derived_digits(f.invoice.number, 6)}"
    started = f.on(max(reminded, f.ago(5)))
    f.add(started, "14:00", MANAGER, StartMediation(f.rid, started, reference))


def written_off(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    reminded = f.remind(R.SECOND, f.due(20), LETTER)
    f.letter_returned(reminded + 5 * DAY)
    f.call(f.due(30), "16:10", FOLLOW_UP, NO_ANSWER, "Pas de réponse ; message laissé.")
    reason = "Créance de faible montant : le coût d'une procédure dépasserait l'enjeu."
    f.add(f.due(75), "17:00", MANAGER, WriteOff(f.rid, reason))


def consumer_notice_by_lre_small_claims(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    f.remind(R.SECOND, f.due(20), LETTER)
    f.call(f.due(25), "17:50", FOLLOW_UP, VOICEMAIL, "Message laissé sur la messagerie.")
    sent, deadline = f.notice(f.due(40), NoticeChannel.ELECTRONIC_REGISTERED_LETTER)
    accepted = f.on(sent + DAY)  # the LRE is accepted online: the provider's proof comes at once
    f.acknowledge(accepted, AcknowledgementOutcome.DELIVERED, accepted)
    reference = (
        f"Procédure simplifiée de recouvrement des petites créances, dossier CJ-{derived_digits(f.invoice.number, 6)}"
    )
    f.escalate(deadline + 8 * DAY, EscalationRoute.SMALL_CLAIMS, reference)


def consumer_plan_missed(f: File) -> None:
    f.remind(R.FIRST, f.due(5))
    called = f.call(f.due(9), "17:30", FOLLOW_UP, REACHED, "La cliente demande à régler en quatre mensualités.")
    instalments = f.monthly(4, called + 11 * DAY)
    f.plan_payments(called + 3 * DAY, instalments)
    for due, value in instalments[:2]:
        f.pay(due, value)
    missed = f.miss(instalments[2][0] + 5 * DAY, 3)
    f.remind(R.SECOND, missed + 3 * DAY, LETTER)


def consumer_mediation_then_credit_note(f: File) -> None:
    opened = f.dispute(f.due(2), DisputeReason.NON_CONFORMING, "Lames disjointes et grincements dans le séjour.")
    reference = f"Médiateur de la consommation CM2C, dossier {derived_digits(f.invoice.number, 7)}"
    started = f.on(opened + 23 * DAY)
    f.add(started, "10:30", MANAGER, StartMediation(f.rid, started, reference))
    ended = f.on(started + 30 * DAY)
    outcome = "Accord de médiation : reprise des lames défectueuses et remise de 8 %."
    f.add(ended, "10:00", MANAGER, EndMediation(f.rid, ended, outcome))
    credit = cents(f.invoice.incl_vat * Decimal("0.08"))
    resolved = f.resolve(ended, DisputeOutcome.SETTLED, "Remise de 8 % selon l'accord de médiation.", credit)
    f.pay(resolved + 9 * DAY)


# fmt: off
SALES: tuple[Sale, ...] = (
    # debtor, issued days ago, amount excl. VAT, terms, story, label, order reference, contractual penalty rate
    Sale("pharmacie", 196, "18400.00", EOM30, paid_on_time,
         "Agencement de l'officine : comptoirs, linéaires et tiroirs (acompte 40 %)", "Devis D-{year}-0112"),
    Sale("pharmacie", 118, "27600.00", NET30, paid_after_courtesy,
         "Agencement de l'officine : solde à la réception des travaux", "Devis D-{year}-0112"),
    Sale("pharmacie", 12, "680.00", NET30, not_yet_due,
         "Contrat de maintenance annuelle de la porte automatique d'entrée"),
    Sale("brc", 182, "42350.00", NET45, paid_after_first_reminder,
         "Lot 05 menuiseries extérieures, Résidence Les Canuts : situation de travaux n° 3",
         "Marché BRC-{year}-017", "9.00"),
    Sale("brc", 152, "38900.00", NET45, paid_after_second_reminder_with_late_charges,
         "Lot 05 menuiseries extérieures, Résidence Les Canuts : situation de travaux n° 4",
         "Marché BRC-{year}-017", "9.00"),
    Sale("brc", 104, "36120.00", NET45, partially_paid_retention,
         "Lot 05 menuiseries extérieures, Résidence Les Canuts : situation de travaux n° 5",
         "Marché BRC-{year}-017", "9.00"),
    Sale("brc", 76, "29400.00", NET45, promised,
         "Lot 05 menuiseries extérieures, Résidence Les Canuts : situation de travaux n° 6",
         "Marché BRC-{year}-017", "9.00"),
    Sale("brc", 40, "14880.00", NET45, courtesy_before_due,
         "Fourniture de 24 blocs-portes coupe-feu EI30, Résidence Les Canuts", "Commande BRC-C-2291", "9.00"),
    Sale("moreau", 178, "8640.00", NET30, broken_promise_unclaimed_notice_payment_order,
         "Fourniture de menuiseries PVC, chantier Gratte-Ciel à Villeurbanne", "Commande MR-{year}-044"),
    Sale("moreau", 68, "3275.00", NET30, second_reminder_after_contact_change,
         "Fenêtres aluminium à rupture de pont thermique, chantier d'Oullins", "Commande MR-{year}-071"),
    Sale("moreau", 20, "290.00", NET30, not_yet_due,
         "Dépannage et réglage d'une porte de garage sectionnelle"),
    Sale("terreaux", 164, "21960.00", EOM30, disputed_then_credit_note,
         "Remplacement de 18 fenêtres bois-aluminium, 14 rue Sainte-Catherine", "Devis D-{year}-0147"),
    Sale("terreaux", 140, "2400.00", EOM30, credit_note_then_paid,
         "Entretien annuel des menuiseries des parties communes (6 immeubles)"),
    Sale("terreaux", 112, "5200.00", NET30, paused_then_resumed,
         "Garde-corps vitrés, terrasse du 6e étage, 22 quai Saint-Vincent", "Devis D-{year}-0203"),
    Sale("terreaux", 66, "6450.00", NET45, disputed_open,
         "Porte de hall sécurisée, 3 place des Terreaux", "Devis D-{year}-0187"),
    Sale("belvedere", 150, "28500.00", NET30, payment_plan_in_good_standing,
         "Rénovation des menuiseries des 32 chambres, phase 2", "Devis D-{year}-0095"),
    Sale("belvedere", 96, "3890.00", NET30, paid_by_direct_debit,
         "Stores bannes motorisés, terrasse du restaurant"),
    Sale("belvedere", 43, "4180.00", NET30, bounced_reminder,
         "Fourniture et pose de deux portes-fenêtres, salle du restaurant"),
    Sale("saone", 172, "33800.00", NET45, before_insolvency,
         "Menuiseries extérieures, Résidence Les Pierres Dorées : lot 1", "Marché RSB-{year}-03"),
    Sale("saone", 142, "12400.00", NET45, before_insolvency,
         "Menuiseries extérieures, Résidence Les Pierres Dorées : lot 2", "Marché RSB-{year}-03"),
    Sale("dauphine", 188, "11760.00", NET30, partial_promise_then_notice_agency,
         "Façades et plans de travail, lot cuisines de la résidence Europole", "Commande ACD-5520"),
    Sale("dauphine", 108, "1940.00", NET30, promise_kept,
         "Plans de travail stratifiés, showroom de Meylan", "Commande ACD-5588"),
    Sale("dauphine", 56, "6980.00", NET30, mediation_under_way,
         "Façades laquées, commande n° 2 de la résidence Europole", "Commande ACD-5631"),
    Sale("fournier", 198, "65.00", NET30, written_off,
         "Réparation de la porte du fournil"),
    Sale("fournier", 130, "1150.00", NET30, paid_by_cheque_after_second_reminder,
         "Habillage bois de la vitrine réfrigérée"),
    Sale("fournier", 92, "148.00", NET30, paid_by_cheque_on_time,
         "Remplacement d'une serrure trois points, porte de service"),
    Sale("lefevre", 140, "3150.00", CONSUMER, consumer_notice_by_lre_small_claims,
         "Fourniture et pose d'une porte d'entrée en aluminium", "Devis D-{year}-0131"),
    Sale("lefevre", 33, "185.00", CONSUMER, sms_reminder,
         "Réparation d'un volet roulant électrique"),
    Sale("bonnet", 166, "2450.00", CONSUMER, paid_by_card_after_courtesy,
         "Dressing sur mesure, chambre parentale", "Devis D-{year}-0121"),
    Sale("bonnet", 158, "9850.00", CONSUMER, consumer_plan_missed,
         "Cuisine équipée sur mesure : fourniture et pose", "Devis D-{year}-0124"),
    Sale("garnier", 124, "7360.00", CONSUMER, consumer_mediation_then_credit_note,
         "Parquet chêne massif, fourniture et pose (64 m²)", "Devis D-{year}-0160"),
    Sale("garnier", 9, "120.00", CONSUMER, not_yet_due,
         "Entretien annuel des fenêtres de toit"),
)
# fmt: on

SAMPLE_STORY = broken_promise_unclaimed_notice_payment_order  # the file the summary suggests replaying
