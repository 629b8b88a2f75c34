"""Two "one matter" applications of the demo citizen, so a visitor sees both ends of the
second-hand housing bundle without working through it first:

- one **completed**: reviewed by a clerk of each department (housing, tax, natural
  resources, economy and IT), its single bill paid at the channel and settled to each fee's
  department, the e-receipt on the ledger, the new real-estate title in the citizen's wallet;
- one **waiting** for natural resources' registration review (the other departments have
  approved): the natural-resources clerk finds it in their inbox.

Everything goes through the real services — ``lifecycle.start``/``submit`` as the citizen,
``review.decide`` as the demo clerks, the payments service paying at a channel simulator
served in-process, and the ``payments.settled`` subscription completing the application —
so the rows, audit records, history and ledger entries are those a visitor's own journey
leaves. The housing department's filed sale contracts (and, if the generated province gave
the citizen none, last year's income-tax record) are loaded into the datahub first: the
bundle fetches its materials from there.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onevisit.applications.models import Application
from onevisit.applications.services import lifecycle, review
from onevisit.datahub.models import DataRecord
from onevisit.datahub.services import records
from onevisit.datahub.services.catalogue import find_item
from onevisit.datahub.services.subjects import person_key
from onevisit.demo.logins import DEMO_LOGINS, DemoLogin
from onevisit.identity.models import Account, Person, RoleGrant, StaffMember
from onevisit.identity.permissions import Role, permissions_for
from onevisit.identity.services import people
from onevisit.kernel.actors import ActorKind, Principal, system_actor
from onevisit.kernel.platform import Platform
from onevisit.payments.demo import pay_at_simulator

BUNDLE = "bundle.second_hand_housing"
APPLICANT = "citizen"  # the demo login who applied (docs/demo.md)
#: the department whose review the second application still waits for
WAITING_FOR = "ZJ-NR"
COMPLETED_KEY, WAITING_KEY = "demo-housing-completed", "demo-housing-waiting"
SUBSCRIPTION = "applications.payment_settled"  # as app.wire_events names it


@dataclass(frozen=True, slots=True)
class Home:
    """One purchase: the filed contract (datahub) and what the buyer types into the form."""

    contract_no: str
    price_yuan: int
    location: str
    area_m2: str


#: Two flats the demo citizen bought; the first purchase is done, the second under way.
HOMES = (
    Home("HZ{year}-000318", 2_400_000, "杭州市西湖区文三路 138 号 3 幢 2 单元 501 室", "88"),
    Home("HZ{year}-001207", 1_650_000, "杭州市拱墅区湖墅南路 66 号 1 幢 1 单元 302 室", "62.5"),
)


@dataclass
class ApplicationsSeedReport:
    completed: str | None = None
    waiting: str | None = None
    certificate: str | None = None
    receipt_order: str | None = None
    skipped: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


def seed_applications(platform: Platform) -> ApplicationsSeedReport:
    """The two bundle applications (nothing when the citizen has applied for the bundle already)."""
    report = ApplicationsSeedReport()
    started = time.perf_counter()
    _wire_events(platform)
    with platform.db.session() as session:
        citizen = _principal(session, platform, _login(APPLICANT))
        clerks = {
            clerk.department_id: clerk
            for clerk in (_principal(session, platform, login) for login in DEMO_LOGINS if login.role == Role.CLERK)
        }
        if session.scalar(
            select(func.count())
            .select_from(Application)
            .where(Application.person_id == citizen.person_id, Application.service_code == BUNDLE)
        ):
            report.skipped = "the demo citizen has applied for the bundle already"
            return report
        seller = _seller(session, platform, citizen)
    year = platform.clock.now().year
    homes = [Home(h.contract_no.format(year=year), h.price_yuan, h.location, h.area_m2) for h in HOMES]
    _file_contracts(platform, _login(APPLICANT), homes, year)

    completed = _apply(platform, citizen, homes[0], seller, COMPLETED_KEY)
    _approve(platform, clerks, completed, stop_at=None)
    bill = _bill_of(platform, completed)
    report.receipt_order = pay_at_simulator(platform, citizen, bill, idempotency_key=COMPLETED_KEY, channel="alipay")
    done = _reload(platform, completed)
    if done.status != "completed" or not done.certificates:
        raise RuntimeError(f"the demo application {completed} did not complete after payment: {done.status}")
    report.completed, report.certificate = completed, done.certificates[0]

    waiting = _apply(platform, citizen, homes[1], seller, WAITING_KEY)
    _approve(platform, clerks, waiting, stop_at=WAITING_FOR)
    report.waiting = waiting
    report.timings["applications"] = time.perf_counter() - started
    return report


def _wire_events(platform: Platform) -> None:
    """A paid bill completes its application through the ``payments.settled`` subscription.
    A web app on this platform has made it (``app.wire_events``); the seed's own platform has
    none, so it subscribes the same handler with the same filter and name here — importing
    the web app for it would cost the seed over a second (a test keeps the two alike)."""
    from onevisit.payments import PaymentSettled

    if SUBSCRIPTION not in platform.bus.subscribers(PaymentSettled.name):
        platform.bus.subscribe(
            PaymentSettled, review.on_payment_settled(platform), name=SUBSCRIPTION, when=review.settles_an_application
        )


def _login(key: str) -> DemoLogin:
    return next(login for login in DEMO_LOGINS if login.key == key)


def _principal(session: Session, platform: Platform, login: DemoLogin) -> Principal:
    """The principal the demo login gets when signing in (roles and post from the database)."""
    person = people.find_person_by_id_number(session, platform.vault, login.id_number)
    account = session.scalar(select(Account).where(Account.person_id == person.id)) if person else None
    if person is None or account is None:
        raise RuntimeError(f"the demo login {login.key} has no account: seed the province first")
    post = session.scalar(select(StaffMember).where(StaffMember.account_id == account.id))
    roles = {Role.CITIZEN, *session.scalars(select(RoleGrant.role).where(RoleGrant.account_id == account.id))}
    return Principal(
        kind=ActorKind.STAFF if post else ActorKind.CITIZEN,
        account_id=account.id,
        person_id=person.id,
        display_name=person.name,
        roles=frozenset(roles),
        permissions=permissions_for(roles),
        department_id=post.department_id if post else None,
    )


def _seller(session: Session, platform: Platform, buyer: Principal) -> tuple[str, str]:
    """Who sold: the province's last generated person (no demo login, not the buyer's family)."""
    person = session.scalars(select(Person).where(Person.id != buyer.person_id).order_by(Person.id.desc())).first()
    if person is None:
        raise RuntimeError("the demo province has nobody to sell a home")
    return person.name, people.id_number_of(platform.vault, person)


def _file_contracts(platform: Platform, buyer: DemoLogin, homes: list[Home], year: int) -> None:
    """The housing department's filed sale contracts of the buyer's two purchases, and a
    tax record for the bundle's "tax paid" material when the generated province gave none."""
    key = person_key(platform.vault, buyer.id_number)
    today = platform.clock.now().date()
    with platform.uow(system_actor("demo-seed")) as uow:
        contracts = find_item(uow.session, "hurd.housing_contract")
        filed = [
            (
                key,
                {
                    "contract_no": home.contract_no,
                    "price_yuan": home.price_yuan,
                    "filed_on": (today - dt.timedelta(days=30 - 20 * i)).isoformat(),
                },
            )
            for i, home in enumerate(homes)
        ]
        records.load(uow, contracts, filed, replace=False)
        tax = find_item(uow.session, "tax.income_tax")
        has_tax = uow.session.scalar(
            select(func.count())
            .select_from(DataRecord)
            .where(DataRecord.item_id == tax.id, DataRecord.subject_key == key)
        )
        if not has_tax:
            records.load(
                uow, tax, [(key, {"year": year - 1, "income_yuan": 186_000, "tax_yuan": 9_880})], replace=False
            )
        uow.audit(
            "demo.seed_housing_records",
            "datahub_item",
            contracts.code,
            {"contracts": len(filed), "tax_record": not has_tax},
        )


