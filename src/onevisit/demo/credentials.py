"""The demo province's e-certificates, issued from what the datahub's records say.

Every certificate matches a department's record: a marriage registration becomes a marriage
certificate with the same number and date (both spouses hold one), a real-estate record a
title, a driving-licence record a licence with its own expiry (some have expired, as in
life), a car-hailing qualification a driver's certificate — together with the no-criminal-
record certificate the qualification needs — a bachelor's or higher education a degree, a
vocational qualification its certificate; every enterprise's registration a business
licence, and discharge permits for the enterprises that hold one. The demo citizen also
gets a no-criminal-record certificate when their record is clean.

Issued in batches (:func:`credentials.issue_many`: one ledger append per batch) in one
transaction; then a tree head of the certificate log is signed, so verification shows the
ledger proof at once, and the certificate library is loaded into the datahub.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from onevisit import credentials, ledger
from onevisit.credentials.inclusion import CERTIFICATE_LOG
from onevisit.credentials.services.issuance import HolderFacts
from onevisit.credentials.services.materials import sync_datahub
from onevisit.datahub.services.access import open_record
from onevisit.demo.progress import Progress
from onevisit.identity.services.people import ID_KIND
from onevisit.kernel.actors import system_actor
from onevisit.kernel.hotsql import as_date
from onevisit.kernel.platform import Platform

BATCH = 5_000
SOURCE = "demo-seed"
DEGREES = {"本科": "学士", "硕士": "硕士", "博士": "博士"}
PERSON_ITEMS = (
    "ca.marriage",
    "nr.real_estate",
    "psb.driving_licence",
    "trans.ride_hailing_driver",
    "psb.no_criminal_record",
    "edu.degree",
    "hrss.qualification",
)
ENTERPRISE_ITEMS = ("amr.business_registration", "ee.discharge_permit")
DEMO_CITIZEN_ID = 1  # row 0 of the population (demo.logins)


@dataclass
class CredentialsSeedReport:
    issued: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


Request = credentials.IssueRequest


def _date(value: object) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


def _person_requests(platform: Platform) -> Iterator[Request]:
    """One request per certificate a person's records justify, holder by holder."""
    vault = platform.vault
    codes = ", ".join(f"'{c}'" for c in PERSON_ITEMS)
    query = text(
        "SELECT p.id, p.name, p.birth_date, p.id_number_enc, i.code, r.payload, sp.id_number_enc "  # noqa: S608
        "FROM datahub_records r JOIN datahub_items i ON i.id = r.item_id "
        "JOIN persons p ON p.id_number_index = r.subject_key "
        "LEFT JOIN person_relations pr ON pr.person_id = p.id AND pr.kind = 'spouse' "
        "LEFT JOIN persons sp ON sp.id = pr.relative_id "
        f"WHERE i.code IN ({codes}) ORDER BY p.id, i.code, r.seq"
    )
    with platform.db.engine.connect() as conn:
        current: int | None = None
        records: dict[str, list[dict[str, Any]]] = {}
        facts: HolderFacts | None = None
        spouse_enc: bytes | None = None
        for pid, name, birth, enc, code, payload, spouse in conn.execute(query).yield_per(10_000):
            if pid != current:
                if current is not None and facts is not None:
                    yield from _for_person(current, facts, records, spouse_enc, vault)
                current, records = pid, {}
                facts = HolderFacts(name, vault.open(bytes(enc), kind=ID_KIND), as_date(birth))
                spouse_enc = bytes(spouse) if spouse is not None else None
            records.setdefault(code, []).append(open_record(vault, bytes(payload)))
        if current is not None and facts is not None:
            yield from _for_person(current, facts, records, spouse_enc, vault)


