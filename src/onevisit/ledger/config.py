"""Ledger settings, read from ``ONEVISIT_LEDGER_*`` environment variables.

``ONEVISIT_LEDGER_KEY_FILE``
    A file holding the ledger's 32-byte master seed (64 hex characters, or a PKCS#8 PEM
    Ed25519 private key). Each log's Ed25519 signing key is derived from it with HKDF and
    the log's name. Create one with ``onevisit ledger keygen --key-file PATH``; keep it
    with the deployment's secrets (it is what makes a tree head trustworthy).
    When unset, the seed is derived from ``ONEVISIT_SECRET_KEY`` (which the platform
    refuses to leave at its default outside development), so development just works.
``ONEVISIT_LEDGER_WITNESS_QUORUM``
    How many registered witnesses must co-sign a tree head before it is final (default 1).
``ONEVISIT_LEDGER_HEAD_INTERVAL_SECONDS``
    How often the web process signs a new head for each log that has grown (its in-process
    head signer, :mod:`onevisit.ledger.signer`); 0 turns that signer off. Default: 300 in
    development (so a local server keeps fresh heads), 0 elsewhere: run
    ``onevisit ledger sign-heads --every 300`` as its own process, or set this.
``ONEVISIT_LEDGER_SQLITE_MMAP_BYTES``
    SQLite only: the ``mmap_size`` the proof path sets on the connections it uses (default
    4 GiB, 0 = SQLite's default). See ``docs/ledger.md`` (benchmark) for what it buys.
``ONEVISIT_LEDGER_SQLITE_APPEND_CACHE_BYTES``
    SQLite only: the page cache a batch append works in (default 64 MiB, 0 = leave the
    connection's). Set for the append's inserts and put back right after them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from onevisit.kernel.settings import Settings
from onevisit.ledger.signing import LogKeys, read_seed_file


class LedgerConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONEVISIT_LEDGER_", env_file=None, extra="ignore")

    key_file: Path | None = None
    witness_quorum: int = Field(default=1, ge=0, le=64)
    #: Unset: 300 in development, 0 elsewhere (see :meth:`head_interval`).
    head_interval_seconds: int | None = Field(default=None, ge=0)
    #: Largest entry accepted, in bytes (entries are records and hashes, not documents).
    max_entry_bytes: int = Field(default=256 * 1024, gt=0)
    #: SQLite only: ``PRAGMA mmap_size`` set on a pooled connection the first time it serves
    #: a proof, so proofs read the log's pages from memory instead of one ``pread`` system
    #: call per page (it maps the file; it does not copy it). 0 leaves SQLite's default.
    sqlite_mmap_bytes: int = Field(default=4 << 30, ge=0)
    #: SQLite only: ``PRAGMA cache_size`` for the inserts of a batch append, then put back.
    #: A batch inserts into the leaf-key index at random places; with SQLite's default 2 MB
    #: cache most of those pages are read again from the OS and dirty ones are spilled to
    #: the WAL mid-transaction. The cache fills only as far as the batch needs.
    sqlite_append_cache_bytes: int = Field(default=64 << 20, ge=0)

    def head_interval(self, settings: Settings) -> int:
        """Seconds between heads: the setting, else 300 in development and 0 (off) elsewhere."""
        return head_interval_for(self, settings)


DEVELOPMENT_HEAD_INTERVAL_SECONDS = 300


def head_interval_for(config: LedgerConfig, settings: Settings) -> int:
    if config.head_interval_seconds is not None:
        return config.head_interval_seconds
    return DEVELOPMENT_HEAD_INTERVAL_SECONDS if settings.is_development else 0


@lru_cache(maxsize=1)
def get_ledger_config() -> LedgerConfig:
    return LedgerConfig()


@lru_cache(maxsize=8)
def _keys(secret_key: str, key_file: Path | None) -> LogKeys:
    if key_file is not None:
        return LogKeys(read_seed_file(key_file))
    return LogKeys.from_secret(secret_key)


def log_keys(settings: Settings, config: LedgerConfig | None = None) -> LogKeys:
    """The per-log signing keys for this deployment (from the key file, else the secret)."""
    config = config or get_ledger_config()
    return _keys(settings.secret_key, config.key_file)
