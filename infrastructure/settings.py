"""The one settings class. Every variable has the ``RELANCE_`` prefix; nothing is read at import."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELANCE_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Field(default=Path("var"), description="Embedded store and documents (SQLite default)")
    database_url: SecretStr | None = Field(default=None, description="postgresql://… ; unset means embedded SQLite")
    timezone: str = Field(default="Europe/Paris", description="The firm's calendar: what 'today' means")
    postgres_pool_size: int = Field(default=5, ge=1, le=100)
    postgres_max_overflow: int = Field(default=10, ge=0, le=100)
    postgres_lock_timeout_seconds: int = Field(default=5, ge=1, le=600)
    postgres_connect_timeout_seconds: int = Field(
        default=5, ge=1, le=60, description="Wait for a connection (new or from the pool) before answering 503"
    )
    token_cache_seconds: int = Field(
        default=60,
        ge=0,
        le=3600,
        description="PostgreSQL: how long an API worker may keep a token it looked up (each change to the "
        "tokens empties every worker's cache at once); 0: look every token up on every request",
    )
    host: str = Field(default="127.0.0.1", description="relance serve: address to listen on")
    port: int = Field(default=8000, ge=1, le=65535, description="relance serve: TCP port")
    workers: int = Field(default=1, ge=1, le=64, description="relance serve: worker processes")
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        le=64 * 1024 * 1024,
        description="Largest JSON request body (413 above it, before authentication); uploads have their own limits",
    )
    auth_failures_per_minute: int = Field(
        default=10,
        ge=1,
        le=100_000,
        description="Unknown or revoked tokens one client address may present per minute before 429",
    )
    console_session_hours: int = Field(
        default=10, ge=1, le=24 * 7, description="Console: a session ends this many hours after sign-in"
    )
    console_idle_minutes: int = Field(
        default=60, ge=1, le=24 * 60, description="Console: a session ends after this many minutes without a request"
    )
    console_lockout_attempts: int = Field(
        default=5, ge=1, le=100, description="Console: failed sign-ins in a row that lock an account"
    )
    console_lockout_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="Console: how long a locked account refuses every sign-in"
    )
    console_secure_cookies: bool = Field(
        default=True,
        description="Console: the session cookie is Secure (sent over HTTPS only; browsers also send it to "
        "http://localhost). Turn off only behind no TLS at all, on a closed network",
    )
    projections_in_process: bool | None = Field(
        default=None,
        description="relance serve runs the projections in a background thread and queries catch up first; "
        "unset: yes on SQLite, no on PostgreSQL (run `relance projections run` instead)",
    )
    signing_key_file: Path | None = Field(
        default=None,
        description="Ed25519 private key (PEM) signing digests and bundles; unset: data_dir/signing_key.pem",
    )
    firm_name: str | None = Field(default=None, description="The creditor's name, as evidence dossiers show it")
    tsa_url: str | None = Field(default=None, description="RFC 3161 timestamping authority for each digest (optional)")
    imputation: Literal["principal_first", "interest_first"] = Field(
        default="principal_first",
        description="Partial payments: Code civil 1342-10, or 1343-1 once charges are claimed",
    )
    penalty_rate_reading: Literal["per_day", "delay_start"] = Field(
        default="per_day", description="A delay over several half-years: each day's rate, or the first half-year's"
    )
    limitation_alert_days: int = Field(default=90, ge=0, le=3650, description="Alert this long before limitation")
    # Retention of personal data (issue 19, decision 0105): `relance privacy retention run`.
    retention_grace_months: int = Field(
        default=0,
        ge=0,
        le=120,
        description="A natural person's data is erased once every receivable of theirs is closed and its limitation "
        "date has passed, plus this many months (the receivables' accounting records are never erased)",
    )
    # The creditor as its letters show it (issue 5): name above, then address, identifiers, terms of sale.
    firm_address: str | None = Field(
        default=None, description="Postal address, lines separated by '|' (as in the CSV imports) or newlines"
    )
    firm_siren: str | None = Field(default=None, description="The firm's SIREN, printed on its letters")
    # Code de commerce R123-237: a company's letters show its legal form, share capital and RCS.
    firm_legal_form: str | None = Field(default=None, description="Legal form printed on letters, e.g. SARL, SAS")
    firm_share_capital: str | None = Field(default=None, description="Share capital as printed, e.g. '10 000 €'")
    firm_rcs_city: str | None = Field(default=None, description="City of the RCS registry: 'RCS Lyon 552 100 554'")
    firm_place: str | None = Field(
        default=None, description="Place written before the date ('Lyon, le …'); unset: the address's city"
    )
    firm_consumer_mediator: str | None = Field(
        default=None,
        description="The consumer mediator the firm adheres to, name and address (Code de la consommation "
        "L612-1, L616-1), printed on letters and e-mails to consumers",
    )
    firm_consumer_mediator_website: str | None = Field(default=None, description="The consumer mediator's website")
    firm_email: str | None = Field(default=None, description="Reply address of reminder e-mails")
    firm_phone: str | None = Field(default=None, description="Telephone printed on letters")
    firm_iban: str | None = Field(default=None, description="Bank account printed for payment")
    firm_bic: str | None = Field(
        default=None, pattern=r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$", description="BIC printed beside the IBAN"
    )
    firm_payment_link: str | None = Field(
        default=None,
        description="Online payment page, https, with {reference}, {invoices} and {amount} filled per document",
    )
    firm_signatory: str | None = Field(default=None, description="Who signs letters and formal notices")
    terms_of_sale_reference: str = Field(
        default="nos conditions générales de vente", description="How letters refer to the terms of sale"
    )
    template_dir: Path | None = Field(
        default=None, description="Firm overrides of the French templates (same file names); unset: shipped ones"
    )
    policy_dir: Path | None = Field(
        default=None, description="Extra dunning policies (*.toml) loaded beside the shipped default and light ones"
    )
    # Sending e-mails (issue 5). Unset host: e-mails are not sent and the run says so.
    smtp_host: str | None = Field(default=None, description="SMTP server for reminder e-mails")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = Field(default=None)
    smtp_password: SecretStr | None = Field(default=None)
    smtp_starttls: bool = Field(default=False, description="Upgrade the connection with STARTTLS")
    smtp_ssl: bool = Field(default=False, description="Implicit TLS (port 465)")
    smtp_from: str | None = Field(default=None, description="Sender address; unset: firm_email")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # What comes back of the e-mails (issue 17, decision 0099): bounces and replies over IMAP, Brevo's events.
    imap_host: str | None = Field(default=None, description="IMAP server of the mailbox receiving bounces and replies")
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_user: str | None = Field(default=None)
    imap_password: SecretStr | None = Field(default=None)
    imap_folder: str = Field(default="INBOX", max_length=200, description="Folder read by `relance mail fetch`")
    imap_tls: bool = Field(default=True, description="Implicit TLS (port 993); false only for a local server")
    # Imports (issue 8): the dunning run refuses to send on stale bank data unless forced.
    bank_statement_max_age_days: int = Field(
        default=3, ge=0, le=365, description="Dunning refuses to send when the latest bank statement is older"
    )
    letters_post_within_days: int = Field(
        default=3,
        ge=0,
        le=60,
        description="A letter prepared by the dunning run and not posted after this many days comes back on the"
        " worklist (RELANCE_LETTERS_POST_WITHIN_DAYS).",
    )
    # Electronic registered letters (LRE) through a provider (issue 17, decision 0100). Unset: posted by hand.
    lre_provider: Literal["ar24"] | None = Field(
        default=None, description="The LRE provider submitting formal notices by electronic_registered_letter"
    )
    lre_base_url: str = Field(default="https://app.ar24.fr/api", description="The provider's API (production)")
    lre_token: SecretStr | None = Field(default=None, description="AR24 API token")
    lre_private_key: SecretStr | None = Field(default=None, description="AR24 private key (signs each call)")
    lre_user_id: str | None = Field(default=None, description="AR24 id_user of the sender (the firm's account)")
    lre_callback_url: str | None = Field(
        default=None, description="Where the provider posts status callbacks: .../v1/webhooks/lre?secret=..."
    )
    lre_callback_secret: SecretStr | None = Field(
        default=None, description="The secret the callback URL carries (POST /v1/webhooks/lre?secret=)"
    )
    lre_timeout_seconds: float = Field(default=30.0, gt=0, le=300)

    @model_validator(mode="after")
    def _lre_complete(self) -> Settings:
        if self.lre_provider is not None:
            missing = [n for n in ("lre_token", "lre_private_key", "lre_user_id", "lre_callback_secret")
                       if not getattr(self, n)]  # fmt: skip
            if missing:
                names = ", ".join("RELANCE_" + n.upper() for n in missing)
                raise ValueError(f"RELANCE_LRE_PROVIDER is set: {names} must be set too")
        return self

    # SMS (issue 17, decision 0098). Unset provider: the run refuses SMS steps (sms_not_available).
    sms_provider: Literal["brevo"] | None = Field(default=None, description="SMS provider; unset: no SMS is sent")
    sms_sender: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9]{3,11}$", description="Sender shown on the phone: 3 to 11 letters or digits"
    )
    sms_timeout_seconds: float = Field(default=10.0, gt=0, le=120, description="Wait for the SMS provider's answer")
    brevo_api_key: SecretStr | None = Field(default=None, description="Brevo API key (header api-key)")
    brevo_api_url: str = Field(default="https://api.brevo.com/v3", description="Brevo API base URL")
    brevo_webhook_secret: SecretStr | None = Field(
        default=None,
        description="Bearer secret Brevo's webhooks send (POST /v1/webhooks/brevo/sms and /email); unset: both are off",
    )

    @field_validator("firm_payment_link")
    @classmethod
    def _payment_link_template(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith("https://"):
            raise ValueError("RELANCE_FIRM_PAYMENT_LINK must be an https:// address")
        try:
            value.format_map({"reference": "R", "invoices": "F", "amount": "1.00"})
        except (KeyError, ValueError, IndexError) as error:
            raise ValueError(
                f"RELANCE_FIRM_PAYMENT_LINK: only {{reference}}, {{invoices}} and {{amount}} may be filled in ({error})"
            ) from None
        return value

    @model_validator(mode="after")
    def _sms_provider_complete(self) -> Settings:
        if self.sms_provider == "brevo" and (self.brevo_api_key is None or self.sms_sender is None):
            raise ValueError("RELANCE_SMS_PROVIDER=brevo needs RELANCE_BREVO_API_KEY and RELANCE_SMS_SENDER")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("signing_key_file", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("RELANCE_DATABASE_URL must be a postgresql:// URL")
        return value

    @property
    def uses_postgres(self) -> bool:
        return self.database_url is not None

    @property
    def runs_projections_in_process(self) -> bool:
        if self.projections_in_process is None:
            return not self.uses_postgres
        return self.projections_in_process

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "ledger.sqlite"
