"""The certificate verifier: a payload and the issuers' public keys in, a plain-words report out.

It needs no database, so the same code runs behind the public page and API (which add the
certificate's status and the ledger's proof) and in ``onevisit credentials verify`` on a
machine with nothing but the payload and the keys. It never raises on what it is given:
garbage, forgeries and tampering each end in a report saying what was wrong.

Checks, in order; the first that fails decides the verdict (``Reason``):

1. **format** — the payload parses (``malformed``);
2. **issuer** — the body names a department key the verifier trusts (``unknown_issuer``);
3. **signature** — that key signed the body (``forged``; online, ``altered`` when the number
   is one OneVisit issued with other content);
4. **claims** — each disclosed claim hashes to a digest the body signed (``altered``);
5. **validity** — today is within the validity period (``not_yet_valid``, ``expired``);
6. **status** — online only: not suspended or revoked (``suspended``, ``revoked``);
7. **ledger** — the issuance is in the certificate log under a signed tree head (online, or
   offline with an exported proof file).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from onevisit.credentials.catalogue import claim_names, find_type
from onevisit.credentials.format import (
    ClaimValue,
    FormatProblem,
    Presentation,
    decode,
    leaf_hash,
    ledger_entry,
)
from onevisit.credentials.inclusion import ProofBundle, check_inclusion
from onevisit.kernel.i18n import N_


class Reason(enum.StrEnum):
    VALID = "valid"
    MALFORMED = "malformed"
    UNKNOWN_ISSUER = "unknown_issuer"
    FORGED = "forged"
    ALTERED = "altered"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


#: Which failure wins when several hold (a forged certificate is not "expired").
PRIORITY: list[Reason] = [r for r in Reason if r is not Reason.VALID]

HEADLINES: Mapping[Reason, str] = {
    Reason.VALID: N_("This certificate is genuine and in force."),
    Reason.MALFORMED: N_("This is not a readable OneVisit certificate."),
    Reason.UNKNOWN_ISSUER: N_("This certificate was not issued by a department OneVisit knows."),
    Reason.FORGED: N_("This certificate is forged: its signature is not a department's."),
    Reason.ALTERED: N_("This certificate was altered after it was issued."),
    Reason.REVOKED: N_("This certificate has been revoked."),
    Reason.SUSPENDED: N_("This certificate is suspended."),
    Reason.EXPIRED: N_("This certificate has expired."),
    Reason.NOT_YET_VALID: N_("This certificate is not valid yet."),
}


class Outcome(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class IssuerKey:
    """A department's public key, as ``/api/v1/credentials/issuers`` publishes it."""

    kid: str
    department: str
    public_key: bytes
    name_zh: str = ""
    name_en: str = ""
    retired_at: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    outcome: Outcome
    message: str
    params: Mapping[str, object] = field(default_factory=dict)
    failure: Reason | None = None


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    presentation: Presentation | None = None
    issuer: IssuerKey | None = None
    claims: dict[str, ClaimValue] = field(default_factory=dict)
    undisclosed: int = 0

    @property
    def reason(self) -> Reason:
        """The most serious failure among the checks (``valid`` when none failed)."""
        failures = [c.failure for c in self.checks if c.failure is not None]
        return min(failures, key=PRIORITY.index) if failures else Reason.VALID

    @property
    def valid(self) -> bool:
        return self.reason is Reason.VALID

    @property
    def headline(self) -> str:
        return HEADLINES[self.reason]

    @property
    def number(self) -> str | None:
        return self.presentation.body.number if self.presentation else None

    def add(
        self, name: str, outcome: Outcome, message: str, failure: Reason | None = None, /, **params: object
    ) -> None:
        self.checks.append(Check(name, outcome, message, params, failure if outcome is Outcome.FAIL else None))

    def replace(
        self, name: str, outcome: Outcome, message: str, failure: Reason | None = None, /, **params: object
    ) -> None:
        """Replaces the check called ``name`` (online verification refines offline ones)."""
        self.checks = [c for c in self.checks if c.name != name]
        self.add(name, outcome, message, failure, **params)

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)


