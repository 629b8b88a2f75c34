"""Share links: a holder gives a verifier (a landlord, an employer, a platform) a link that
shows chosen claims of one certificate, verified, until it expires or the holder revokes it.

The link carries a random 192-bit token; the table keeps its SHA-256 for lookups and the
token sealed by the vault so the holder can copy the link again later. Opening a link counts
the view, so the holder sees whether it was used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit import ledger
from onevisit.credentials.errors import CredentialError
from onevisit.credentials.inclusion import CERTIFICATE_LOG
from onevisit.credentials.models import Credential, Share
from onevisit.credentials.services.wallet import check_claims, disclosures
from onevisit.kernel.crypto import PersonalDataVault
from onevisit.kernel.errors import AppError, InvalidInput, NotFound
from onevisit.kernel.i18n import N_
from onevisit.kernel.ids import token as new_token
from onevisit.kernel.uow import UnitOfWork
from onevisit.ledger.errors import LedgerNotFoundError

#: How long a link may live, in hours, and how each choice is labelled.
DURATIONS: Mapping[int, str] = {
    1: N_("1 hour"),
    24: N_("1 day"),
    168: N_("7 days"),
    720: N_("30 days"),
}
DEFAULT_DURATION = 24
_CONTEXT = b"credential-share"
MAX_ACTIVE_SHARES = 50


class LinkGone(AppError):
    status = 410


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def share_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/credentials/s/{token}"


def ensure_on_signed_head(uow: UnitOfWork, credential: Credential) -> None:
    """Signs a tree head of the certificate log if none covers this certificate yet, so the
    link's verifier can check the ledger proof at once rather than after the next interval."""
    if credential.ledger_index is None:
        return
    try:
        head = ledger.latest_head(uow.session, CERTIFICATE_LOG)
        covered = head.head.tree_size > credential.ledger_index
    except LedgerNotFoundError:
        covered = False
    if not covered:
        ledger.sign_head(uow, CERTIFICATE_LOG)


def create_share(uow: UnitOfWork, credential: Credential, *, claims: Iterable[str], hours: int) -> tuple[Share, str]:
    """A new link; returns the row and the token (the only time it is shown in clear)."""
    if hours not in DURATIONS:
        raise InvalidInput(CredentialError.SHARE_INVALID, N_("Choose how long the link should work."))
    available = [d.name for d in disclosures(uow.platform.vault, credential)]
    chosen = check_claims(credential, available, claims)
    now = uow.clock.now()
    active = uow.session.scalars(
        select(Share.id).where(Share.credential_id == credential.id, Share.revoked_at.is_(None), Share.expires_at > now)
    ).all()
    if len(active) >= MAX_ACTIVE_SHARES:
        raise InvalidInput(
            CredentialError.SHARE_INVALID,
            N_("This certificate already has %(count)s links in use: revoke some first."),
            params={"count": len(active)},
        )
    token = new_token(24)
    share = Share(
        credential_id=credential.id,
        token_hash=token_hash(token),
        token_enc=uow.platform.vault.encrypt(token, context=_CONTEXT),
        claims=chosen,
        created_by_account_id=uow.actor.account_id,
        created_at=now,
        expires_at=now + dt.timedelta(hours=hours),
        views=0,
    )
    uow.session.add(share)
    uow.session.flush()
    ensure_on_signed_head(uow, credential)
    uow.audit(
        "credentials.share_created",
        "credential",
        credential.number,
        {"share": share.id, "claims": chosen, "hours": hours},
    )
    return share, token


def revoke_share(uow: UnitOfWork, credential: Credential, share_id: int) -> Share:
    share = uow.session.get(Share, share_id)
    if share is None or share.credential_id != credential.id or share.revoked_at is not None:
        raise NotFound(CredentialError.SHARE_NOT_FOUND, N_("There is no such link to revoke."))
    share.revoked_at = uow.clock.now()
    uow.audit("credentials.share_revoked", "credential", credential.number, {"share": share.id})
    return share


def shares_of(session: Session, credential: Credential) -> list[Share]:
    return list(
        session.scalars(select(Share).where(Share.credential_id == credential.id).order_by(Share.id.desc()).limit(100))
    )


def token_of(vault: PersonalDataVault, share: Share) -> str:
    return vault.decrypt(share.token_enc, context=_CONTEXT)


def open_share(uow: UnitOfWork, token: str) -> tuple[Credential, Share]:
    """The certificate and link behind ``token``; counts the view. Unknown: 404; expired or
    revoked: 410, saying which."""
    share = uow.session.scalar(select(Share).where(Share.token_hash == token_hash(token[:200])))
    if share is None:
        raise NotFound(
            CredentialError.SHARE_NOT_FOUND,
            N_("This verification link does not exist. Check that it was copied completely."),
        )
    now = uow.clock.now()
    if share.revoked_at is not None:
        raise LinkGone(CredentialError.SHARE_GONE, N_("The holder has withdrawn this verification link."))
    if share.expires_at <= now:
        raise LinkGone(
            CredentialError.SHARE_GONE,
            N_("This verification link expired on %(when)s (UTC). Ask the holder for a new one."),
            params={"when": share.expires_at.strftime("%Y-%m-%d %H:%M")},
        )
    credential = uow.session.get(Credential, share.credential_id)
    if credential is None:  # pragma: no cover - a foreign key
        raise NotFound(CredentialError.SHARE_NOT_FOUND, N_("This verification link does not exist."))
    share.views += 1
    share.last_viewed_at = now
    return credential, share
