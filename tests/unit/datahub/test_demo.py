"""The demo province's data platform agrees with the population it was derived from."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from onevisit import datahub
from onevisit.datahub.models import CatalogItem, DataRecord
from onevisit.datahub.services.access import open_record
from onevisit.demo.datahub import ITEMS, STALE_ITEM
from onevisit.demo.logins import DEMO_LOGINS
from onevisit.demo.seed import seed_province
from onevisit.identity.models import Department, Enterprise, Person, PersonRelation
from onevisit.kernel.actors import system_actor
from onevisit.kernel.platform import Platform


def _records(platform: Platform, code: str) -> dict[bytes, list[dict[str, object]]]:
    with platform.db.session() as session:
        item = session.scalars(select(CatalogItem).where(CatalogItem.code == code)).one()
        out: dict[bytes, list[dict[str, object]]] = {}
        for key, payload in session.execute(
            select(DataRecord.subject_key, DataRecord.payload).where(DataRecord.item_id == item.id)
        ):
            out.setdefault(bytes(key), []).append(open_record(platform.vault, payload))
        return out


def test_demo_records_agree_with_the_population(platform: Platform) -> None:
    seed_province(platform, citizens=400, enterprises=40, seed=7)
    with platform.db.session() as session:
        departments = session.scalar(select(func.count(func.distinct(CatalogItem.department_id))))
        assert departments is not None and departments >= 25
        # (other modules may add items of their own: the e-certificate library, say)
        codes = set(session.scalars(select(CatalogItem.code)))
        assert {i.code for i in ITEMS} <= codes and len(ITEMS) >= 30
        people = {p.id: p for p in session.scalars(select(Person))}
        spouses = [
            (r.person_id, r.relative_id)
            for r in session.scalars(select(PersonRelation).where(PersonRelation.kind == "spouse"))
        ]
        firms = list(session.scalars(select(Enterprise)))
        stale = session.scalars(select(CatalogItem).where(CatalogItem.code == STALE_ITEM)).one()
        assert stale.data_updated_at is not None and stale.data_updated_at < platform.clock.now()
        assert session.scalar(select(func.count()).select_from(Department)) >= 25
    marriages = _records(platform, "ca.marriage")
    assert len(marriages) == len(spouses) > 0
    for a, b in spouses:
        mine, theirs = marriages[people[a].id_number_index][0], marriages[people[b].id_number_index][0]
        assert mine["spouse_name"] == people[b].name
        assert mine["certificate_no"] == theirs["certificate_no"] and mine["registered_on"] == theirs["registered_on"]
    household = _records(platform, "psb.household")
    assert len(household) == len(people)
    for person in people.values():
        row = household[person.id_number_index][0]
        assert (row["name"], row["address"], row["region_code"]) == (person.name, person.address, person.region_code)
    business = _records(platform, "amr.business_registration")
    assert {k.decode() for k in business} == {f.credit_code for f in firms}
    for firm in firms:
        assert business[firm.credit_code.encode()][0]["name"] == firm.name
    vehicles = _records(platform, "psb.vehicle")
    licences = _records(platform, "psb.driving_licence")
    assert vehicles and set(vehicles) <= set(licences)
    assert set(_records(platform, "trans.ride_hailing_driver")) <= set(licences)
    assert Counter(len(v) for v in vehicles.values()).keys() <= {1, 2}


def test_the_demo_citizen_has_a_dossier_and_has_consented_to_prefill(platform: Platform) -> None:
    seed_province(platform, citizens=200, enterprises=20, seed=7)
    citizen = DEMO_LOGINS[0].id_number
    prefill = datahub.Purpose(use="portal.prefill", kind="consented_use", legal_basis="本人同意")
    dossier = datahub.read(platform, system_actor("portal"), subject=citizen, purpose=prefill)
    got = dossier.by_item()
    assert {"psb.household", "ca.marriage"} <= set(got)
    seen = {s.item for s in dossier.items} | set(dossier.withheld)
    assert len(seen) == len(dossier.items) + len(dossier.withheld)  # each item once, read or withheld
    assert seen >= {i.code for i in ITEMS if i.subject == "person"} and len(seen) >= 25
