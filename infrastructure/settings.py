"""The one settings class. Every variable has the ``RELANCE_`` prefix; nothing is read at import."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
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
    host: str = Field(default="127.0.0.1", description="relance serve: address to listen on")
    port: int = Field(default=8000, ge=1, le=65535, description="relance serve: TCP port")
    workers: int = Field(default=1, ge=1, le=64, description="relance serve: worker processes")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

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
    def sqlite_path(self) -> Path:
        return self.data_dir / "ledger.sqlite"