def _apply(platform: Platform, citizen: Principal, home: Home, seller: tuple[str, str], key: str) -> str:
    """Starts the bundle (the form pre-filled from the datahub) and submits it as the citizen would."""
    draft = lifecycle.start(platform, citizen, BUNDLE, idempotency_key=key)
    form = {
        **draft.form,
        "contract_no": home.contract_no,
        "price_yuan": str(home.price_yuan),
        "location": home.location,
        "area_m2": home.area_m2,
        "seller_name": seller[0],
        "seller_id_number": seller[1],
        "utilities": "all",
    }
    return lifecycle.submit(platform, citizen, draft.number, form).number


def _approve(platform: Platform, clerks: dict[int | None, Principal], number: str, *, stop_at: str | None) -> None:
    """Each open task approved by its department's demo clerk, stage after stage, except
    ``stop_at``'s department's, which is left open in its inbox."""
    for _stage in range(10):  # a bundle has a few stages at most
        with platform.db.session() as session:
            waiting_for = people.find_department(session, stop_at).id if stop_at else None
            app = session.scalars(select(Application).where(Application.number == number)).one()
            tasks = [
                (t.id, t.department_id)
                for t in review.tasks_of(session, app)
                if t.status == "open" and t.department_id != waiting_for
            ]
        if not tasks:
            return
        for task_id, department_id in tasks:
            clerk = clerks.get(department_id)
            if clerk is None:
                raise RuntimeError(f"the demo has no clerk for department {department_id} ({number})")
            review.decide(platform, clerk, task_id, "approve")
    raise RuntimeError(f"the demo application {number} kept opening tasks")


def _reload(platform: Platform, number: str) -> Application:
    with platform.db.session() as session:
        app = session.scalars(select(Application).where(Application.number == number)).one()
        session.expunge(app)
        return app


def _bill_of(platform: Platform, number: str) -> str:
    app = _reload(platform, number)
    if app.status != "awaiting_payment" or not app.bill_number:
        raise RuntimeError(f"the demo application {number} is {app.status}, not waiting for payment")
    return app.bill_number


def applications_note(platform: Platform) -> str | None:
    """What ``onevisit demo logins`` says about them (None when there are none)."""
    login = _login(APPLICANT)
    with platform.db.session() as session:
        person = people.find_person_by_id_number(session, platform.vault, login.id_number)
        if person is None:
            return None
        apps = session.scalars(
            select(Application)
            .where(Application.person_id == person.id, Application.service_code == BUNDLE)
            .order_by(Application.id)
        ).all()
    if not apps:
        return None
    said = {
        "completed": "completed, paid once, the new title {certificates} in My certificates",
        "in_review": f"waiting for the natural-resources clerk ({WAITING_FOR}) to review it",
        "awaiting_payment": "approved, waiting for the citizen's payment",
    }
    parts = [
        f"{app.number} " + said.get(app.status, app.status).format(certificates=", ".join(app.certificates))
        for app in apps
    ]
    return f"The {login.label.lower()}'s second-hand housing bundles (My applications): " + "; ".join(parts) + "."
