"""Loading the demo records: registering the catalogue and inserting every item in blocks."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from onevisit.datahub.services import catalogue, consents, requests
from onevisit.datahub.services.access import seal_record
from onevisit.datahub.services.records import RECORD_COLUMNS, insert_rows
from onevisit.demo.datahub.catalogue import ITEMS, STALE_ITEM, USES
from onevisit.demo.datahub.firms import firm_builders, read_firms
from onevisit.demo.datahub.people import IntArray, person_builders, read_people
from onevisit.demo.progress import Progress
from onevisit.identity.regions import PROVINCE_CODE
from onevisit.kernel.actors import system_actor
from onevisit.kernel.platform import Platform

BLOCK = 50_000


@dataclass
class DatahubSeedReport:
    items: int = 0
    records: int = 0
    timings: dict[str, float] | None = None


def _load(  # noqa: PLR0917 - private step of seed_datahub()
    writer_session: Any,
    vault: Any,
    keys: list[bytes],
    builders: dict[str, tuple[IntArray, Callable[[int, int], dict[str, Any]]]],
    item_ids: dict[str, int],
    counts: dict[str, int],
    advance: Callable[[int], None],
) -> int:
    n = len(keys)
    if n == 0:
        return 0
    order = np.argsort(np.array(keys, dtype="S32"), kind="stable")
    specs = sorted(((item_ids[code], code, c, build) for code, (c, build) in builders.items()), key=lambda s: s[0])
    total = 0
    for start in range(0, n, BLOCK):
        block = order[start : start + BLOCK]
        batch: list[tuple[Any, ...]] = []
        for i in block.tolist():
            key = keys[i]
            for item_id, code, c, build in specs:
                for k in range(int(c[i])):
                    batch.append((key, item_id, k, seal_record(vault, build(i, k))))
                    counts[code] += 1
        insert_rows(writer_session, "datahub_records", RECORD_COLUMNS, batch)
        total += len(batch)
        advance(len(block))
    return total


#: Access requests waiting in the owners' inboxes: (use, conditional item, legal basis, why).
PENDING_REQUESTS = (
    (
        "hpf.withdrawal",
        "tax.income_tax",
        "《住房公积金管理条例》第二十四条",
        "提取公积金需核实申请人的个人所得税缴纳情况，由部门间共享取得，不再要求申请人提供完税证明。",
    ),
)


def seed_datahub(platform: Platform, *, seed: int, progress: bool = False) -> DatahubSeedReport:
    """Registers the demo catalogue and loads every item's records (one transaction)."""
    report = DatahubSeedReport()
    rng = np.random.default_rng([seed, 4])
    with Progress(show=progress) as bar:
        with bar.phase("datahub-read", "Reading the population", 1):
            people = read_people(platform)
            firms = read_firms(platform)
        uow = platform.uow(system_actor("demo-seed"))
        with uow:
            session = uow.session
            now = uow.clock.now()
            item_ids: dict[str, int] = {}
            items = {}
            for spec in ITEMS:
                source = catalogue.register_source(
                    uow,
                    department_code=spec.department,
                    code=f"{spec.code}.db",
                    name=spec.name_en,
                    connector="own_table",
                    config={"table": "datahub_records"},
                )
                item = catalogue.register_item(
                    uow,
                    source_code=source.code,
                    code=spec.code,
                    name_zh=spec.name_zh,
                    name_en=spec.name_en,
                    subject_kind=spec.subject,
                    sharing=spec.sharing,
                    frequency=spec.frequency,
                    fields=[
                        {
                            "name": n,
                            "type": t,
                            "label_zh": zh,
                            "label_en": en,
                            "concept": c,
                            "required": n not in ("co_owner", "father_name", "mother_name", "spouse_name"),
                        }
                        for n, t, zh, en, c in spec.fields
                    ],
                )
                item_ids[spec.code], items[spec.code] = item.id, item
            for code, zh, en, department, needs_consent, approved in USES:
                catalogue.register_use(
                    uow, code=code, name_zh=zh, name_en=en, department_code=department, requires_consent=needs_consent
                )
                for item_code in approved:
                    catalogue.approve(
                        uow, item_code=item_code, use_code=code, legal_basis="《浙江省公共数据条例》第二十八条"
                    )
            for use_code, item_code, basis, why in PENDING_REQUESTS:
                requests.file_request(uow, item_code=item_code, use_code=use_code, legal_basis=basis, justification=why)
            counts = dict.fromkeys(item_ids, 0)
            with bar.phase("datahub-people", "Loading people's records", len(people)) as step:
                report.records = _load(
                    session, platform.vault, people.keys, person_builders(rng, people), item_ids, counts, step.advance
                )
            with bar.phase("datahub-firms", "Loading enterprises' records", len(firms.keys)) as step:
                report.records += _load(
                    session, platform.vault, firms.keys, firm_builders(rng, firms), item_ids, counts, step.advance
                )
            for code, item in items.items():
                item.record_count = counts[code]
                item.data_updated_at = now - dt.timedelta(days=90) if code == STALE_ITEM else now
            if people.keys:
                consents.grant(uow, subject_key=people.keys[0], use_code="portal.prefill")
            uow.audit(
                "demo.seed_datahub",
                "region",
                PROVINCE_CODE,
                {"seed": seed, "items": len(ITEMS), "records": report.records},
            )
            started = time.perf_counter()
        bar.timings["datahub-commit"] = time.perf_counter() - started
    report.items = len(ITEMS)
    report.timings = bar.timings
    return report
