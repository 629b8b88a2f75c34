"""The verifier: forged, altered, expired, unknown issuers and garbage are each recognised and
explained, offline and online; an exported ledger proof is checked offline."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from onevisit import credentials, ledger
from onevisit.credentials.format import b64u, decode, encode, make_disclosure
from onevisit.credentials.inclusion import CERTIFICATE_LOG, parse_proof
from onevisit.credentials.keys import trusted_keys
from onevisit.credentials.models import Credential
from onevisit.credentials.services import verification, wallet
from onevisit.credentials.verify import IssuerKey, Outcome, Reason, verify_presentation
from onevisit.kernel.platform import Platform
from onevisit.ledger.signing import SigningKey
from tests.unit.credentials.conftest import MARRIAGE, People

TODAY = dt.date(2026, 11, 20)


def _issued(platform: Platform, people: People, type_code: str = "marriage_certificate", fields: dict | None = None):  # type: ignore[no-untyped-def, type-arg]
    with platform.uow() as uow:
        number = credentials.issue(uow, type_code, people.holder, fields or MARRIAGE).number
    with platform.db.session() as session:
        row = session.scalar(select(Credential).where(Credential.number == number))
        assert row is not None
        return row, wallet.presentation(platform.vault, row), trusted_keys(session)


def test_forged_with_another_key_under_the_same_key_id(platform: Platform, people: People) -> None:
    _, payload, keys = _issued(platform, people)
    real = decode(payload)
    forger = SigningKey.generate()
    forged = encode(real.body_bytes, forger.sign(real.body_bytes), [d.encoded for d in real.disclosures])
    report = verify_presentation(forged, keys, today=TODAY)
    assert report.reason is Reason.FORGED
    assert report.claims == {}  # nothing from a forgery is shown as if it were true
    with platform.db.session() as session:
        online = verification.verify(session, forged, today=TODAY)
    assert online.reason is Reason.FORGED
    assert "signature was replaced" in (online.check("signature").message or "")  # type: ignore[union-attr]


def test_a_certificate_the_register_never_issued_is_forged(platform: Platform, people: People) -> None:
    _, payload, _ = _issued(platform, people)
    real = decode(payload)
    fake = dataclasses.replace(real.body, number="MC-330000-2026-ZZZZZZZZZZ")
    forger = SigningKey.generate()
    payload = encode(fake.to_bytes(), forger.sign(fake.to_bytes()), [d.encoded for d in real.disclosures])
    with platform.db.session() as session:
        report = verification.verify(session, payload, today=TODAY)
    assert report.reason is Reason.FORGED
    assert "was ever issued" in report.check("signature").message  # type: ignore[union-attr]


def test_unknown_issuer(platform: Platform, people: People) -> None:
    _, payload, keys = _issued(platform, people)
    report = verify_presentation(payload, {}, today=TODAY)
    assert report.reason is Reason.UNKNOWN_ISSUER
    other = {k: IssuerKey(v.kid, "ZJ-PSB", v.public_key) for k, v in keys.items()}
    assert verify_presentation(payload, other, today=TODAY).reason is Reason.UNKNOWN_ISSUER


def test_an_altered_claim_is_named(platform: Platform, people: People) -> None:
    _, payload, keys = _issued(platform, people)
    head, *claims = payload.split("~")
    swapped = [
        make_disclosure("spouse_name", "张三") if json.loads(_unb64(c))[1] == "spouse_name" else c for c in claims
    ]
    report = verify_presentation("~".join([head, *swapped]), keys, today=TODAY)
    assert report.reason is Reason.ALTERED
    check = report.check("claims")
    assert check is not None and check.params["claims"] == "spouse_name"


def _unb64(text: str) -> str:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


def test_expiry_and_not_yet_valid(platform: Platform, people: People) -> None:
    _, payload, keys = _issued(platform, people, "no_criminal_record", {"checked_on": "2026-11-20"})
    assert verify_presentation(payload, keys, today=TODAY).reason is Reason.VALID
    assert verify_presentation(payload, keys, today=TODAY + dt.timedelta(days=90)).reason is Reason.EXPIRED
    assert verify_presentation(payload, keys, today=TODAY - dt.timedelta(days=1)).reason is Reason.NOT_YET_VALID


def test_selective_disclosure_proves_no_record_and_adulthood_only(platform: Platform, people: People) -> None:
    row, _, keys = _issued(platform, people, "no_criminal_record", {"checked_on": "2026-11-20"})
    payload = wallet.presentation(platform.vault, row, ["no_criminal_record", "age_over_18"])
    report = verify_presentation(payload, keys, today=TODAY)
    assert report.valid and report.claims == {"age_over_18": True, "no_criminal_record": True}
    assert people.citizen_number not in payload and people.citizen_number[-4:] not in json.dumps(report.claims)
    assert report.undisclosed == 4  # name, full and masked ID number, date checked
    with pytest.raises(Exception, match="Choose at least one"):
        wallet.presentation(platform.vault, row, ["password"])


def test_suspended_and_revoked_online(platform: Platform, people: People) -> None:
    row, payload, _ = _issued(platform, people)
    with platform.uow() as uow:
        credentials.change_status(uow, row.number, action="suspend", reason_code="under_investigation", reason="x")
    with platform.db.session() as session:
        report = verification.verify(session, payload, today=TODAY)
    assert report.reason is Reason.SUSPENDED
    with platform.uow() as uow:
        credentials.change_status(uow, row.number, action="revoke", reason_code="fraud", reason="forged documents")
    with platform.db.session() as session:
        report = verification.verify(session, payload, today=TODAY)
    assert report.reason is Reason.REVOKED
    assert "Obtained by fraud" in str(report.check("status").params["reason"])  # type: ignore[union-attr]
    assert "forged documents" not in json.dumps(report.check("status").params)  # type: ignore[union-attr]


def test_ledger_inclusion_online_and_offline_with_an_exported_proof(platform: Platform, people: People) -> None:
    row, payload, keys = _issued(platform, people)
    with platform.db.session() as session:
        pending = verification.verify(session, payload, today=TODAY)
    assert pending.valid and pending.check("ledger").outcome is Outcome.UNKNOWN  # type: ignore[union-attr]
    _issued(platform, people)  # another entry, so the proof has a path
    with platform.uow() as uow:
        ledger.sign_head(uow, CERTIFICATE_LOG)
    with platform.db.session() as session:
        online = verification.verify(session, payload, today=TODAY)
        bundle = verification.proof_bundle(session, row)
        log_key = ledger.latest_head(session, CERTIFICATE_LOG).public_key
    assert online.check("ledger").outcome is Outcome.PASS  # type: ignore[union-attr]
    assert bundle is not None
    exported = json.loads(json.dumps(bundle.as_dict()))
    offline = verify_presentation(payload, keys, today=TODAY, proof=parse_proof(exported), log_key=log_key)
    assert offline.check("ledger").outcome is Outcome.PASS  # type: ignore[union-attr]
    tampered = {**exported, "path": ["00" * 32, *exported["path"][1:]]}
    bad = verify_presentation(payload, keys, today=TODAY, proof=parse_proof(tampered), log_key=log_key)
    assert bad.reason is Reason.ALTERED
    wrong_key = verify_presentation(payload, keys, today=TODAY, proof=parse_proof(exported), log_key=b"\x01" * 32)
    assert wrong_key.check("ledger").outcome is Outcome.FAIL  # type: ignore[union-attr]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    garbage=st.one_of(
        st.text(max_size=300),
        st.binary(max_size=200).map(lambda b: "OVC1." + b64u(b)),
        st.text(alphabet="OVC1.~-_abcXYZ019=", max_size=200),
    )
)
def test_garbage_never_crashes_the_verifier(garbage: str) -> None:
    report = verify_presentation(garbage, {}, today=TODAY)
    assert report.reason in (Reason.MALFORMED, Reason.UNKNOWN_ISSUER)
    assert report.check("format") is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_one_character_change_is_caught_or_harmless(
    platform: Platform, people: People, data: st.DataObject
) -> None:
    if not hasattr(platform, "_cached_issue"):
        platform._cached_issue = _issued(platform, people)  # type: ignore[attr-defined]
    _, payload, keys = platform._cached_issue  # type: ignore[attr-defined]
    original = verify_presentation(payload, keys, today=TODAY)
    position = data.draw(st.integers(min_value=0, max_value=len(payload) - 1))
    char = data.draw(st.sampled_from("AZaz09-_.~=+/ 中"))
    changed = payload[:position] + char + payload[position + 1 :]
    report = verify_presentation(changed, keys, today=TODAY)
    if changed != payload and report.valid:
        assert report.claims.items() <= original.claims.items()  # at most a disclosure dropped


def test_a_rotated_key_keeps_verifying_what_it_signed(platform: Platform, people: People) -> None:
    from onevisit.credentials.keys import KeyRing, rotate_key

    _, before, _ = _issued(platform, people)
    with platform.uow() as uow:
        new = rotate_key(uow, "ZJ-CA").kid
    _, after, _ = _issued(platform, people)
    assert decode(after).body.kid == new != decode(before).body.kid
    with platform.db.session() as session:
        ring = KeyRing(session)
        assert len(ring) == 2 and ring[new].retired_at is None
        for payload in (before, after):
            assert verification.verify(session, payload, today=TODAY).valid
