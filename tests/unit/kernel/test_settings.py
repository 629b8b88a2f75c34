"""Settings fail fast: no default or short secret outside development."""

from __future__ import annotations

import pytest

from onevisit.kernel.settings import DEFAULT_SECRET, Environment, Settings, SettingsError

LONG_SECRET = "k" * 32


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ONEVISIT_ENVIRONMENT", "ONEVISIT_SECRET_KEY", "ONEVISIT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("secret", [None, DEFAULT_SECRET, "k" * 31])
def test_production_refuses_the_default_or_a_short_secret(monkeypatch: pytest.MonkeyPatch, secret: str | None) -> None:
    monkeypatch.setenv("ONEVISIT_ENVIRONMENT", "production")
    if secret is not None:
        monkeypatch.setenv("ONEVISIT_SECRET_KEY", secret)
    with pytest.raises(SettingsError, match="ONEVISIT_SECRET_KEY"):
        Settings()


def test_production_accepts_a_long_random_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEVISIT_ENVIRONMENT", "production")
    monkeypatch.setenv("ONEVISIT_SECRET_KEY", LONG_SECRET)
    settings = Settings()
    assert settings.environment is Environment.PRODUCTION
    assert settings.secret_key == LONG_SECRET
    assert settings.cookies_secure  # Secure cookies by default in production
    assert not settings.is_development


@pytest.mark.parametrize("secret", [None, "short"])
def test_development_accepts_the_default_or_a_short_secret(monkeypatch: pytest.MonkeyPatch, secret: str | None) -> None:
    monkeypatch.setenv("ONEVISIT_ENVIRONMENT", "development")
    if secret is not None:
        monkeypatch.setenv("ONEVISIT_SECRET_KEY", secret)
    settings = Settings()
    assert settings.is_development
    assert settings.secret_key == (secret or DEFAULT_SECRET)
    assert not settings.cookies_secure


def test_limits_must_be_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEVISIT_MAX_REQUEST_BYTES", "0")
    with pytest.raises(ValueError, match="max_request_bytes"):
        Settings()
