"""Wires the SMS channel from the settings: the provider's gateway and where its message ids are kept."""

from __future__ import annotations

from application.ledger import Ledger
from application.sms_dispatch import SmsChannel
from application.sms_reports import SmsDeliveryReports
from infrastructure.brevo_sms import BrevoSms
from infrastructure.dispatches import DispatchStore
from infrastructure.documents import DocumentStore
from infrastructure.provider_messages import ProviderMessageStore
from infrastructure.settings import Settings
from infrastructure.sql import Database

BREVO = "brevo"


def sms_channel_from_settings(settings: Settings, database: Database) -> SmsChannel | None:
    """None while no provider is configured: the run then refuses SMS steps, dry run and real run alike."""
    if settings.sms_provider != BREVO or settings.brevo_api_key is None or settings.sms_sender is None:
        return None
    gateway = BrevoSms(
        api_key=settings.brevo_api_key.get_secret_value(), base_url=settings.brevo_api_url,
        sender=settings.sms_sender, timeout_seconds=settings.sms_timeout_seconds,
    )  # fmt: skip
    return SmsChannel(provider=BREVO, gateway=gateway, messages=ProviderMessageStore(database))


def build_sms_reports(ledger: Ledger, database: Database, documents: DocumentStore) -> SmsDeliveryReports:
    """Brevo's delivery reports, recorded on the receivables of the dispatch each one names."""
    return SmsDeliveryReports(
        ledger, ProviderMessageStore(database), DispatchStore(database), documents, provider=BREVO
    )
