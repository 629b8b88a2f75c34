"""Issuing certificates: signed, registered on the ledger, audited, idempotent, validated."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from onevisit import credentials, ledger
from onevisit.credentials.keys import trusted_keys
from onevisit.credentials.models import Credential, CredentialIssuer
from onevisit.credentials.services import wallet
from onevisit.credentials.verify import Reason, verify_presentation
from onevisit.kernel.audit import AuditEvent
from onevisit.kernel.errors import AppError, ValidationFailed
from onevisit.kernel.platform import Platform
from tests.unit.credentials.conftest import LICENCE, MARRIAGE, People

TODAY = dt.date(2026, 11, 20)


def test_a_certificate_is_signed_registered_and_verifies(platform: Platform, people: People) -> None:
    with platform.uow() as uow:
        cert = credentials.issue(uow, "marriage_certificate", people.holder, MARRIAGE, source="test", reference="R-1")
        number = cert.number
    with platform.db.session() as session:
        row = session.scalar(select(Credential).where(Credential.number == number))
        assert row is not None and row.ledger_index == 0 and row.valid_until is None
        assert number.startswith("MC-330000-2026-")
        # the signed body carries digests only: no name, no ID number
        assert "王小明" not in row.body and people.citizen_number not in row.body
        payload = wallet.presentation(platform.vault, row)
        keys = trusted_keys(session)
        entry = ledger.find_entries(
            session, "certificates", ledger.prove_inclusion(session, "certificates", 0).leaf_hash
        )
        assert entry == [0]
        audit = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == number)).all()
    assert "credentials.issued" in audit
    report = verify_presentation(payload, keys, today=TODAY)
    assert report.reason is Reason.VALID, report.checks
    assert report.claims["holder_name"] == "王小明"
    assert report.claims["spouse_name"] == "李华"
    assert report.claims["age_over_18"] is True
    assert str(report.claims["holder_id_masked"]).endswith(people.citizen_number[-4:])
    # the full ID numbers are not disclosed by default
    assert "holder_id" not in report.claims and "spouse_id_number" not in report.claims
    assert report.undisclosed == 2


def test_issuing_again_for_the_same_reference_returns_the_first(platform: Platform, people: People) -> None:
    with platform.uow() as uow:
        first = credentials.issue(uow, "business_licence", people.firm, LICENCE, source="applications", reference="A-1")
        second = credentials.issue(
            uow, "business_licence", people.firm, LICENCE, source="applications", reference="A-1"
        )
        assert first.number == second.number
    with platform.db.session() as session:
        assert len(session.scalars(select(Credential)).all()) == 1
        # one key per department, created on first use
        assert len(session.scalars(select(CredentialIssuer)).all()) == 1


def test_bad_fields_are_all_named_and_nothing_is_written(platform: Platform, people: People) -> None:
    with pytest.raises(ValidationFailed) as caught, platform.uow() as uow:
        credentials.issue(
            uow,
            "marriage_certificate",
            people.holder,
            {"spouse_name": "x" * 65, "registered_on": "2020-02-30", "colour": "red"},
        )
    fields = {f.field: f.message for f in caught.value.fields}
    assert set(fields) == {"certificate_no", "spouse_name", "registered_on", "colour"}
    assert caught.value.code == "credentials.fields.invalid"
    with platform.db.session() as session:
        assert session.scalars(select(Credential)).all() == []


def test_wrong_holder_kind_and_unknown_type_are_refused(platform: Platform, people: People) -> None:
    with pytest.raises(AppError) as wrong, platform.uow() as uow:
        credentials.issue(uow, "business_licence", people.holder, LICENCE)
    assert wrong.value.code == "credentials.holder.wrong_kind"
    with pytest.raises(AppError) as unknown, platform.uow() as uow:
        credentials.issue(uow, "pilot_licence", people.holder, {})
    assert unknown.value.code == "credentials.type.unknown"


def test_validity_from_the_type(platform: Platform, people: People) -> None:
    with platform.uow() as uow:
        nc = credentials.issue(uow, "no_criminal_record", people.holder, {"checked_on": "2026-11-20"})
        dl = credentials.issue(
            uow,
            "driving_licence",
            people.holder,
            {"licence_class": "C1", "issued_on": "2010-01-01", "valid_until": "2030-01-01"},
        )
        assert nc.valid_from == TODAY and nc.valid_until == TODAY + dt.timedelta(days=89)
        assert dl.valid_until == dt.date(2030, 1, 1)


def test_valid_certificates_are_the_materials_in_force(platform: Platform, people: People) -> None:
    with platform.uow() as uow:
        credentials.issue(uow, "marriage_certificate", people.holder, MARRIAGE)
        credentials.issue(
            uow,
            "driving_licence",
            people.holder,
            {"licence_class": "C1", "issued_on": "2010-01-01", "valid_until": "2026-11-19"},
            valid_from=dt.date(2010, 1, 1),
        )
    with platform.db.session() as session:
        found = credentials.valid_certificates(session, people.holder, "marriage_certificate", today=TODAY)
        assert [c.type_code for c in found] == ["marriage_certificate"]
        assert credentials.valid_certificates(session, people.holder, "driving_licence", today=TODAY) == []
        assert credentials.valid_certificates(session, people.firm, today=TODAY) == []


def test_the_datahub_sees_the_certificate_library(platform: Platform, people: People) -> None:
    from onevisit import datahub
    from onevisit.credentials import jobs
    from onevisit.credentials.services.materials import sync_datahub
    from onevisit.datahub.services import catalogue
    from onevisit.kernel.actors import system_actor

    with platform.uow() as uow:
        kept = credentials.issue(uow, "marriage_certificate", people.holder, MARRIAGE).number
        gone = credentials.issue(uow, "no_criminal_record", people.holder, {"checked_on": "2026-11-20"}).number
        credentials.issue(uow, "business_licence", people.firm, LICENCE)
        credentials.change_status(uow, gone, action="revoke", reason_code="issued_in_error", reason="test")
        catalogue.register_use(
            uow, code="test.materials", name_zh="测试", name_en="Test", department_code=None, requires_consent=False
        )
    assert [j.name for j in jobs.periodic_jobs(platform)] == ["credentials.sync_datahub"]
    assert jobs.sync(platform) == 2
    report = sync_datahub(platform, system_actor("test"))  # idempotent: replaces the copy
    assert (report.people, report.enterprises) == (1, 1)
    dossier = datahub.read(
        platform,
        system_actor("test"),
        subject=people.citizen_number,
        items=["cert.person"],
        purpose=datahub.Purpose(use="test.materials", kind="application", reference="A-1", legal_basis="test"),
    )
    records = dossier.by_item()["cert.person"]
    assert [r["number"] for r in records] == [kept]  # the revoked one is not a material
    assert records[0]["type_name"] == "结婚证"


def test_the_library_job_does_nothing_without_departments(platform: Platform) -> None:
    from onevisit.credentials import jobs

    assert jobs.sync(platform) == 0
