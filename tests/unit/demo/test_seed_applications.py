"""The demo seed leaves the citizen one second-hand housing bundle completed (reviewed by
each department, paid once, settled to each payee, the title in the wallet) and one waiting
for natural resources' review."""

from __future__ import annotations

from sqlalchemy import func, select

from onevisit.app import wire_events
from onevisit.applications.models import Application
from onevisit.applications.services import review
from onevisit.credentials.services.wallet import person_wallet
from onevisit.demo import applications as demo_applications
from onevisit.demo import logins
from onevisit.demo.applications import BUNDLE, WAITING_FOR, seed_applications
from onevisit.demo.seed import seed_province
from onevisit.identity.models import Department, Person
from onevisit.identity.services import people
from onevisit.kernel.platform import Platform
from onevisit.payments import PaymentSettled
from onevisit.payments.models import Bill, PaymentOrder, Receipt, SettlementEntry

CITIZENS, ENTERPRISES, SEED = 80, 12, 4242
BY_KEY = {login.key: login for login in logins.DEMO_LOGINS}


def _citizen(platform: Platform) -> Person:
    with platform.db.session() as session:
        person = people.find_person_by_id_number(session, platform.vault, BY_KEY["citizen"].id_number)
        assert person is not None
        return person


def _bundles(platform: Platform, person: Person) -> dict[str, Application]:
    with platform.db.session() as session:
        apps = session.scalars(
            select(Application).where(Application.person_id == person.id, Application.service_code == BUNDLE)
        ).all()
        return {a.status: a for a in apps}


def test_one_bundle_completed_and_paid_and_one_waiting_for_a_review(platform: Platform) -> None:
    report = seed_province(platform, citizens=CITIZENS, enterprises=ENTERPRISES, seed=SEED)
    assert "applications" in report.timings
    citizen = _citizen(platform)
    bundles = _bundles(platform, citizen)
    assert set(bundles) == {"completed", "in_review"}
    done, waiting = bundles["completed"], bundles["in_review"]
    assert done.kind == waiting.kind == "bundle"
    assert done.form["co_owner"]  # pre-filled from the marriage record: the datahub was read

    with platform.db.session() as session:
        codes = dict(session.execute(select(Department.id, Department.code)).all())
        done_tasks = review.tasks_of(session, done)
        assert {codes[t.department_id] for t in done_tasks} == {"ZJ-HURD", "ZJ-TAX", "ZJ-NR", "ZJ-EIT"}
        assert {t.status for t in done_tasks} == {"approved"}
        waiting_tasks = review.tasks_of(session, waiting)
        still_open = [t for t in waiting_tasks if t.status != "approved"]
        assert [(codes[t.department_id], t.status) for t in still_open] == [(WAITING_FOR, "open")]

        # its single bill, paid once and settled to each fee's department
        bill = session.scalars(select(Bill).where(Bill.number == done.bill_number)).one()
        assert bill.status == "paid" and bill.amount_fen == done.fee_total_fen > 0
        assert session.scalar(select(func.count()).select_from(Bill).where(Bill.reference == waiting.number)) == 0
        orders = session.scalars(select(PaymentOrder).where(PaymentOrder.bill_id == bill.id)).all()
        assert [o.status for o in orders] == ["paid"]
        shares = dict(
            session.execute(
                select(SettlementEntry.department_id, func.sum(SettlementEntry.amount_fen))
                .where(SettlementEntry.kind == "payment", SettlementEntry.source_id == orders[0].id)
                .group_by(SettlementEntry.department_id)
            ).all()
        )
        assert {codes[d] for d in shares} == {"ZJ-TAX", "ZJ-NR"} and sum(shares.values()) == bill.amount_fen
        receipt = session.scalars(select(Receipt).where(Receipt.bill_id == bill.id)).one()
        assert receipt.amount_fen == bill.amount_fen and receipt.ledger_index is not None and receipt.ledger_index >= 0

        # the new title in the citizen's wallet
        wallet = {c.number: c for c in person_wallet(session, citizen.id)}
        [title] = done.certificates
        assert title.startswith("RE-") and wallet[title].type_code == "real_estate_title"
        assert wallet[title].status == "valid"

        # the natural-resources clerk finds the waiting one in the inbox
        nr_clerk = demo_applications._principal(session, platform, BY_KEY["clerk-nr"])
        inbox = review.inbox(session, nr_clerk, platform.clock.now())
        assert waiting.number in {row.application.number for row in inbox}


def test_seeding_again_adds_no_application(platform: Platform) -> None:
    seed_province(platform, citizens=CITIZENS, enterprises=ENTERPRISES, seed=SEED)
    citizen = _citizen(platform)
    again = seed_applications(platform)
    assert again.skipped and again.completed is None
    assert seed_province(platform, citizens=CITIZENS, enterprises=ENTERPRISES, seed=SEED, if_empty=True).skipped
    with platform.db.session() as session:
        count = session.scalar(select(func.count()).select_from(Application).where(Application.person_id == citizen.id))
        assert count == 2
        assert session.scalar(select(func.count()).select_from(Receipt).where(Receipt.payer_name == citizen.name)) == 1


def test_the_seed_subscribes_as_the_app_does_and_never_twice(platform: Platform) -> None:
    wire_events(platform)
    made_by_the_app = platform.bus.subscribers(PaymentSettled.name)
    demo_applications._wire_events(platform)
    assert platform.bus.subscribers(PaymentSettled.name) == made_by_the_app == [demo_applications.SUBSCRIPTION]
