"""Instant approvals group-committed (``lifecycle.instant``): a batch written in one
transaction leaves exactly what the ordinary path leaves — the application completed, its
certificate valid in the wallet and on the ledger, the same history and audit, the dossier
read in the access log under the application's number — and anything that is not a plain
instant approval goes the ordinary way."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select

from onevisit.applications.models import Application, HistoryEntry
from onevisit.applications.services import lifecycle
from onevisit.applications.services.lifecycle import instant
from onevisit.credentials.models import Credential
from onevisit.credentials.services import verification, wallet
from onevisit.datahub.models import AccessLog
from onevisit.kernel.audit import AuditEvent
from onevisit.kernel.errors import ValidationFailed
from tests.unit.applications.conftest import Province

RIDE = "trans.ride_hailing_driver"


def _request(province: Province, key: str, **values: str) -> instant.ApplyRequest:
    form = {"platform": "didi", **values}
    return instant.ApplyRequest(province.citizen(), RIDE, form, (), key, "203.0.113.7")


def _prepared(province: Province, key: str) -> instant.Prepared:
    found = instant.prepare(province.platform, _request(province, key))
    assert isinstance(found, instant.Prepared)
    return found


def _history(province: Province, app_id: int) -> list[str]:
    with province.platform.db.session() as session:
        rows = session.scalars(
            select(HistoryEntry.action).where(HistoryEntry.application_id == app_id).order_by(HistoryEntry.id)
        )
        return list(rows)


def _audit(province: Province, number: str) -> list[str]:
    with province.platform.db.session() as session:
        rows = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == number).order_by(AuditEvent.id))
        return sorted(rows)


def test_a_batch_leaves_what_the_ordinary_path_leaves(province: Province) -> None:
    platform = province.platform
    ordinary, submitted = lifecycle.apply(
        platform, province.citizen(), RIDE, {"platform": "didi"}, idempotency_key="ordinary-1"
    )
    assert submitted and ordinary.status == "completed"
    batch = [_prepared(province, f"batch-{i}") for i in range(3)]
    written = instant.write(platform, batch)
    assert all(isinstance(a, Application) for a in written)
    apps = [a for a in written if isinstance(a, Application)]
    assert len({a.number for a in apps}) == 3
    with platform.db.session() as session:
        for app in apps:
            stored = session.get(Application, app.id)
            assert stored is not None and stored.number == app.number
            assert stored.number == f"A{dt.date(2026, 11, 20):%Y%m%d}{stored.id:06d}"  # the frozen clock's day
            assert stored.status == "completed" and stored.instant and stored.fee_total_fen == 0
            assert stored.materials == ordinary.materials and stored.form == {"platform": "didi"}
            assert stored.outcome["record"]["application_no"] == stored.number
            assert stored.certificates == app.certificates and len(stored.certificates) == 1
            cert = session.scalar(select(Credential).where(Credential.number == stored.certificates[0]))
            assert cert is not None and cert.reference == f"{stored.number}:ride_hailing_driver"
            assert cert.holder_person_id == province.person.id and cert.ledger_index is not None
            # the certificate verifies: signature, status, the ledger's inclusion proof
            report = verification.verify(
                session, wallet.presentation(platform.vault, cert), today=dt.date(2026, 11, 20)
            )
            assert report.valid, report.reason
            reads = session.scalars(select(AccessLog.item_code).where(AccessLog.reference == stored.number)).all()
            assert {"psb.driving_licence", "psb.no_criminal_record"} <= set(reads)
            assert _history(province, stored.id) == _history(province, ordinary.id)
            assert _audit(province, stored.number) == _audit(province, ordinary.number)
            actors = session.scalars(select(AuditEvent.actor).where(AuditEvent.object_id == stored.number)).all()
            assert set(actors) == {province.citizen().label}  # the applicant, not the batch
        # nothing was logged under the provisional reference: every read carries its number
        assert session.scalar(select(func.count()).where(AccessLog.reference == instant.PROVISIONAL)) == 0


def test_what_is_not_a_plain_instant_approval_takes_the_ordinary_path(province: Province) -> None:
    platform = province.platform
    # a problem to name (the form), a review step (the housing bundle), a fee (a traffic fine)
    assert instant.prepare(platform, _request(province, "bad-form-1", platform="uber")) is None
    housing = instant.ApplyRequest(province.citizen(), "bundle.second_hand_housing", {}, (), "housing-1", None)
    assert instant.prepare(platform, housing) is None
    fine = instant.ApplyRequest(
        province.citizen(), "psb.traffic_fine_payment", {"decision_no": "3301062026000001", "fine_yuan": "200"}
    )
    assert instant.prepare(platform, fine) is None
    unknown = instant.ApplyRequest(province.citizen(), "no.such_service", {}, (), None, None)
    assert instant.prepare(platform, unknown) is None  # the ordinary path answers 404
    # nothing was written by preparing
    with platform.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Application)) == 0


def test_the_keys_earlier_application_is_answered_as_it_is(province: Province) -> None:
    platform = province.platform
    first = instant.write(platform, [_prepared(province, "again-1")])[0]
    assert isinstance(first, Application)
    found = instant.prepare(platform, _request(province, "again-1"))
    assert isinstance(found, Application) and found.number == first.number
    # a kept draft (its form failed) is submitted again the ordinary way
    with pytest.raises(ValidationFailed):
        lifecycle.apply(platform, province.citizen(), RIDE, {"platform": "uber"}, idempotency_key="draft-1")
    assert instant.prepare(platform, _request(province, "draft-1")) is None


def test_two_requests_with_one_key_make_one_application(province: Province) -> None:
    """Two prepared requests with the same key (a double click that raced): the batch fails
    on the unique key and is retried one by one; the second is refused, and the API then
    answers it with the first one's application through the ordinary path."""
    platform = province.platform
    one, two = _prepared(province, "twice-1"), _prepared(province, "twice-1")
    group = instant.group(platform)

    async def both() -> list[Application | BaseException]:
        return list(await asyncio.gather(group.submit(one), group.submit(two), return_exceptions=True))

    outcomes = asyncio.run(both())
    done = [o for o in outcomes if isinstance(o, Application)]
    refused = [o for o in outcomes if isinstance(o, instant.KeyTaken)]
    assert len(done) == 1 and len(refused) == 1, outcomes
    app, submitted = lifecycle.apply(
        platform, province.citizen(), RIDE, {"platform": "didi"}, idempotency_key="twice-1"
    )
    assert not submitted and app.number == done[0].number
    with platform.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Application)) == 1
        assert session.scalar(select(func.count()).select_from(Credential)) == 1
