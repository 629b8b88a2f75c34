"""Loading into the catalogue: the demo catalogue loads, loads are all or nothing per file,
versions are kept, bundles are merged (and merged again when a member changes), every load
is recorded with who made it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from onevisit.catalog import DefinitionRejected, entry_by_version_id, get_entry, load_paths
from onevisit.catalog.models import Service, ServiceLoad, ServiceVersion
from onevisit.catalog.services.browse import Filters, search_services
from onevisit.datahub.models import DataUse
from onevisit.demo.catalog import DEFINITIONS, seed_catalog
from onevisit.kernel.audit import AuditEvent
from onevisit.kernel.platform import Platform
from tests.unit.catalog.conftest import ADMIN, load
from tests.unit.catalog.test_catalog_definitions import SERVICE

#: The items issue #7 names, by their codes in the demo catalogue.
NAMED_IN_THE_ISSUE = {
    "bundle.second_hand_housing",
    "trans.ride_hailing_driver",
    "ca.marriage_appointment",
    "psb.resident_id_first",
    "psb.traffic_fine_payment",
    "hrss.self_employed_social_insurance",
    "tax.iit_annual_filing",
    "bundle.enterprise_establishment",
    "hrss.employee_rental_subsidy",
    "bundle.newborn",
}

pytestmark = pytest.mark.usefixtures("references")


def count(platform: Platform, model: type) -> int:
    with platform.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_demo_catalogue_loads_with_every_item_the_issue_names(platform: Platform) -> None:
    report = seed_catalog(platform)
    assert report.services == 55
    with platform.db.session() as session:
        kinds = dict(session.execute(select(Service.kind, func.count()).group_by(Service.kind)).all())
        assert kinds == {"service": 51, "bundle": 4}
        codes = set(session.scalars(select(Service.code)))
        assert codes >= NAMED_IN_THE_ISSUE
        housing = get_entry(session, "bundle.second_hand_housing")
        assert housing.merged is not None
        assert set(housing.merged.departments) >= {"ZJ-HURD", "ZJ-TAX", "ZJ-NR", "ZJ-EIT"}
        uploads = [m.code for m in housing.merged.materials if all(s.kind == "upload" for s in m.sources)]
        assert uploads == []  # every material can come without an upload
        ride = get_entry(session, "trans.ride_hailing_driver").service
        assert ride is not None and ride.instant_approval is not None
        assert all(s.kind != "upload" for m in ride.materials for s in m.sources)  # no materials to upload
        establishment = get_entry(session, "bundle.enterprise_establishment").merged
        assert establishment is not None and len(establishment.members) == 4
    # loading the same files again changes nothing
    again = seed_catalog(platform)
    assert again.services == 55
    assert count(platform, ServiceVersion) == 55


def test_loading_is_all_or_nothing_per_file_and_recorded(platform: Platform) -> None:
    second = SERVICE.replace("test.dog_licence", "test.cat_licence").replace("payee: ZJ-PSB", "payee: ZJ-NOPE")
    both = SERVICE + second.split("services:\n", 1)[1]
    with pytest.raises(DefinitionRejected) as refused:
        load(platform, both, "pets.yaml")
    assert [p.field for p in refused.value.problems] == ["services[1].fees[0].payee"]
    assert refused.value.problems[0].line == 55
    assert count(platform, Service) == 0  # the good first service was not loaded either
    with platform.db.session() as session:
        recorded = session.scalars(select(ServiceLoad)).one()
        assert recorded.status == "rejected" and recorded.file_name == "pets.yaml" and recorded.actor == "catalog-test"
        assert recorded.problems[0]["field"] == "services[1].fees[0].payee"
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("catalog.%"))))
    assert actions == ["catalog.load_rejected"]


def test_versions_are_kept_and_identical_reloads_add_none(platform: Platform) -> None:
    first = load(platform, SERVICE)
    assert first.added == ["test.dog_licence"] and first.status == "loaded"
    same = load(platform, SERVICE)
    assert same.unchanged == ["test.dog_licence"] and same.status == "unchanged"
    changed = load(platform, SERVICE.replace("amount_fen: 5000", "amount_fen: 6000"))
    assert changed.updated == ["test.dog_licence"]
    with platform.db.session() as session:
        current = get_entry(session, "test.dog_licence")
        assert current.version == 2 and current.service is not None
        assert current.service.fees[0].amount_fen == 6000
        old = get_entry(session, "test.dog_licence", version=1)
        pinned = entry_by_version_id(session, old.version_id)
        assert pinned.service is not None and pinned.service.fees[0].amount_fen == 5000
        audit = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("catalog.%"))))
    assert audit.count("catalog.service_added") == 1 and audit.count("catalog.service_updated") == 1
    assert audit.count("catalog.loaded") == 3


def test_each_service_gets_its_datahub_use(platform: Platform) -> None:
    load(platform, SERVICE.replace("    audience: person\n", "    audience: person\n    data_use: test.pets\n"))
    with platform.db.session() as session:
        use = session.scalars(select(DataUse).where(DataUse.code == "test.pets")).one()
    assert use.department_id is None and not use.requires_consent


BUNDLE = """\
bundles:
  - code: bundle.pets
    name: {zh: 养宠一件事, en: Getting a pet}
    description: {zh: 一次办。, en: In one go.}
    audience: person
    life_events: [housing]
    services: [test.dog_licence, test.cat_licence]
