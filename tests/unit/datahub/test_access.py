"""Lookups with a purpose: the sharing classes, consent, approvals, the access log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from onevisit import datahub
from onevisit.datahub.errors import DatahubError
from onevisit.datahub.models import AccessLog, DataRecord
from onevisit.datahub.services import catalogue, consents
from onevisit.datahub.services.subjects import person_key
from onevisit.kernel.actors import ActorKind, Principal, system_actor
from onevisit.kernel.errors import AppError
from onevisit.kernel.platform import Platform
from tests.common.factories import id_number
from tests.unit.datahub.conftest import Hub

TRANSFER = datahub.Purpose(use="nr.transfer", kind="application", reference="A-1", legal_basis="《不动产登记暂行条例》")


def clerk(department_id: int, account_id: int | None = None) -> Principal:
    return Principal(
        kind=ActorKind.STAFF,
        account_id=account_id,
        department_id=department_id,
        permissions=frozenset({"staff.portal"}),
    )


def log(platform: Platform) -> list[AccessLog]:
    with platform.db.session() as session:
        return list(session.scalars(select(AccessLog).order_by(AccessLog.id)))


def refused(platform: Platform, actor: Principal, code: DatahubError, **kwargs: object) -> AppError:
    before = len(log(platform))
    with pytest.raises(AppError) as caught:
        datahub.read(platform, actor, **kwargs)  # type: ignore[arg-type]
    assert caught.value.code is code
    rows = log(platform)[before:]
    assert rows and all(not r.granted and r.reason == code for r in rows)
    return caught.value


def test_a_dossier_holds_what_the_purpose_may_see_and_is_logged(platform: Platform, hub: Hub) -> None:
    dossier = datahub.read(platform, clerk(hub.other.id, hub.other_account), subject=hub.id_number, purpose=TRANSFER)
    got = dossier.by_item()
    assert got["psb.household"] == [{"name": "王小明", "address": "杭州市西湖区1号"}]
    assert [v["plate"] for v in got["psb.vehicle"]] == ["浙A12345", "浙A54321"]
    assert set(dossier.withheld) == {"psb.no_criminal_record", "psb.correction"}
    assert "amr.registration" not in got  # an enterprise item, not a person's
    assert dossier.subject.masked.startswith(hub.id_number[:6]) and "*" in dossier.subject.masked
    rows = log(platform)
    assert {r.item_code for r in rows} == {"psb.household", "psb.vehicle", "nr.title"}
    assert all(r.granted and r.use_code == "nr.transfer" and r.reference == "A-1" for r in rows)
    assert {r.subject_key for r in rows} == {person_key(platform.vault, hub.id_number)}
    vehicle = next(r for r in rows if r.item_code == "psb.vehicle")
    assert (
        vehicle.records == 2
        and vehicle.actor == f"account:{hub.other_account}"
        and vehicle.department_id == hub.owner.id
    )


def test_two_sources_disagreeing_are_flagged_not_merged(platform: Platform, hub: Hub) -> None:
    dossier = datahub.read(platform, clerk(hub.other.id), subject=hub.id_number, purpose=TRANSFER)
    assert [(c.concept, c.values) for c in dossier.conflicts] == [
        ("residential_address", {"psb.household": "杭州市西湖区1号", "nr.title": "宁波市海曙区2号"})
    ]
    assert dossier.by_item()["nr.title"][0]["address"] == "宁波市海曙区2号"  # both values kept


def test_conditional_items_need_the_owners_approval_of_the_use(platform: Platform, hub: Hub) -> None:
    ask = {"subject": hub.id_number, "purpose": TRANSFER, "items": ["psb.no_criminal_record"]}
    refused(platform, clerk(hub.other.id), DatahubError.APPROVAL_MISSING, **ask)
    with pytest.raises(AppError) as caught, platform.uow(clerk(hub.other.id)) as uow:
        catalogue.approve(uow, item_code="psb.no_criminal_record", use_code="nr.transfer", legal_basis="条例")
    assert caught.value.code is DatahubError.NOT_OWNING_DEPARTMENT
    with platform.uow(clerk(hub.owner.id, hub.owner_account)) as uow:
        catalogue.approve(uow, item_code="psb.no_criminal_record", use_code="nr.transfer", legal_basis="条例")
    dossier = datahub.read(platform, clerk(hub.other.id), **ask)  # type: ignore[arg-type]
    assert dossier.by_item() == {"psb.no_criminal_record": [{"status": "none"}]}
    with platform.uow(clerk(hub.owner.id)) as uow:
        catalogue.revoke_approval(uow, item_code="psb.no_criminal_record", use_code="nr.transfer")
    refused(platform, clerk(hub.other.id), DatahubError.APPROVAL_MISSING, **ask)


def test_not_shared_items_are_for_the_owning_department_only(platform: Platform, hub: Hub) -> None:
    ask = {"subject": hub.id_number, "items": ["psb.correction"]}
    refused(platform, clerk(hub.other.id), DatahubError.ITEM_NOT_SHARED, purpose=TRANSFER, **ask)
    assert log(platform)[-1].department_id == hub.owner.id  # the owner sees refused attempts too
    mine = datahub.Purpose(use="portal.prefill", kind="consented_use", legal_basis="同意")
    with platform.uow() as uow:
        consents.grant(uow, subject_key=person_key(platform.vault, hub.id_number), use_code="portal.prefill")
    assert datahub.read(platform, clerk(hub.owner.id), purpose=mine, **ask).records  # type: ignore[arg-type]


def test_consent_is_needed_and_revoking_it_applies_at_once(platform: Platform, hub: Hub) -> None:
    prefill = datahub.Purpose(use="portal.prefill", kind="consented_use", legal_basis="本人同意")
    key = person_key(platform.vault, hub.id_number)
    refused(platform, system_actor("portal"), DatahubError.CONSENT_MISSING, subject=hub.id_number, purpose=prefill)
    with platform.uow() as uow:
        consents.grant(uow, subject_key=key, use_code="portal.prefill")
    assert datahub.read(platform, system_actor("portal"), subject=hub.id_number, purpose=prefill).records
    with platform.uow() as uow:
        consents.revoke(uow, subject_key=key, use_code="portal.prefill")
    refused(platform, system_actor("portal"), DatahubError.CONSENT_MISSING, subject=hub.id_number, purpose=prefill)
    with pytest.raises(AppError) as caught, platform.uow() as uow:
        consents.revoke(uow, subject_key=key, use_code="portal.prefill")
    assert caught.value.code is DatahubError.CONSENT_UNKNOWN


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"subject": "330106199001011235"}, DatahubError.SUBJECT_INVALID),
        ({"subject": "not a number"}, DatahubError.SUBJECT_INVALID),
        ({"items": ["psb.nonsense"]}, DatahubError.ITEM_UNKNOWN),
        ({"items": ["amr.registration"]}, DatahubError.ITEM_UNKNOWN),
        (
            {"purpose": datahub.Purpose(use="nope", kind="application", reference="A", legal_basis="x")},
            DatahubError.USE_UNKNOWN,
        ),
        (
            {"purpose": datahub.Purpose(use="nr.transfer", kind="whim", reference="A", legal_basis="x")},
            DatahubError.PURPOSE_INVALID,
        ),
        (
            {"purpose": datahub.Purpose(use="nr.transfer", kind="application", legal_basis="x")},
            DatahubError.PURPOSE_INVALID,
        ),
        (
            {"purpose": datahub.Purpose(use="nr.transfer", kind="application", reference="A")},
            DatahubError.LEGAL_BASIS_MISSING,
        ),
    ],
)
def test_bad_lookups_are_refused_clearly_and_logged(
    platform: Platform, hub: Hub, change: dict[str, object], code: DatahubError
) -> None:
    ask: dict[str, object] = {"subject": hub.id_number, "purpose": TRANSFER, **change}
    refused(platform, clerk(hub.other.id), code, **ask)


def test_an_unknown_subject_is_refused_and_logged(platform: Platform, hub: Hub) -> None:
    stranger = id_number()
    err = refused(platform, clerk(hub.other.id), DatahubError.SUBJECT_UNKNOWN, subject=stranger, purpose=TRANSFER)
    assert err.status == 404
    assert log(platform)[-1].subject_key == person_key(platform.vault, stranger)


def test_another_departments_use_cannot_be_claimed(platform: Platform, hub: Hub) -> None:
    refused(platform, clerk(hub.owner.id), DatahubError.USE_NOT_YOURS, subject=hub.id_number, purpose=TRANSFER)


def test_enterprise_dossier_by_credit_code(platform: Platform, hub: Hub) -> None:
    dossier = datahub.read(platform, clerk(hub.other.id), subject=hub.enterprise.credit_code, purpose=TRANSFER)
    assert dossier.subject.kind == "enterprise"
    assert dossier.by_item() == {"amr.registration": [{"name": hub.enterprise.name, "employees": 25}]}


def test_records_are_sealed_at_rest(platform: Platform, hub: Hub) -> None:
    with platform.db.session() as session:
        payloads = [bytes(p) for p in session.scalars(select(DataRecord.payload))]
    assert payloads and not any("王小明".encode() in p or b"plate" in p for p in payloads)
