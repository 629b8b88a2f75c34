"""The access log on the ledger, conflicts between sources, stale sources, the catalogue's checks."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from onevisit import datahub, ledger
from onevisit.datahub.errors import DatahubError
from onevisit.datahub.models import AccessLog, DataConflict
from onevisit.datahub.services import anchoring, catalogue, quality
from onevisit.kernel.actors import system_actor
from onevisit.kernel.clock import FrozenClock
from onevisit.kernel.errors import AppError
from onevisit.kernel.platform import Platform
from onevisit.ledger.models import LedgerEntry
from tests.unit.datahub.conftest import Hub
from tests.unit.datahub.test_access import TRANSFER, clerk


def test_access_rows_are_anchored_on_the_ledger_in_batches(platform: Platform, hub: Hub) -> None:
    datahub.read(platform, clerk(hub.other.id), subject=hub.id_number, purpose=TRANSFER)
    with pytest.raises(AppError):
        datahub.read(platform, clerk(hub.other.id), subject=hub.id_number, purpose=TRANSFER, items=["psb.correction"])
    with platform.uow(system_actor("anchor")) as uow:
        assert anchoring.anchor_pending(uow, limit=2) == 2
    with platform.uow(system_actor("anchor")) as uow:
        assert anchoring.anchor_pending(uow) == 2
    with platform.uow(system_actor("anchor")) as uow:
        assert anchoring.anchor_pending(uow) == 0
    with platform.db.session() as session:
        rows = list(session.scalars(select(AccessLog).order_by(AccessLog.id)))
        assert [r.ledger_index for r in rows] == [0, 1, 2, 3]
        proof = ledger.prove_inclusion(session, anchoring.LOG, 3)
        assert proof.tree_size == 4
        entry = session.scalars(select(LedgerEntry.data).where(LedgerEntry.idx == 3)).one()
    assert anchoring.digest(rows[3]).encode() in bytes(entry)
    assert not rows[3].granted


def test_conflict_scan_keeps_a_row_per_subject_and_concept(platform: Platform, hub: Hub) -> None:
    with platform.uow() as uow:
        assert quality.scan_conflicts(uow) == 1
    with platform.uow() as uow:
        assert quality.scan_conflicts(uow) == 1  # idempotent
    with platform.db.session() as session:
        rows = list(session.scalars(select(DataConflict)))
    assert [(r.concept, r.item_codes, r.resolved_at) for r in rows] == [
        ("residential_address", ["nr.title", "psb.household"], None)
    ]


def test_stale_sources_by_declared_frequency(platform: Platform, hub: Hub, clock: FrozenClock) -> None:
    with platform.db.session() as session:
        assert quality.stale_items(session, clock.now()) == []
    clock.advance(days=3)
    with platform.db.session() as session:
        stale = {s.item.code for s in quality.stale_items(session, clock.now())}
    assert "psb.household" in stale
    assert catalogue.is_stale("yearly", clock.now() - dt.timedelta(days=300), clock.now()) is False
    assert catalogue.is_stale("weekly", None, clock.now()) is True


def test_catalogue_refuses_duplicates_and_bad_schemas(platform: Platform, hub: Hub) -> None:
    cases = [
        ({"code": "psb.household"}, DatahubError.ITEM_EXISTS),
        ({"fields": [{"name": "Bad Name"}]}, DatahubError.SCHEMA_INVALID),
        ({"fields": []}, DatahubError.SCHEMA_INVALID),
        ({"sharing": "sometimes"}, DatahubError.SCHEMA_INVALID),
        ({"source_code": "nope"}, DatahubError.SOURCE_UNKNOWN),
    ]
    for change, code in cases:
        args: dict[str, object] = {
            "source_code": "psb.db",
            "code": "psb.new",
            "name_zh": "新",
            "name_en": "New",
            "subject_kind": "person",
            "sharing": "unconditional",
            "frequency": "daily",
            "fields": [{"name": "x"}],
            **change,
        }
        with pytest.raises(AppError) as caught, platform.uow() as uow:
            catalogue.register_item(uow, **args)  # type: ignore[arg-type]
        assert caught.value.code is code, change


def test_conflicts_list_whatever_bytes_a_persons_blind_index_holds(platform: Platform, hub: Hub) -> None:
    """A person's subject key is a 16-byte blind index and may hold a NUL byte; listing the
    conflicts must not send it as an enterprise's credit code (PostgreSQL refuses NUL in
    text): the page showed a 500 for about one subject in sixteen."""
    from onevisit.datahub.presenters import department_conflicts

    with platform.uow(system_actor("test")) as uow:
        for key in (b"\x00" * 16, b"\xff\x00" * 8, b"91330106MA2B0000X1"):
            uow.session.add(
                DataConflict(
                    subject_key=key,
                    concept="residential_address",
                    item_codes=["psb.household"],
                    detected_at=uow.clock.now(),
                )
            )
    with platform.db.session() as session:
        count, lines = department_conflicts(session, platform.vault, None)
    assert count >= 3 and len(lines) == count
