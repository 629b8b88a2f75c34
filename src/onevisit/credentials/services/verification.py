"""Online verification: the offline checks, then the register and the ledger.

What the public page and API add to :func:`~onevisit.credentials.verify.verify_presentation`:

* a payload whose signature fails but whose number OneVisit issued is **altered** (the
  report names what differs from the certificate as issued); one whose number was never
  issued is **forged**;
* a genuine signature on a number not in the register is reported as forged too (a
  department's key was misused, or the certificate belongs to another deployment);
* the certificate's **status** — suspended or revoked, with the date and the reason's label;
* its **ledger inclusion**: the inclusion proof of its issuance entry, checked here against
  the latest signed tree head of the certificate log (and the head's signature).
"""

from __future__ import annotations

import datetime as dt
import json
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit import ledger
from onevisit.credentials.format import Presentation, leaf_hash, ledger_entry, parse_body
from onevisit.credentials.inclusion import CERTIFICATE_LOG, ProofBundle, check_inclusion
from onevisit.credentials.keys import KeyRing
from onevisit.credentials.models import Credential, Status
from onevisit.credentials.services.issuance import body_bytes
from onevisit.credentials.services.status import REASON_CODES
from onevisit.credentials.verify import Outcome, Reason, Report, verify_presentation
from onevisit.kernel.i18n import N_
from onevisit.ledger.errors import LedgerNotFoundError

#: Labels of the body's metadata, for "what was changed" (msgids).
BODY_FIELDS = {
    "num": N_("number"),
    "ctype": N_("certificate type"),
    "iss": N_("issuer"),
    "kid": N_("key"),
    "iat": N_("time of issue"),
    "nbf": N_("start of validity"),
    "exp": N_("end of validity"),
    "hk": N_("holder kind"),
    "sd": N_("claims"),
}


#: A signed head this process fetched is reused for this long for entries it covers (a newer
#: head proves nothing more about them); an entry it does not cover fetches the latest.
HEAD_TTL_SECONDS = 60.0
_HEADS: dict[tuple[int, str], tuple[float, ledger.SignedHead]] = {}


def _head_covering(session: Session, index: int) -> ledger.SignedHead | None:
    bind = session.get_bind()
    key = (id(bind), str(bind.engine.url))
    hit = _HEADS.get(key)
    if hit is not None and hit[1].head.tree_size > index and time.monotonic() - hit[0] < HEAD_TTL_SECONDS:
        return hit[1]
    try:
        signed = ledger.latest_head(session, CERTIFICATE_LOG)
    except LedgerNotFoundError:
        return None
    _HEADS[key] = (time.monotonic(), signed)
    return signed if signed.head.tree_size > index else None


def proof_bundle(session: Session, credential: Credential) -> ProofBundle | None:
    """The issuance entry's inclusion proof under a signed head (None: none covers it yet)."""
    if credential.ledger_index is None:
        return None
    signed = _head_covering(session, credential.ledger_index)
    if signed is None:
        return None
    proof = ledger.prove_inclusion(session, CERTIFICATE_LOG, credential.ledger_index, signed.head.tree_size)
    raw = body_bytes(credential)
    return ProofBundle(
        number=credential.number,
        log=CERTIFICATE_LOG,
        entry=ledger_entry(parse_body(raw), raw),
        index=proof.index,
        tree_size=proof.tree_size,
        leaf_hash=proof.leaf_hash,
        path=tuple(proof.path),
        head=signed.head,
        log_public_key=signed.public_key,
    )


def _changed_fields(issued: bytes, presented: bytes) -> list[str]:
    try:
        a, b = json.loads(issued), json.loads(presented)
    except ValueError:
        return []
    if not isinstance(a, dict) or not isinstance(b, dict):
        return []
    return [key for key in BODY_FIELDS if a.get(key) != b.get(key)]


