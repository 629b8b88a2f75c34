"""Issuing departments' Ed25519 keys: created on first use, sealed at rest, published.

Each department that issues certificates has its own key (a leaked key of one department
cannot sign another's licences). The 32-byte seed is sealed with the platform's vault
(AES-256-GCM, the key id as associated data), so the database alone cannot sign; the
public key is published at ``GET /api/v1/credentials/issuers`` for offline verifiers.
Rotating retires the current key — it stays published, and certificates it signed before
its retirement keep verifying — and creates a new one.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onevisit.credentials.errors import CredentialError
from onevisit.credentials.format import instant
from onevisit.credentials.models import CredentialIssuer
from onevisit.credentials.verify import IssuerKey
from onevisit.identity.models import Department
from onevisit.kernel.crypto import DecryptionError, PersonalDataVault
from onevisit.kernel.errors import AppError, NotFound
from onevisit.kernel.i18n import N_
from onevisit.kernel.rows import Rows
from onevisit.kernel.uow import UnitOfWork
from onevisit.ledger.signing import SigningKey, key_id

_SEALED = b"credential-issuer-key:"
_CACHE: dict[str, SigningKey] = {}
_CACHE_LOCK = threading.Lock()


def kid_of(public_key: bytes) -> str:
    return key_id(public_key)[:16]


def department_by_code(session: Session, code: str) -> Department:
    department = session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(
            CredentialError.DEPARTMENT_UNKNOWN,
            N_("The issuing department %(code)s is not registered."),
            params={"code": code[:32]},
        )
    return department


def _create(uow: UnitOfWork, department: Department) -> CredentialIssuer:
    key = SigningKey.from_seed(os.urandom(32))
    kid = kid_of(key.public)
    issuer = CredentialIssuer(
        department_id=department.id,
        kid=kid,
        public_key=key.public,
        private_key_enc=uow.platform.vault.encrypt(key.seed().hex(), context=_SEALED + kid.encode()),
        created_at=uow.clock.now(),
    )
    uow.session.add(issuer)
    with _CACHE_LOCK:
        _CACHE[kid] = key
    return issuer


def active_issuer(uow: UnitOfWork, department: Department) -> CredentialIssuer:
    """The department's current key, created (and audited) the first time it issues."""
    session = uow.session
    query = select(CredentialIssuer).where(
        CredentialIssuer.department_id == department.id, CredentialIssuer.retired_at.is_(None)
    )
    issuer = session.scalar(query)
    if issuer is not None:
        return issuer
    if session.get_bind().dialect.name == "sqlite":
        # No savepoint dance on SQLite (pysqlite's SAVEPOINTs are unreliable); two first
        # issuances of one department racing would fail one transaction, which can be retried.
        issuer = _create(uow, department)
        session.flush()
    else:
        try:
            with session.begin_nested():
                issuer = _create(uow, department)
        except IntegrityError:  # another process created it a moment ago
            found = session.scalar(query)
            if found is None:  # pragma: no cover - the unique index says it exists
                raise
            return found
    uow.audit("credentials.key_created", "department", department.code, {"kid": issuer.kid})
    return issuer


def rotate_key(uow: UnitOfWork, department_code: str) -> CredentialIssuer:
    """Retires the department's key (it stays published) and creates a new one."""
    department = department_by_code(uow.session, department_code)
    current = uow.session.scalar(
        select(CredentialIssuer)
        .where(CredentialIssuer.department_id == department.id, CredentialIssuer.retired_at.is_(None))
        .with_for_update()
    )
    retired = None
    if current is not None:
        current.retired_at = uow.clock.now()
        retired = current.kid
        uow.session.flush()
    issuer = _create(uow, department)
    uow.session.flush()
    forget_keyrings()
    uow.audit("credentials.key_rotated", "department", department.code, {"kid": issuer.kid, "retired": retired})
    return issuer


