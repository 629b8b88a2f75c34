"""Enterprise establishment establishes the enterprise: on completion — after the AMR
clerk's approval, after a bundle's reviews, after the payment, or at once for an
individual business — the enterprise is registered with a valid credit code and the
applicant as legal representative, and its business licence is issued into its wallet;
completing twice changes nothing; a name another enterprise has is refused."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from onevisit import credentials
from onevisit.applications.models import Application
from onevisit.applications.services import lifecycle, review
from onevisit.applications.services.lifecycle import instant
from onevisit.catalog.services.loading import load_file
from onevisit.credentials.models import Credential
from onevisit.credentials.services import wallet
from onevisit.demo.catalog import DEFINITIONS
from onevisit.identity.creditcodes import parse_credit_code
from onevisit.identity.models import Enterprise
from onevisit.identity.services.people import enterprises_of
from onevisit.kernel.actors import system_actor
from onevisit.kernel.errors import Conflict, ValidationFailed
from tests.common.factories import make_enterprise
from tests.unit.applications.conftest import Province

NAME = "杭州云栖智能科技有限公司"
COMPANY = {
    "enterprise_name": NAME,
    "enterprise_kind": "limited_company",
    "industry": "I",
    "legal_rep_name": "王小明",
    "registered_capital_yuan": "1000000",
    "business_address": "杭州市西湖区文三路1号",
    "business_scope": "软件开发；信息技术咨询服务",
}
SHOP = {
    **COMPANY,
    "enterprise_name": "杭州西湖小明便利店",
    "enterprise_kind": "individual_business",
    "industry": "F",
    "registered_capital_yuan": "50000",
}
COMMITMENTS = ["articles", "premises"]
TODAY = dt.date(2026, 11, 20)


def _enterprise(province: Province, name: str) -> Enterprise:
    with province.platform.db.session() as session:
        found = session.scalars(select(Enterprise).where(Enterprise.name == name)).all()
        assert len(found) == 1, found
        session.expunge(found[0])
        return found[0]


def _history(province: Province, number: str) -> list[tuple[str, dict[str, object]]]:
    with province.platform.db.session() as session:
        app = session.scalars(select(Application).where(Application.number == number)).one()
        return [(h.action, h.detail) for h in review.history(session, app)]


def _approve_all(province: Province, number: str) -> Application:
    platform = province.platform
    by_department = {ident: code for code, ident in province.departments.items()}
    with platform.db.session() as session:
        app = session.scalars(select(Application).where(Application.number == number)).one()
        tasks = [t for t in review.tasks_of(session, app) if t.status == "open"]
    decided = app
    for task in tasks:
        decided = review.decide(platform, province.clerk(by_department[task.department_id]), task.id, "approve")
    return decided


def _assert_established(province: Province, app: Application, name: str, kind: str, entity_type: str) -> Enterprise:
    enterprise = _enterprise(province, name)
    parsed = parse_credit_code(enterprise.credit_code)  # a valid GB 32100 code
    assert (parsed.authority, parsed.entity_type, parsed.region_code) == ("9", entity_type, "330106")
    assert enterprise.legal_rep_id == province.person.id and enterprise.established_on == TODAY
    assert enterprise.kind == kind and enterprise.status == "active"
    assert app.outcome["enterprise"] == {"credit_code": enterprise.credit_code, "name": name}
    with province.platform.db.session() as session:
        licences = credentials.valid_certificates(session, credentials.Holder.enterprise(enterprise.id))
        mine = credentials.valid_certificates(session, credentials.Holder.person(province.person.id))
        assert (enterprise.id, "representative") in [
            (e.id, how) for e, how in enterprises_of(session, province.person.id)
        ]
    assert [c.type_code for c in licences] == ["business_licence"]
    assert licences[0].number in app.certificates
    assert "business_licence" not in [c.type_code for c in mine]
    history = _history(province, app.number)
    assert ("enterprise_established", {"credit_code": enterprise.credit_code, "name": name}) in history
    assert "certificate_deferred" not in [action for action, _ in history]
    return enterprise


def test_a_limited_company_is_established_when_the_amr_clerk_approves(province: Province) -> None:
    platform, citizen = province.platform, province.citizen()
    draft = lifecycle.start(platform, citizen, "amr.business_licence")
    assert draft.form["legal_rep_name"] == "王小明"  # pre-filled from the applicant
    submitted = lifecycle.submit(platform, citizen, draft.number, COMPANY, commitments=COMMITMENTS)
    assert submitted.status == "in_review"
    with platform.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Enterprise)) == 0
    done = _approve_all(province, draft.number)
    assert done.status == "completed"
    enterprise = _assert_established(province, done, NAME, "limited_company", "1")
    assert (enterprise.industry, enterprise.registered_capital_fen) == ("I", 100_000_000)
    assert enterprise.address == "杭州市西湖区文三路1号"
    with platform.db.session() as session:
        licence = session.scalars(select(Credential).where(Credential.number.in_(done.certificates))).one()
        claims = {d.name: d.value for d in wallet.disclosures(platform.vault, licence)}
    assert claims["name"] == NAME and claims["kind"] == "limited_company" and claims["established_on"] == "2026-11-20"
    actions = [action for action, _ in _history(province, done.number)]
    assert actions[-3:] == ["approved", "enterprise_established", "completed"]


def test_the_enterprise_bundle_establishes_it_after_every_department(province: Province) -> None:
    platform, citizen = province.platform, province.citizen()
    draft = lifecycle.start(platform, citizen, "bundle.enterprise_establishment")
    values = {**COMPANY, "seal_set": "standard", "vat_status": "small_scale", "expected_employees": "5"}
    submitted = lifecycle.submit(platform, citizen, draft.number, values, commitments=COMMITMENTS)
    assert submitted.status == "in_review"
    with platform.db.session() as session:
        tasks = review.tasks_of(session, submitted)
    by_id = {ident: code for code, ident in province.departments.items()}
    assert {by_id[t.department_id] for t in tasks} == {"ZJ-AMR", "ZJ-PSB", "ZJ-TAX", "ZJ-HRSS"}
    done = _approve_all(province, draft.number)
    assert done.status == "completed" and done.service_code == "bundle.enterprise_establishment"
    _assert_established(province, done, NAME, "limited_company", "1")


def _with_a_fee(province: Province) -> None:
    """amr.business_licence as a newer version with a fee and a payment step."""
    text = (DEFINITIONS / "enterprise.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    time_limits: {statutory_days: 3, committed_days: 1}\n",
        "    fees:\n"
        "      - {code: licence_fee, name: {zh: 工本费, en: Licence fee}, amount_fen: 1000, payee: ZJ-AMR}\n"
        "    time_limits: {statutory_days: 3, committed_days: 1}\n",
        1,
    ).replace("      - id: issue\n", "      - {id: pay, kind: payment}\n      - id: issue\n", 1)
    result = load_file(province.platform, system_actor("admin"), name="enterprise.yaml", content=text.encode())
    assert "amr.business_licence" in result.updated


def test_after_payment_and_completing_twice_makes_one_enterprise_and_one_licence(province: Province) -> None:
    platform, citizen = province.platform, province.citizen()
    _with_a_fee(province)
    app = lifecycle.apply(platform, citizen, "amr.business_licence", COMPANY, commitments=COMMITMENTS)[0]
    approved = _approve_all(province, app.number)
    assert approved.status == "awaiting_payment" and approved.fee_total_fen == 1000
    with platform.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Enterprise)) == 0  # not before it is paid
    paid = SimpleNamespace(source="applications", reference=app.number, bill_number=approved.bill_number)
    handler = review.on_payment_settled(platform)
    for _ in range(2):  # the notification delivered twice
        with platform.uow(system_actor("payments")) as uow:
            handler(uow, paid)
    # and completion itself run again (a retry that got past the status check)
    with platform.uow(system_actor("payments")) as uow:
        again = uow.session.scalars(select(Application).where(Application.number == app.number)).one()
        lifecycle.resume(uow, platform, again, paid=True)
    with platform.db.session() as session:
        done = session.scalars(select(Application).where(Application.number == app.number)).one()
        session.expunge(done)
        assert session.scalar(select(func.count()).select_from(Enterprise)) == 1
        issued = session.scalars(select(Credential).where(Credential.reference.like(f"{app.number}:%"))).all()
    assert [c.type_code for c in issued] == ["business_licence"]
    _assert_established(province, done, NAME, "limited_company", "1")
    actions = [action for action, _ in _history(province, app.number)]
    assert actions.count("enterprise_established") == 1


def test_an_individual_business_is_established_at_once_through_apply(province: Province) -> None:
    platform, citizen = province.platform, province.citizen()
    with platform.db.session() as session:
        matter = lifecycle.core._current_matter(session, "amr.business_licence")
    assert not instant._may_be_instant(platform, matter)  # the ordinary path registers it
    request = instant.ApplyRequest(citizen, "amr.business_licence", SHOP, tuple(COMMITMENTS))
    assert instant.prepare(platform, request) is None
    app, submitted = lifecycle.apply(platform, citizen, "amr.business_licence", SHOP, commitments=COMMITMENTS)
    assert submitted and app.status == "completed" and app.instant
    enterprise = _assert_established(province, app, SHOP["enterprise_name"], "individual_business", "2")
    assert enterprise.industry == "F" and enterprise.registered_capital_fen == 5_000_000


def test_a_taken_name_is_refused_at_submission_and_the_draft_kept(province: Province) -> None:
    platform, citizen = province.platform, province.citizen()
    make_enterprise(platform, province.person, name=NAME)
    draft = lifecycle.start(platform, citizen, "amr.business_licence")
    with pytest.raises(ValidationFailed) as refused:
        lifecycle.submit(platform, citizen, draft.number, COMPANY, commitments=COMMITMENTS)
    assert refused.value.code == "applications.enterprise.name_taken"
    assert [(e.field, e.params) for e in refused.value.fields] == [("enterprise_name", {"name": NAME})]
    # the instant path (an individual business) refuses it the same way
    with pytest.raises(ValidationFailed) as instantly:
        lifecycle.apply(
            platform, citizen, "amr.business_licence", {**SHOP, "enterprise_name": NAME}, commitments=COMMITMENTS
        )
    assert instantly.value.code == "applications.enterprise.name_taken"
    with platform.db.session() as session:
        kept = lifecycle.find_own(session, citizen, draft.number)
        assert kept.status == "draft" and kept.form["enterprise_name"] == NAME
        assert session.scalar(select(func.count()).select_from(Enterprise)) == 1


def test_a_name_taken_before_approval_is_for_the_clerk_to_resolve(province: Province) -> None:
    platform, citizen = province.platform, province.citizen()
    submitted = lifecycle.apply(platform, citizen, "amr.business_licence", COMPANY, commitments=COMMITMENTS)[0]
    make_enterprise(platform, province.person, name=NAME)  # registered in the meantime
    with platform.db.session() as session:
        task = review.tasks_of(session, submitted)[0]
    with pytest.raises(Conflict) as refused:
        review.decide(platform, province.clerk("ZJ-AMR"), task.id, "approve")
    assert refused.value.code == "applications.enterprise.name_taken"
    with platform.db.session() as session:
        assert review.tasks_of(session, submitted)[0].status == "open"  # nothing was decided
    review.decide(platform, province.clerk("ZJ-AMR"), task.id, "supplement", "该名称已被登记，请更换名称。")
    renamed = {**COMPANY, "enterprise_name": "杭州云栖数据科技有限公司"}
    lifecycle.submit(platform, citizen, submitted.number, renamed, commitments=COMMITMENTS)
    done = review.decide(platform, province.clerk("ZJ-AMR"), task.id, "approve")
    assert done.status == "completed"
    _assert_established(province, done, "杭州云栖数据科技有限公司", "limited_company", "1")