"""

CAT = (
    SERVICE.replace("test.dog_licence", "test.cat_licence")
    .replace("dog_name", "cat_name")
    .replace(
        "[{datahub: psb.household}, {upload: {}}]", "[{certificate: real_estate_title}, {upload: {formats: [pdf]}}]"
    )
)


def test_bundles_merge_fields_and_materials_and_follow_their_members(platform: Platform) -> None:
    load(platform, SERVICE)
    load(platform, CAT)
    result = load(platform, BUNDLE, "bundles.yaml")
    assert result.added == ["bundle.pets"]
    with platform.db.session() as session:
        merged = get_entry(session, "bundle.pets").merged
    assert merged is not None
    assert [f.name for f in merged.form] == ["dog_name", "address", "cat_name"]
    address = merged.form[1]
    assert address.services == ["test.dog_licence", "test.cat_licence"]
    assert [m.code for m in merged.materials] == ["household"]  # asked once for both
    kinds = [s.kind for s in merged.materials[0].sources]
    assert kinds == ["datahub", "certificate", "upload"]  # the upload stays last
    assert [(f.service, f.amount_fen) for f in merged.fees] == [("test.dog_licence", 5000), ("test.cat_licence", 5000)]
    assert merged.fixed_total_fen == 10000
    assert [(m.code, m.version) for m in merged.members] == [("test.dog_licence", 1), ("test.cat_licence", 1)]

    # a member changes: the bundle is merged again, as a new version, pinned to the new member version
    load(platform, CAT.replace("amount_fen: 5000", "amount_fen: 7000"))
    with platform.db.session() as session:
        bundle = get_entry(session, "bundle.pets")
    assert bundle.version == 2 and bundle.merged is not None
    assert [(m.code, m.version) for m in bundle.merged.members] == [("test.dog_licence", 1), ("test.cat_licence", 2)]
    assert bundle.merged.fixed_total_fen == 12000

    # a member change that would make the bundle conflict is refused, naming the bundle
    clash = CAT.replace("      - name: cat_name\n        type: text", "      - name: dog_name\n        type: integer")
    with pytest.raises(DefinitionRejected) as refused:
        load(platform, clash)
    problem = refused.value.problems[0]
    assert problem.field == "services[0]" and "bundle.pets" in problem.text()
    assert "Form field dog_name is text in test.dog_licence but integer in test.cat_licence" in problem.text()
    with platform.db.session() as session:
        assert get_entry(session, "test.cat_licence").version == 2


def test_a_bundle_naming_an_unknown_service_or_a_bundle_is_refused(platform: Platform) -> None:
    load(platform, SERVICE)
    with pytest.raises(DefinitionRejected) as refused:
        load(platform, BUNDLE, "bundles.yaml")
    assert [(p.field, p.line) for p in refused.value.problems] == [("bundles[0].services[1]", 7)]
    assert "There is no service test.cat_licence in the catalogue or in this file." in refused.value.problems[0].text()


def test_search_and_filters(platform: Platform) -> None:
    seed_catalog(platform)
    with platform.db.session() as session:
        found = search_services(session, "网约车")
        assert [s.code for s in found.items] == ["trans.ride_hailing_driver"]
        baby = search_services(session, filters=Filters(life_event="having_a_baby", kind="bundle"))
        assert [s.code for s in baby.items] == ["bundle.newborn"]
        firms = search_services(session, filters=Filters(audience="enterprise"), per_page=100)
        assert firms.total >= 10 and all(s.audience == "enterprise" for s in firms.items)
        by_department = search_services(session, filters=Filters(department="ZJ-HRSS", query="subsidy"), per_page=100)
        assert {s.code for s in by_department.items} == {"hrss.employee_rental_subsidy", "hrss.hiring_subsidy"}


def test_load_paths_puts_bundle_files_last(platform: Platform) -> None:
    results = load_paths(platform, ADMIN, [DEFINITIONS / "bundles.yaml", DEFINITIONS])
    assert not [r for r in results if isinstance(r, DefinitionRejected)]


def test_the_cli_checks_and_loads(platform: Platform, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from onevisit.catalog import cli

    monkeypatch.setattr(cli, "_platform", lambda: platform)
    good = tmp_path / "dog.yaml"
    good.write_text(SERVICE, encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(SERVICE.replace("departments: [ZJ-PSB]", "departments: [ZJ-XX]"), encoding="utf-8")
    runner = CliRunner()
    checked = runner.invoke(cli.catalog_app, ["load", "--check", str(good)])
    assert checked.exit_code == 0 and "no problems" in checked.output
    assert count(platform, Service) == 0
    refused = runner.invoke(cli.catalog_app, ["load", str(good), str(broken)])
    assert refused.exit_code == 1
    assert "broken.yaml:5:19: services[0].departments[0]: There is no department ZJ-XX." in refused.output
    assert "1 added, 0 updated, 0 unchanged" in refused.output
    listed = runner.invoke(cli.catalog_app, ["list"])
    assert listed.exit_code == 0 and "test.dog_licence" in listed.output
