"""How certificates and verification reports appear on screens, in PDFs and in the API:
labels in the reader's language, claim values in words, ID numbers masked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from onevisit.credentials.catalogue import HOLDER_CLAIMS, CertificateType, find_type, is_sensitive
from onevisit.credentials.format import ClaimValue
from onevisit.credentials.models import Credential
from onevisit.credentials.services.status import REASON_CODES
from onevisit.credentials.services.verification import BODY_FIELDS
from onevisit.credentials.verify import Check, Outcome, Report
from onevisit.identity.models import Department
from onevisit.kernel.i18n import N_
from onevisit.kernel.masking import mask_id_number

Translate = Callable[..., str]

STATUS_LABELS: Mapping[str, str] = {
    "valid": N_("In force"),
    "suspended": N_("Suspended"),
    "revoked": N_("Revoked"),
    "expired": N_("Expired"),
    "not_yet_valid": N_("Not yet valid"),
}
OUTCOME_LABELS: Mapping[str, str] = {
    Outcome.PASS: N_("Holds"),
    Outcome.FAIL: N_("Does not hold"),
    Outcome.UNKNOWN: N_("Not checked"),
}
CHECK_LABELS: Mapping[str, str] = {
    "format": N_("Readable"),
    "issuer": N_("Issuer"),
    "signature": N_("Signature"),
    "claims": N_("Claims"),
    "validity": N_("Validity period"),
    "status": N_("Status"),
    "ledger": N_("Ledger"),
    "ledger_key": N_("Ledger key"),
}
#: Parameters of check messages that are themselves msgids (or lists of body field keys).
_TRANSLATED_PARAMS = frozenset({"what", "reason"})


def claim_label(ctype: CertificateType | None, name: str, lang: str, tr: Translate) -> str:
    spec = ctype.field(name) if ctype else None
    if spec is not None:
        return spec.label(lang)
    if name in HOLDER_CLAIMS:
        return tr(HOLDER_CLAIMS[name])
    return name


def claim_value(ctype: CertificateType | None, name: str, value: ClaimValue, tr: Translate) -> str:
    if isinstance(value, bool):
        return tr(N_("Yes")) if value else tr(N_("No"))
    if value is None:
        return "—"
    text = str(value)
    if ctype is not None and is_sensitive(ctype, name) and len(text) == 18:
        return mask_id_number(text)
    return text


@dataclass(frozen=True, slots=True)
class ClaimRow:
    name: str
    label: str
    value: str
    sensitive: bool


def claim_rows(
    ctype: CertificateType | None, claims: Mapping[str, ClaimValue], lang: str, tr: Translate, *, reveal: bool = False
) -> list[ClaimRow]:
    """Claims as rows; sensitive values masked unless ``reveal`` (a verifier the holder chose
    to show the full number to sees it)."""
    rows = []
    for name, value in claims.items():
        sensitive = ctype is not None and is_sensitive(ctype, name)
        shown = str(value) if reveal and sensitive and value is not None else claim_value(ctype, name, value, tr)
        rows.append(ClaimRow(name, claim_label(ctype, name, lang, tr), shown, sensitive))
    return rows


def type_name(type_code: str, lang: str) -> str:
    ctype = find_type(type_code)
    return ctype.name(lang) if ctype else type_code


def department_name(department: Department | None, lang: str) -> str:
    if department is None:
        return ""
    return department.name_zh if lang == "zh" else department.name_en


def validity_text(credential: Credential, tr: Translate) -> str:
    start = credential.valid_from.isoformat()
    if credential.valid_until is None:
        return tr(N_("From %(start)s, no end date"), start=start)
    return tr(N_("%(start)s to %(end)s"), start=start, end=credential.valid_until.isoformat())


def check_message(check: Check, tr: Translate) -> str:
    params: dict[str, object] = {}
    for key, value in check.params.items():
        if key in _TRANSLATED_PARAMS and isinstance(value, str) and value:
            params[key] = tr(value)
        elif key == "fields" and isinstance(value, str):
            params[key] = "、".join(tr(BODY_FIELDS.get(k.strip(), k.strip())) for k in value.split(","))
        else:
            params[key] = value
    return tr(check.message, **params)


def reason_label(code: str | None, tr: Translate) -> str:
    return tr(REASON_CODES[code]) if code is not None and code in REASON_CODES else ""


@dataclass(frozen=True, slots=True)
class CheckRow:
    name: str
    label: str
    outcome: str
    outcome_label: str
    message: str


def report_view(report: Report, lang: str, tr: Translate, *, reveal: bool = False) -> dict[str, object]:
    """Everything a page or the API shows about a verification, translated."""
    presentation = report.presentation
    ctype = find_type(presentation.body.ctype) if presentation else None
    issuer = report.issuer
    return {
        "valid": report.valid,
        "reason": report.reason.value,
        "headline": tr(report.headline),
        "checks": [
            CheckRow(
                c.name,
                tr(CHECK_LABELS.get(c.name, c.name)),
                c.outcome.value,
                tr(OUTCOME_LABELS[c.outcome]),
                check_message(c, tr),
            )
            for c in report.checks
        ],
        "number": presentation.body.number if presentation else None,
        "type_name": (ctype.name(lang) if ctype else presentation.body.ctype) if presentation else None,
        "issuer_name": (issuer.name_zh if lang == "zh" else issuer.name_en) if issuer else None,
        "issuer_code": presentation.body.issuer if presentation else None,
        "issued_at": presentation.body.issued_at if presentation else None,
        "valid_from": presentation.body.valid_from if presentation else None,
        "valid_until": presentation.body.valid_until if presentation else None,
        "claims": claim_rows(ctype, report.claims, lang, tr, reveal=reveal),
        "undisclosed": report.undisclosed,
    }


def verify_url(base_url: str, payload: str) -> str:
    """What the QR code holds: the public verification page with the payload after ``#``."""
    return f"{base_url.rstrip('/')}/credentials/verify#{payload}"


def issued_on(credential: Credential) -> dt.date:
    return credential.issued_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