def _signature_ok(key: IssuerKey, presentation: Presentation) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(presentation.signature, presentation.body_bytes)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_presentation(
    payload: str,
    keys: Mapping[str, IssuerKey],
    *,
    today: dt.date,
    proof: ProofBundle | None = None,
    log_key: bytes | None = None,
) -> Report:
    """Everything that can be checked from the payload and the keys (and a proof file)."""
    report = Report()
    try:
        presentation = decode(payload)
    except FormatProblem as problem:
        report.add("format", Outcome.FAIL, problem.message, Reason.MALFORMED, **problem.params)
        return report
    report.presentation = presentation
    body = presentation.body
    report.add("format", Outcome.PASS, N_("The payload is a well-formed OneVisit certificate."))

    key = keys.get(body.kid)
    if key is None or key.department != body.issuer:
        report.add(
            "issuer",
            Outcome.FAIL,
            N_("It names issuer %(issuer)s with key %(kid)s, which is not a key any department has published."),
            Reason.UNKNOWN_ISSUER,
            issuer=body.issuer,
            kid=body.kid,
        )
        return report
    report.issuer = key
    report.add("issuer", Outcome.PASS, N_("It names a department's published key (%(kid)s)."), kid=key.kid)

    if not _signature_ok(key, presentation):
        report.add(
            "signature",
            Outcome.FAIL,
            N_("The signature does not match the certificate: it was forged, or changed after it was signed."),
            Reason.FORGED,
        )
        return report
    if key.retired_at is not None and body.issued_at > key.retired_at:
        report.add(
            "signature",
            Outcome.FAIL,
            N_("It was signed with a key the department retired on %(date)s, after that day."),
            Reason.FORGED,
            date=key.retired_at[:10],
        )
        return report
    report.add("signature", Outcome.PASS, N_("The department's signature on it is valid."))

    _check_claims(report, presentation)
    _check_validity(report, presentation, today)
    report.add(
        "status",
        Outcome.UNKNOWN,
        N_(
            "Whether it has been suspended or revoked is not known offline: check it on the OneVisit verification page."
        ),
    )
    if proof is None:
        report.add("ledger", Outcome.UNKNOWN, N_("Its registration on the ledger was not checked (no proof given)."))
    else:
        check_proof(report, presentation, proof, log_key)
    return report


def _check_claims(report: Report, presentation: Presentation) -> None:
    signed = set(presentation.body.digests)
    changed = [d.name for d in presentation.disclosures if d.digest not in signed]
    if changed:
        report.add(
            "claims",
            Outcome.FAIL,
            N_("The value shown for %(claims)s is not the one the department signed: it was changed."),
            Reason.ALTERED,
            claims=", ".join(changed),
        )
        return
    ctype = find_type(presentation.body.ctype)
    order = {name: i for i, name in enumerate(claim_names(ctype))} if ctype else {}
    for d in sorted(presentation.disclosures, key=lambda d: (order.get(d.name, 99), d.name)):
        report.claims[d.name] = d.value
    report.undisclosed = len(signed) - len(presentation.disclosures)
    report.add(
        "claims",
        Outcome.PASS,
        N_(
            "Each of the %(shown)s claims shown is exactly "
            "what the department signed; %(hidden)s more were not disclosed."
        ),
        shown=len(presentation.disclosures),
        hidden=report.undisclosed,
    )


def _check_validity(report: Report, presentation: Presentation, today: dt.date) -> None:
    body = presentation.body
    start, end = body.valid_from_date(), body.valid_until_date()
    if today < start:
        report.add(
            "validity",
            Outcome.FAIL,
            N_("It is valid only from %(start)s."),
            Reason.NOT_YET_VALID,
            start=body.valid_from,
        )
    elif end is not None and today > end:
        report.add(
            "validity", Outcome.FAIL, N_("It expired at the end of %(end)s."), Reason.EXPIRED, end=body.valid_until
        )
    elif end is None:
        report.add("validity", Outcome.PASS, N_("It is valid from %(start)s with no end date."), start=body.valid_from)
    else:
        report.add(
            "validity",
            Outcome.PASS,
            N_("It is valid from %(start)s to %(end)s."),
            start=body.valid_from,
            end=body.valid_until,
        )


def check_proof(report: Report, presentation: Presentation, proof: ProofBundle, log_key: bytes | None) -> None:
    entry = ledger_entry(presentation.body, presentation.body_bytes)
    if proof.entry != entry or proof.leaf_hash != leaf_hash(entry):
        report.add(
            "ledger",
            Outcome.FAIL,
            N_("The proof is for another ledger entry, not this certificate's."),
            Reason.ALTERED,
        )
        return
    result = check_inclusion(
        leaf=proof.leaf_hash,
        index=proof.index,
        tree_size=proof.tree_size,
        path=proof.path,
        head=proof.head,
        log_key=log_key or proof.log_public_key,
    )
    if not result.ok:
        report.add("ledger", Outcome.FAIL, result.message, Reason.ALTERED, **result.params)
        return
    report.add("ledger", Outcome.PASS, result.message, **result.params)
    if log_key is None:
        report.add(
            "ledger_key",
            Outcome.UNKNOWN,
            N_("The ledger's key was taken from the proof file itself: compare it with the one OneVisit publishes."),
        )