def _for_person(
    pid: int, facts: HolderFacts, records: dict[str, list[dict[str, Any]]], spouse_enc: bytes | None, vault: Any
) -> Iterator[Request]:
    holder = credentials.Holder.person(pid)

    def make(type_code: str, fields: dict[str, Any], start: object = None, reference: str = "") -> Request:
        return Request(type_code, holder, fields, facts=facts, valid_from=_date(start), reference=reference or None)

    for rec in records.get("ca.marriage", []):
        fields = {k: rec.get(k) for k in ("certificate_no", "spouse_name", "registered_on")}
        if spouse_enc is not None:
            fields["spouse_id_number"] = vault.open(spouse_enc, kind=ID_KIND)
        yield make("marriage_certificate", fields, rec.get("registered_on"))
    for rec in records.get("nr.real_estate", []):
        fields = {k: rec.get(k) for k in ("certificate_no", "location", "area_m2", "co_owner", "registered_on")}
        yield make("real_estate_title", fields, rec.get("registered_on"))
    for rec in records.get("psb.driving_licence", []):
        fields = {k: rec.get(k) for k in ("licence_class", "issued_on", "valid_until")}
        yield make("driving_licence", fields, rec.get("issued_on"))
    drives = records.get("trans.ride_hailing_driver", [])
    for rec in drives:
        yield make(
            "ride_hailing_driver",
            {k: rec.get(k) for k in ("certificate_no", "issued_on", "valid_until")},
            rec.get("issued_on"),
        )
    clean = [r for r in records.get("psb.no_criminal_record", []) if r.get("status") == "none"]
    if clean and (drives or pid == DEMO_CITIZEN_ID):
        yield make("no_criminal_record", {"checked_on": clean[0].get("checked_on"), "purpose": "从业资格审查"})
    for rec in records.get("edu.degree", []):
        degree = DEGREES.get(str(rec.get("level")))
        if degree is not None:
            fields = {"level": degree, "institution": rec.get("institution"), "graduated_on": rec.get("graduated_on")}
            yield make("degree", fields, rec.get("graduated_on"))
    for rec in records.get("hrss.qualification", []):
        yield make("vocational_qualification", {k: rec.get(k) for k in ("title", "level", "certificate_no")})


def _enterprise_requests(platform: Platform) -> Iterator[Request]:
    vault = platform.vault
    with platform.db.engine.connect() as conn:
        firms = {
            code: (eid, name) for eid, code, name in conn.execute(text("SELECT id, credit_code, name FROM enterprises"))
        }
        codes = ", ".join(f"'{c}'" for c in ENTERPRISE_ITEMS)
        rows = conn.execute(
            text(
                "SELECT i.code, r.subject_key, r.payload FROM datahub_records r "  # noqa: S608
                f"JOIN datahub_items i ON i.id = r.item_id WHERE i.code IN ({codes}) ORDER BY r.subject_key, i.code"
            )
        ).yield_per(10_000)
        for code, key, payload in rows:
            found = firms.get(bytes(key).decode("ascii"))
            if found is None:
                continue
            eid, name = found
            rec = open_record(vault, bytes(payload))
            holder = credentials.Holder.enterprise(eid)
            facts = HolderFacts(name, bytes(key).decode("ascii"))
            if code == "amr.business_registration":
                fields = {
                    k: rec.get(k)
                    for k in ("name", "kind", "legal_rep_name", "registered_capital_yuan", "established_on", "address")
                }
                yield Request(
                    "business_licence", holder, fields, facts=facts, valid_from=_date(rec.get("established_on"))
                )
            else:
                fields = {k: rec.get(k) for k in ("permit_no", "valid_until")}
                until = _date(rec.get("valid_until"))  # permits run five years
                start = until.replace(year=until.year - 5) + dt.timedelta(days=1) if until else None
                yield Request("discharge_permit", holder, fields, facts=facts, valid_from=start)


def _batches(requests: Iterator[Request], size: int) -> Iterator[list[Request]]:
    batch: list[Request] = []
    for request in requests:
        batch.append(request)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _count(platform: Platform, items: tuple[str, ...]) -> int:
    codes = ", ".join(f"'{c}'" for c in items)
    with platform.db.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM datahub_records r JOIN datahub_items i ON i.id = r.item_id "  # noqa: S608
                    f"WHERE i.code IN ({codes})"
                )
            ).scalar_one()
        )


def seed_credentials(platform: Platform, *, progress: bool = False, batch: int = BATCH) -> CredentialsSeedReport:
    """Issues the province's certificates from the datahub's records (one transaction)."""
    report = CredentialsSeedReport()
    actor = system_actor("demo-seed")
    sources: tuple[tuple[str, tuple[str, ...], Callable[[Platform], Iterator[Request]]], ...] = (
        ("people", PERSON_ITEMS, _person_requests),
        ("enterprises", ENTERPRISE_ITEMS, _enterprise_requests),
    )
    with Progress(show=progress) as bar:
        with platform.uow(actor) as uow:
            for name, items, source in sources:
                total = _count(platform, items)
                with bar.phase(f"credentials-{name}", f"Certificates for {name}", total) as step:
                    for chunk in _batches(source(platform), batch):
                        credentials.issue_many(uow, chunk, source=SOURCE)
                        for request in chunk:
                            report.by_type[request.type_code] = report.by_type.get(request.type_code, 0) + 1
                        report.issued += len(chunk)
                        step.advance(len(chunk))
            if report.issued:
                ledger.sign_head(uow, CERTIFICATE_LOG)
            started = time.perf_counter()
        bar.timings["credentials-commit"] = time.perf_counter() - started
        with bar.phase("credentials-datahub", "Certificate library to datahub", 1):
            sync_datahub(platform, actor)
    report.timings = bar.timings
    return report
