"""The LRE provider the settings name (decision 0100): AR24, or None when unset (LREs are then posted by hand)."""

from __future__ import annotations

from application.registered_email import RegisteredEmail
from infrastructure.ar24 import Ar24
from infrastructure.settings import Settings


def registered_email_from_settings(settings: Settings) -> RegisteredEmail | None:
    if settings.lre_provider != "ar24":
        return None
    assert settings.lre_token and settings.lre_private_key and settings.lre_user_id  # checked by Settings
    return Ar24(
        token=settings.lre_token.get_secret_value(),
        private_key=settings.lre_private_key.get_secret_value(),
        user_id=settings.lre_user_id,
        base_url=settings.lre_base_url,
        timeout=settings.lre_timeout_seconds,
        callback_url=settings.lre_callback_url,
    )
