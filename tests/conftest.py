"""Shared fixtures.

Tests run against a real database: SQLite by default, PostgreSQL when
``ONEVISIT_TEST_DATABASE_URL`` points at one (``make test`` starts a throwaway cluster and
runs the suite a second time that way). Each test gets a freshly migrated database.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from onevisit.identity.services.people import ensure_regions
from onevisit.kernel.clock import FrozenClock
from onevisit.kernel.db import Base, Database
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import Environment, Settings
from onevisit.tables import metadata

PG_URL = os.environ.get("ONEVISIT_TEST_DATABASE_URL", "")
NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)

assert metadata is Base.metadata


def _fresh_database_url(tmp_path: Path) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE onevisit_template'))
    base = PG_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    for url in _fresh_database_url(tmp_path):
        yield Settings(
            environment=Environment.DEVELOPMENT,
            database_url=url,
            secret_key="test-secret-key-that-is-long-enough-0123456789",
        )


@pytest.fixture
def platform(settings: Settings, clock: FrozenClock) -> Iterator[Platform]:
    platform = Platform(settings, database=Database(settings.database_url), clock=clock)
    if platform.db.is_sqlite:
        from onevisit.kernel.migrate import upgrade

        upgrade(platform.db.engine)
    with platform.uow() as uow:
        ensure_regions(uow.session)
    yield platform
    platform.close()


@pytest.fixture(scope="session", autouse=True)
def _postgres_template() -> None:
    """On PostgreSQL, migrate a template database once; each test clones it (fast)."""
    if not PG_URL:
        return
    from onevisit.kernel.migrate import upgrade

    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    base = PG_URL.rsplit("/", 1)[0]
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(4242)"))
        try:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = 'onevisit_template'")).first()
            if not exists:
                conn.execute(text("CREATE DATABASE onevisit_template"))
                engine = create_engine(f"{base}/onevisit_template".replace("postgresql://", "postgresql+psycopg://"))
                upgrade(engine)
                engine.dispose()
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(4242)"))
    admin.dispose()


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at minimal cost: verification reads the cost from each stored hash, so only
    speed changes, not behaviour (production keeps argon2-cffi's RFC 9106 profile)."""
    from onevisit.identity.services import login
    from onevisit.kernel import passwords
    from tests.common.factories import cheap_password_hashing

    monkeypatch.setattr(passwords, "_hasher", cheap_password_hashing())
    monkeypatch.setattr(login, "_DUMMY_HASH", passwords.hash_password("not-a-real-password"))
