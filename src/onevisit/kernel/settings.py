"""One settings object, read from ``ONEVISIT_*`` environment variables.

Outside development the platform refuses to start with a default secret, the way the
FastAPI full-stack template refuses ``changethis``.
"""

from __future__ import annotations

import enum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "development-only-secret-change-me"  # noqa: S105 - the sentinel we refuse
PROJECT_ROOT = Path(__file__).resolve().parents[3]


class Environment(enum.StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class SettingsError(RuntimeError):
    """Raised when the settings are unsafe for the chosen environment."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONEVISIT_", env_file=None, extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    #: Signs session cookies and CSRF tokens; derives the data keys unless given separately.
    secret_key: str = DEFAULT_SECRET
    #: 32-byte key (hex) for encrypting personal data at rest; derived from secret_key if empty.
    data_key: str = ""
    #: Key (hex) for the blind index over personal identifiers; derived from secret_key if empty.
    index_key: str = ""
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'onevisit.db'}"
    database_echo: bool = False
    base_url: str = "http://127.0.0.1:8000"
    default_locale: str = "zh_Hans_CN"
    #: "dev" keeps messages in the database for the development outbox page.
    sms_gateway: str = "dev"
    email_gateway: str = "dev"
    session_max_age_seconds: int = Field(default=8 * 3600, gt=0)
    login_max_failures: int = Field(default=5, gt=0)
    login_lockout_seconds: int = Field(default=15 * 60, gt=0)
    otp_ttl_seconds: int = Field(default=300, gt=0)
    max_form_field_length: int = Field(default=2000, gt=0)
    max_request_bytes: int = Field(default=1_000_000, gt=0)
    #: Send the Secure flag on cookies (on by default outside development and test).
    secure_cookies: bool | None = None

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        unsafe = self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32
        if self.environment is not Environment.DEVELOPMENT and unsafe:
            raise SettingsError(
                "ONEVISIT_SECRET_KEY must be set to a random value of at least 32 characters "
                "outside development (it is the default or too short)."
            )
        return self

    @property
    def is_development(self) -> bool:
        return self.environment is Environment.DEVELOPMENT

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.environment is Environment.PRODUCTION

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