def signing_key(vault: PersonalDataVault, issuer: CredentialIssuer) -> SigningKey:
    """The issuer's private key, unsealed once per process."""
    key = _CACHE.get(issuer.kid)
    if key is not None:
        return key
    try:
        seed = bytes.fromhex(vault.decrypt(issuer.private_key_enc, context=_SEALED + issuer.kid.encode()))
    except (DecryptionError, ValueError) as exc:
        raise AppError(
            CredentialError.KEY_UNAVAILABLE,
            N_("The signing key of this department cannot be opened with the configured data key."),
            status=500,
        ) from exc
    key = SigningKey.from_seed(seed)
    if key.public != issuer.public_key:
        raise AppError(
            CredentialError.KEY_UNAVAILABLE,
            N_("The department's sealed key does not match its public key."),
            status=500,
        )
    with _CACHE_LOCK:
        _CACHE[issuer.kid] = key
    return key


@dataclass(frozen=True, slots=True)
class Signer:
    """What issuing needs of a department: who it is and its active key, unsealed."""

    department_id: int
    department_code: str
    region_code: str
    issuer_id: int
    kid: str
    key: SigningKey


#: run on the DB-API cursor (kernel.rows): it is read on every issuance batch
_SIGNER = (
    "SELECT d.id, d.code, d.region_code, i.id, i.kid, i.public_key, i.private_key_enc "
    "FROM departments d LEFT JOIN credential_issuers i ON i.department_id = d.id AND i.retired_at IS NULL "
    "WHERE d.code = %s"
)


def signer_for(uow: UnitOfWork, department_code: str) -> Signer:
    """The department and its active key in one statement (the key created on first use)."""
    found = Rows(uow.session).all(_SIGNER, [department_code])
    row = found[0] if found else None
    if row is None or row[3] is None:
        department = department_by_code(uow.session, department_code)
        issuer = active_issuer(uow, department)
        return Signer(
            department.id,
            department.code,
            department.region_code,
            issuer.id,
            issuer.kid,
            signing_key(uow.platform.vault, issuer),
        )
    dept_id, code, region, issuer_id, kid, public_key, sealed = row
    key = _CACHE.get(kid)
    if key is None:
        probe = CredentialIssuer(kid=kid, public_key=bytes(public_key), private_key_enc=bytes(sealed))
        key = signing_key(uow.platform.vault, probe)
    return Signer(int(dept_id), code, region, int(issuer_id), kid, key)


def published(session: Session) -> list[tuple[CredentialIssuer, Department]]:
    rows = session.execute(
        select(CredentialIssuer, Department)
        .join(Department, Department.id == CredentialIssuer.department_id)
        .order_by(Department.code, CredentialIssuer.created_at)
    ).all()
    return [(issuer, department) for issuer, department in rows]


def trusted_keys(session: Session) -> dict[str, IssuerKey]:
    """Every published key by kid, as the verifier wants them."""
    return {
        issuer.kid: IssuerKey(
            kid=issuer.kid,
            department=department.code,
            public_key=issuer.public_key,
            name_zh=department.name_zh,
            name_en=department.name_en,
            retired_at=instant(issuer.retired_at) if issuer.retired_at else None,
        )
        for issuer, department in published(session)
    }


#: How long a process trusts its copy of the published keys before re-reading them (a key
#: it has never seen is looked up at once; a retirement shows within this many seconds).
KEYS_TTL_SECONDS = 60.0
_KEYRINGS: dict[tuple[int, str], tuple[float, dict[str, IssuerKey]]] = {}


class KeyRing(Mapping[str, IssuerKey]):
    """The published keys, cached per database for :data:`KEYS_TTL_SECONDS`; an unknown kid
    re-reads them once, so a department's first key is trusted the moment it exists."""

    def __init__(self, session: Session) -> None:
        bind = session.get_bind()
        self._session = session
        self._key = (id(bind), str(bind.engine.url))
        hit = _KEYRINGS.get(self._key)
        self._refreshed = False
        if hit is None or time.monotonic() - hit[0] > KEYS_TTL_SECONDS:
            self._refresh()
        else:
            self._keys = hit[1]

    def _refresh(self) -> None:
        self._keys = trusted_keys(self._session)
        _KEYRINGS[self._key] = (time.monotonic(), self._keys)
        self._refreshed = True

    def __getitem__(self, kid: str) -> IssuerKey:
        if kid not in self._keys and not self._refreshed:
            self._refresh()
        return self._keys[kid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def forget_keyrings() -> None:
    _KEYRINGS.clear()
