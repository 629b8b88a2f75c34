"""The applications engine on the demo catalogue: instant approval issues the certificate in
the same request; the second-hand housing bundle goes to four departments at once with no
upload, one bill when all approve, certificates when paid; bad input is refused with every
problem; object-level checks; versions pinned."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from onevisit import credentials
from onevisit.applications.models import Application, Task
from onevisit.applications.services import lifecycle, review
from onevisit.catalog.services.loading import load_file
from onevisit.credentials.models import Credential
from onevisit.datahub.models import AccessLog
from onevisit.demo.catalog import DEFINITIONS
from onevisit.kernel.actors import ActorKind, Principal, system_actor
from onevisit.kernel.errors import AppError, Conflict, NotFound, ValidationFailed
from tests.unit.applications.conftest import Province

HOUSING = {
    "seller_name": "张三",
    "location": "杭州市西湖区文三路1号",
    "area_m2": "88",
    "utilities": "all",
}


def _wallet(province: Province) -> list[Credential]:
    with province.platform.db.session() as session:
        return credentials.valid_certificates(session, credentials.Holder.person(province.person.id))


def test_instant_approval_issues_the_certificate_in_the_same_request(province: Province) -> None:
    citizen = province.citizen()
    draft = lifecycle.start(province.platform, citizen, "trans.ride_hailing_driver")
    assert draft.status == "draft" and draft.number.startswith("A20261120")
    done = lifecycle.submit(province.platform, citizen, draft.number, {"platform": "didi"})
    assert done.status == "completed" and done.instant
    assert {m["source"] for m in done.materials} == {"datahub"}  # no upload, no commitment
    wallet = _wallet(province)
    assert [c.type_code for c in wallet] == ["ride_hailing_driver"]
    assert wallet[0].number == done.certificates[0]
    with province.platform.db.session() as session:
        assert session.scalars(select(Task).where(Task.application_id == done.id)).all() == []
        # every record read for it is in the access log, for the applicant to see
        reads = session.scalars(select(AccessLog.item_code).where(AccessLog.reference == done.number)).all()
    assert {"psb.driving_licence", "psb.no_criminal_record"} <= set(reads)
    # a second submit of the same application changes nothing
    again = lifecycle.submit(province.platform, citizen, draft.number, {"platform": "didi"})
    assert again.status == "completed" and len(_wallet(province)) == 1


def test_the_housing_bundle_goes_to_every_department_with_one_payment(province: Province) -> None:
    platform, citizen = province.platform, province.citizen()
    draft = lifecycle.start(platform, citizen, "bundle.second_hand_housing")
    # pre-filled from the filed contract and the marriage record
    assert draft.form == {"contract_no": "HZ2026-000123", "price_yuan": "2400000", "co_owner": "李华"}
    submitted = lifecycle.submit(
        platform, citizen, draft.number, {**draft.form, **HOUSING, "seller_id_number": province.number}
    )
    assert submitted.status == "in_review" and not submitted.instant
    assert all(m["source"] == "datahub" for m in submitted.materials)  # not a single upload
    with platform.db.session() as session:
        tasks = review.tasks_of(session, submitted)
    departments = {code for code, ident in province.departments.items() for t in tasks if t.department_id == ident}
    assert departments == {"ZJ-HURD", "ZJ-TAX", "ZJ-NR", "ZJ-EIT"}
    assert all(t.status == "open" for t in tasks)  # in parallel

    # a clerk cannot act on another department's task
    tax_task = next(t for t in tasks if t.department_id == province.departments["ZJ-TAX"])
    with pytest.raises(NotFound):
        review.decide(platform, province.clerk("ZJ-NR"), tax_task.id, "approve")

    by_department = {ident: code for code, ident in province.departments.items()}
    for task in tasks:
        app = review.decide(platform, province.clerk(by_department[task.department_id]), task.id, "approve")
    assert app.status == "awaiting_payment"
    assert app.fee_total_fen == 2_400_000 + 8000  # deed tax 1 % (first home, 88 m²) + registration fee
    with pytest.raises(Conflict):
        review.decide(platform, province.clerk("ZJ-TAX"), tax_task.id, "approve")  # decided once

    paid = SimpleNamespace(source="applications", reference=app.number, bill_number=app.bill_number)
    handler = review.on_payment_settled(platform)
    with platform.uow(system_actor("payments")) as uow:
        handler(uow, paid)
    with platform.uow(system_actor("payments")) as uow:
        handler(uow, paid)  # delivered twice: nothing more happens
    with platform.db.session() as session:
        final = session.scalars(select(Application).where(Application.number == app.number)).one()
        assert final.status == "completed" and len(final.certificates) == 1
        history = [h.action for h in review.history(session, final)]
    assert [c.type_code for c in _wallet(province)] == ["real_estate_title"]
    assert history[:2] == ["started", "submitted"] and history[-3:] == ["approved", "paid", "completed"]
    assert history.count("task_approved") == 5


def test_invalid_forms_show_every_problem_and_keep_the_input(province: Province) -> None:
    citizen = province.citizen()
    draft = lifecycle.start(province.platform, citizen, "bundle.second_hand_housing")
    values = {**draft.form, "area_m2": "lots", "seller_id_number": "123", "utilities": "everything"}
    with pytest.raises(ValidationFailed) as refused:
        lifecycle.submit(province.platform, citizen, draft.number, values)
    fields = [e.field for e in refused.value.fields]
    assert fields == ["seller_name", "seller_id_number", "location", "area_m2", "utilities"]
    with province.platform.db.session() as session:
        kept = lifecycle.find_own(session, citizen, draft.number)
        assert kept.status == "draft" and kept.form["area_m2"] == "lots"  # what was typed is kept


def test_eligibility_and_checks_are_enforced(province: Province) -> None:
    citizen = province.citizen()
    draft = lifecycle.start(province.platform, citizen, "ca.elderly_allowance")  # 80 or over
    with pytest.raises(AppError) as refused:
        lifecycle.submit(province.platform, citizen, draft.number, {"bank_card": "bank_account"})
    assert refused.value.code == "applications.not_eligible"
    assert [e.field for e in refused.value.fields] == ["eligibility"]
    fine = lifecycle.start(province.platform, citizen, "psb.traffic_fine_payment")
    instant = lifecycle.submit(
        province.platform, citizen, fine.number, {"decision_no": "330100123456789", "fine_yuan": "200"}
    )
    assert instant.instant and instant.status == "awaiting_payment" and instant.fee_total_fen == 20000


def test_applicants_see_only_their_own_applications_and_can_withdraw(province: Province) -> None:
    citizen = province.citizen()
    draft = lifecycle.start(province.platform, citizen, "psb.id_card_renewal")
    stranger = Principal(kind=ActorKind.CITIZEN, person_id=province.person.id + 999)
    with province.platform.db.session() as session, pytest.raises(NotFound):
        lifecycle.find_own(session, stranger, draft.number)
    lifecycle.withdraw(province.platform, citizen, draft.number)
    with pytest.raises(Conflict):
        lifecycle.withdraw(province.platform, citizen, draft.number)


def test_supplement_and_rejection(province: Province) -> None:
    platform, citizen = province.platform, province.citizen()
    draft = lifecycle.start(platform, citizen, "psb.id_card_renewal")
    app = lifecycle.submit(platform, citizen, draft.number, {"delivery": "post", "address": "杭州市西湖区文三路1号"})
    assert app.status == "in_review"
    with platform.db.session() as session:
        task = review.tasks_of(session, app)[0]
    with pytest.raises(ValidationFailed):
        review.decide(platform, province.clerk("ZJ-PSB"), task.id, "supplement")  # a reason is needed
    asked = review.decide(platform, province.clerk("ZJ-PSB"), task.id, "supplement", "请补充邮寄地址的门牌号")
    assert asked.status == "supplement_requested" and asked.reason == "请补充邮寄地址的门牌号"
    again = lifecycle.submit(
        platform, citizen, draft.number, {"delivery": "post", "address": "杭州市西湖区文三路1号2幢"}
    )
    assert again.status == "in_review"
    refused = review.decide(platform, province.clerk("ZJ-PSB"), task.id, "reject", "照片不符合要求")
    assert refused.status == "rejected"


def test_an_application_keeps_the_version_it_started_with(province: Province) -> None:
    platform, citizen = province.platform, province.citizen()
    draft = lifecycle.start(platform, citizen, "psb.id_card_renewal")
    text = (
        (DEFINITIONS / "public_security.yaml")
        .read_text(encoding="utf-8")
        .replace("amount_fen: 2000", "amount_fen: 4000")
    )
    load_file(platform, system_actor("admin"), name="public_security.yaml", content=text.encode())
    app = lifecycle.submit(platform, citizen, draft.number, {"delivery": "post", "address": "杭州市西湖区文三路1号"})
    assert app.fee_total_fen == 2000  # the version it started with
    newer = lifecycle.start(platform, citizen, "psb.id_card_renewal")
    assert newer.version_id != draft.version_id


def test_the_idempotency_key_starts_one_application(province: Province) -> None:
    citizen = province.citizen()
    first = lifecycle.start(province.platform, citizen, "psb.id_card_renewal", idempotency_key="key-0000000001")
    second = lifecycle.start(province.platform, citizen, "psb.id_card_renewal", idempotency_key="key-0000000001")
    assert first.number == second.number


def test_apply_in_one_call_keeps_a_failed_draft_for_its_key_and_never_starts_two(province: Province) -> None:
    citizen = province.citizen()
    platform = province.platform
    with pytest.raises(ValidationFailed) as refused:
        lifecycle.apply(
            platform, citizen, "trans.ride_hailing_driver", {"platform": "uber"}, idempotency_key="k-000001"
        )
    assert {e.field for e in refused.value.fields} == {"platform"}
    with platform.db.session() as session:
        kept = session.scalars(select(Application).where(Application.idempotency_key == "k-000001")).one()
        assert kept.status == "draft" and kept.form["platform"] == "uber"  # the input is kept
    done, submitted = lifecycle.apply(
        platform, citizen, "trans.ride_hailing_driver", {"platform": "didi"}, idempotency_key="k-000001"
    )
    assert submitted and done.number == kept.number and done.status == "completed"
    again, submitted = lifecycle.apply(
        platform, citizen, "trans.ride_hailing_driver", {"platform": "t3"}, idempotency_key="k-000001"
    )
    assert not submitted and again.number == done.number and again.form["platform"] == "didi"
    assert len(done.certificates) == 1 and len(_wallet(province)) == 1
    with platform.db.session() as session:
        assert len(session.scalars(select(Application)).all()) == 1
