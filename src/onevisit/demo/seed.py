"""Seeding the demo province: generate, seal, bulk-load, make the demo accounts, report.

One transaction from start to finish (a failed seed leaves nothing behind) and one audit
event for the whole load rather than one per row. ID and phone numbers are sealed with the
platform's vault exactly as ``identity.services.people`` seals them, so every seeded person
can sign in by ID number. Seeding refuses a database that already holds people: generated
ID numbers could clash with real ones, and a demo mixed into real data helps nobody.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select

from onevisit.demo.accounts import DemoLoginRow, create_demo_accounts
from onevisit.demo.accounts import print_demo_logins as _print_demo_logins
from onevisit.demo.departments import ensure_departments
from onevisit.demo.enterprises import Enterprises, generate_enterprises
from onevisit.demo.loader import BulkWriter
from onevisit.demo.population import Population, generate_population
from onevisit.demo.progress import Progress
from onevisit.identity.models import Person
from onevisit.identity.regions import PROVINCE_CODE
from onevisit.identity.services.people import ID_KIND, PHONE_KIND, ensure_regions
from onevisit.kernel.actors import system_actor
from onevisit.kernel.crypto import PersonalDataVault
from onevisit.kernel.platform import Platform
from onevisit.payments.demo import seed_payments

CHUNK = 20_000
PERSON_COLUMNS = (
    "id", "id_number_enc", "id_number_index", "name", "gender", "birth_date", "birth_region_code",
    "region_code", "phone_enc", "phone_index", "address", "created_at",
)
RELATION_COLUMNS = ("person_id", "relative_id", "kind")
ENTERPRISE_COLUMNS = (
    "id", "credit_code", "name", "kind", "legal_rep_id", "region_code", "industry", "registered_capital_fen",
    "established_on", "employees", "address", "status", "created_at",
)


class ProvinceNotEmptyError(RuntimeError):
    """The database already holds people; the demo seeds only an empty one."""


@dataclass
class SeedReport:
    seed: int
    citizens: int = 0
    enterprises: int = 0
    relations: int = 0
    departments: int = 0
    regions: int = 0
    accounts: int = 0
    database: str = ""
    skipped: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())

    def summary(self) -> str:
        if self.skipped:
            return f"Demo province not seeded: {self.skipped}"
        phases = ", ".join(f"{name} {secs:.1f} s" for name, secs in self.timings.items())
        return (
            f"Seeded the demo province (seed {self.seed}) into {self.database}: {self.citizens:,} citizens, "
            f"{self.relations:,} family ties, {self.enterprises:,} enterprises, {self.departments} departments, "
            f"{self.accounts} demo accounts in {self.seconds:.1f} s ({phases})."
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed, "citizens": self.citizens, "enterprises": self.enterprises,
            "relations": self.relations, "departments": self.departments, "regions": self.regions,
            "accounts": self.accounts, "database": self.database, "skipped": self.skipped,
            "seconds": round(self.seconds, 3), "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def seed_province(
    platform: Platform, *, citizens: int, enterprises: int, seed: int, if_empty: bool = False, progress: bool = False
) -> SeedReport:
    """Generates and loads a province; the same ``seed`` always gives the same province."""
    report = SeedReport(seed=seed, database=platform.db.engine.dialect.name)
    with platform.db.session() as session:
        existing = session.scalar(select(func.count()).select_from(Person)) or 0
    if existing:
        if if_empty:
            report.skipped = f"the database already holds {existing:,} people (--if-empty)."
            return report
        raise ProvinceNotEmptyError(f"The database already holds {existing:,} people; seed an empty database.")
    with Progress(show=progress) as bar:
        with bar.phase("generate", "Generating people", citizens + enterprises) as step:
            rng = np.random.default_rng(seed)
            population = generate_population(rng, citizens)
            firms = generate_enterprises(rng, enterprises, population)
            step.advance(citizens + enterprises)
        uow = platform.uow(system_actor("demo-seed"))
        with uow:
            report.regions = ensure_regions(uow.session)
            report.departments = ensure_departments(uow.session)
            writer = BulkWriter(uow.session)
            created = writer.bound(Person.__table__.c.created_at, platform.clock.now())
            with writer.tuned():
                with bar.phase("people", "Sealing and loading people", citizens) as step:
                    _load_people(writer, platform.vault, population, created, step.advance)
                with bar.phase("relations", "Loading family ties", len(population.relations)) as step:
                    _load_relations(writer, population, step.advance)
                with bar.phase("enterprises", "Loading enterprises", enterprises) as step:
                    _load_enterprises(writer, firms, created, step.advance)
            with bar.phase("accounts", "Creating demo accounts", 1):
                report.accounts = create_demo_accounts(uow, _person_id)
                seed_payments(uow, seed=seed, people=citizens, enterprises=enterprises)
                uow.audit(
                    "demo.seed", "region", PROVINCE_CODE,
                    {"seed": seed, "citizens": citizens, "enterprises": enterprises,
                     "relations": len(population.relations), "departments": report.departments},
                )
                commit_started = time.perf_counter()
        bar.timings["commit"] = time.perf_counter() - commit_started
    report.citizens, report.enterprises, report.relations = citizens, enterprises, len(population.relations)
    report.timings = bar.timings
    from onevisit.demo.datahub import seed_datahub  # the public data platform's records (docs/datahub.md)

    report.timings.update(seed_datahub(platform, seed=seed, progress=progress).timings or {})
    from onevisit.demo.credentials import seed_credentials  # e-certificates from those records (docs/credentials.md)

    report.timings.update(seed_credentials(platform, progress=progress).timings)
    from onevisit.demo.catalog import seed_catalog  # the services and bundles, from YAML (docs/catalog.md)

    report.timings.update(seed_catalog(platform).timings)
    from onevisit.demo.policies import seed_policies  # policies matched to every enterprise (docs/policies.md)

    report.timings.update(seed_policies(platform, seed=seed).timings)
    from onevisit.demo.applications import seed_applications  # the housing bundle done and under way (docs/demo.md)

    report.timings.update(seed_applications(platform).timings)
    return report


def print_demo_logins(platform: Platform) -> list[DemoLoginRow]:
    """Prints the fixed demo logins (see ``demo.logins``) and returns them."""
    return _print_demo_logins(platform)


def _person_id(row: int) -> int:
    """Rows become ids 1..n: the seed only ever loads into an empty ``persons`` table."""
    return row + 1


def _load_people(
    writer: BulkWriter, vault: PersonalDataVault, people: Population, created: object, advance: Callable[[int], None]
) -> None:
    birth_dates = np.datetime_as_string(people.birth_dates).tolist()
    genders, births, regions = people.genders.tolist(), people.birth_regions.tolist(), people.regions.tolist()
    for start in range(0, len(people), CHUNK):
        stop = min(start + CHUNK, len(people))
        rows = []
        for row in range(start, stop):
            sealed_id = vault.seal(people.id_numbers[row], kind=ID_KIND)
            phone = people.phones[row]
            sealed_phone = vault.seal(phone, kind=PHONE_KIND) if phone else None
            rows.append((
                _person_id(row), sealed_id.ciphertext, sealed_id.index, people.names[row], genders[row],
                birth_dates[row], births[row], regions[row],
                sealed_phone.ciphertext if sealed_phone else None, sealed_phone.index if sealed_phone else None,
                people.addresses[row], created,
            ))
        writer.insert("persons", PERSON_COLUMNS, rows)
        advance(stop - start)
    writer.sync_sequence("persons")


def _load_relations(writer: BulkWriter, people: Population, advance: Callable[[int], None]) -> None:
    relations = people.relations
    persons = (relations.person + 1).tolist()  # _person_id, vectorised
    relatives = (relations.relative + 1).tolist()
    kinds = relations.kind.tolist()
    for start in range(0, len(relations), CHUNK * 5):
        stop = min(start + CHUNK * 5, len(relations))
        writer.insert("person_relations", RELATION_COLUMNS, list(zip(persons[start:stop], relatives[start:stop],
                                                                     kinds[start:stop], strict=True)))
        advance(stop - start)


def _load_enterprises(writer: BulkWriter, firms: Enterprises, created: object, advance: Callable[[int], None]) -> None:
    established = np.datetime_as_string(firms.established).tolist()
    columns = (
        firms.credit_codes, firms.names, firms.kinds.tolist(), (firms.legal_rep_rows + 1).tolist(),
        firms.regions.tolist(), firms.industries.tolist(), firms.capital_fen.tolist(), established,
        firms.employees.tolist(), firms.addresses,
    )
    for start in range(0, len(firms), CHUNK):
        stop = min(start + CHUNK, len(firms))
        rows = [
            (i + 1, *(column[i] for column in columns), "active", created)
            for i in range(start, stop)
        ]
        writer.insert("enterprises", ENTERPRISE_COLUMNS, rows)
        advance(stop - start)
    writer.sync_sequence("enterprises")