def _explain_bad_signature(report: Report, credential: Credential | None, presentation: Presentation) -> None:
    if credential is None:
        report.replace(
            "signature",
            Outcome.FAIL,
            N_(
                "No certificate numbered %(number)s was ever issued, and "
                "the signature is not a department's: it is forged."
            ),
            Reason.FORGED,
            number=presentation.body.number,
        )
        return
    changed = _changed_fields(body_bytes(credential), presentation.body_bytes)
    if changed:
        report.replace(
            "signature",
            Outcome.FAIL,
            N_("Certificate %(number)s exists, but this copy differs from what was issued: its %(fields)s changed."),
            Reason.ALTERED,
            number=presentation.body.number,
            fields=", ".join(changed),
        )
    else:
        report.replace(
            "signature",
            Outcome.FAIL,
            N_("The content is that of certificate %(number)s, but the signature was replaced: it is forged."),
            Reason.FORGED,
            number=presentation.body.number,
        )


def _check_status(report: Report, credential: Credential) -> None:
    when = credential.status_changed_at.strftime("%Y-%m-%d") if credential.status_changed_at else ""
    reason = REASON_CODES.get(credential.status_reason or "", "")
    if credential.status == Status.REVOKED:
        report.replace(
            "status",
            Outcome.FAIL,
            N_("The issuing department revoked it on %(date)s (reason: %(reason)s)."),
            Reason.REVOKED,
            date=when,
            reason=reason,
        )
    elif credential.status == Status.SUSPENDED:
        report.replace(
            "status",
            Outcome.FAIL,
            N_("The issuing department suspended it on %(date)s (reason: %(reason)s)."),
            Reason.SUSPENDED,
            date=when,
            reason=reason,
        )
    else:
        report.replace("status", Outcome.PASS, N_("It has not been suspended or revoked (checked just now)."))


def _check_ledger(session: Session, report: Report, credential: Credential) -> None:
    if credential.ledger_index is None:
        report.replace("ledger", Outcome.UNKNOWN, N_("It is not registered on the ledger yet."))
        return
    bundle = proof_bundle(session, credential)
    if bundle is None:
        report.replace(
            "ledger",
            Outcome.UNKNOWN,
            N_(
                "It is registered on the ledger as entry %(index)s; the "
                "next signed tree head (within minutes) will let it be proven."
            ),
            index=credential.ledger_index,
        )
        return
    presentation = report.presentation
    assert presentation is not None  # noqa: S101 - only called after the signature passed
    expected = leaf_hash(ledger_entry(presentation.body, presentation.body_bytes))
    if bundle.leaf_hash != expected:
        report.replace(
            "ledger",
            Outcome.FAIL,
            N_("The ledger entry registered for this number is not this certificate's."),
            Reason.ALTERED,
        )
        return
    result = check_inclusion(
        leaf=bundle.leaf_hash,
        index=bundle.index,
        tree_size=bundle.tree_size,
        path=bundle.path,
        head=bundle.head,
        log_key=bundle.log_public_key,
    )
    report.replace(
        "ledger",
        Outcome.PASS if result.ok else Outcome.FAIL,
        result.message,
        None if result.ok else Reason.ALTERED,
        **result.params,
    )


def verify(session: Session, payload: str, *, today: dt.date) -> Report:
    """Verifies a payload (or a URL carrying one) against the register and the ledger."""
    report = verify_presentation(payload, KeyRing(session), today=today)
    presentation = report.presentation
    issuer = report.check("issuer")
    if presentation is None or issuer is None or issuer.outcome is Outcome.FAIL:
        return report
    credential = session.scalar(select(Credential).where(Credential.number == presentation.body.number))
    signature = report.check("signature")
    if signature is not None and signature.outcome is Outcome.FAIL:
        _explain_bad_signature(report, credential, presentation)
        return report
    if credential is None or body_bytes(credential) != presentation.body_bytes:
        report.replace(
            "signature",
            Outcome.FAIL,
            N_(
                "The signature verifies, but OneVisit's register has no "
                "such certificate: treat it as forged and report it."
            ),
            Reason.FORGED,
        )
        return report
    _check_status(report, credential)
    _check_ledger(session, report, credential)
    return report
