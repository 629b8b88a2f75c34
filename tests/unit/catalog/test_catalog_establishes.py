"""A service's ``establishes`` block: checked at load like the rest — who may establish an
enterprise, each detail's expression and type, the kinds and industries it can give, the
enterprise certificates only such a service may issue — and a bundle establishes one."""

from __future__ import annotations

import pytest

from onevisit.catalog.bundles import MergeConflict, merge_bundle
from onevisit.catalog.definitions import BundleDefinition, ServiceDefinition
from tests.unit.catalog.test_catalog_definitions import described, problems_of

FOUNDING = """\
services:
  - code: test.shop_registration
    name: {zh: 小店登记, en: Shop registration}
    description: {zh: 开一家小店。, en: Open a small shop.}
    departments: [ZJ-AMR]
    audience: enterprise
    applicant: person
    life_events: [starting_a_business]
    form:
      - name: shop_name
        type: text
        label: {zh: 店名, en: Shop name}
      - name: shop_kind
        type: choice
        label: {zh: 类型, en: Kind}
        choices:
          - {value: individual_business, label: {zh: 个体工商户, en: Individual business}}
          - {value: limited_company, label: {zh: 有限责任公司, en: Limited company}}
      - name: capital
        type: integer
        label: {zh: 资本, en: Capital}
      - name: address
        type: text
        label: {zh: 住所, en: Address}
    time_limits: {statutory_days: 3, committed_days: 1}
    steps:
      - {id: review, kind: review, department: ZJ-AMR}
      - id: issue
        kind: issue
        certificates:
          - type: business_licence
            claims:
              name: "shop_name"
              kind: "shop_kind"
              legal_rep_name: "shop_name"
              registered_capital_yuan: "capital"
              established_on: "TODAY()"
              address: "address"
    outputs:
      - certificate: business_licence
    establishes:
      name: "shop_name"
      kind: "shop_kind"
      region: "region_code"
      registered_capital_yuan: "capital"
      address: "address"
      industry: "'F'"
"""


def test_a_service_that_establishes_an_enterprise_checks() -> None:
    assert problems_of(FOUNDING, name="shop.yaml") == []


def test_only_a_founders_service_establishes() -> None:
    found = described(FOUNDING.replace("    applicant: person\n", ""))
    assert any(
        "services[0].establishes: Only a service that an enterprise's founder applies for" in f for f in found
    ), found


def test_an_enterprise_certificate_needs_an_enterprise_to_hold_it() -> None:
    without = FOUNDING.split("    establishes:\n", maxsplit=1)[0]
    found = described(without)
    assert len(found) == 1, found
    assert found[0].startswith("dog.yaml:31:19: services[0].steps[1].certificates[0].type: ")
    assert "Certificate type business_licence is held by a enterprise" in found[0]


def test_each_detail_is_a_rule_of_the_right_type_at_its_line() -> None:
    text = FOUNDING.replace('region: "region_code"', 'region: "regoin_code"').replace(
        '      registered_capital_yuan: "capital"\n      address',
        '      registered_capital_yuan: "shop_name"\n      address',
    )
    found = problems_of(text)
    assert [(p.line, p.field, p.code) for p in found] == [
        (44, "services[0].establishes.region", "catalog.rule.invalid"),
        (45, "services[0].establishes.registered_capital_yuan", "catalog.type.mismatch"),
    ]
    assert "did you mean “region_code”" in found[0].text()
    assert found[1].text() == "The enterprise's registered_capital_yuan is number, but this gives text."


def test_kinds_and_industries_come_from_identitys_lists() -> None:
    text = FOUNDING.replace("value: limited_company", "value: partnership").replace(
        "industry: \"'F'\"", "industry: \"'Z'\""
    )
    found = described(text)
    assert any(
        "services[0].establishes.kind: “partnership” is not a kind of enterprise one can establish; "
        "choose from: limited_company, joint_stock_company, individual_business, farmers_cooperative." in f
        for f in found
    ), found
    assert any("services[0].establishes.industry: “Z” is not a GB/T 4754 industry section" in f for f in found)


def test_the_block_has_a_known_shape() -> None:
    found = described(
        FOUNDING.replace('      region: "region_code"\n', '      region: "region_code"\n      owner: "shop_name"\n')
    )
    assert any("services[0].establishes.owner" in f for f in found), found
    found = described(FOUNDING.replace('      region: "region_code"\n', ""))
    assert any("services[0].establishes.region" in f for f in found), found


def test_a_bundle_establishes_one_enterprise() -> None:
    from onevisit.catalog.yamlsource import read_source

    source, _ = read_source("shop.yaml", FOUNDING.encode())
    assert source is not None
    first = ServiceDefinition.model_validate(source.data["services"][0])
    second = first.model_copy(update={"code": "test.other_registration"})
    bundle = BundleDefinition.model_validate(
        {
            "code": "bundle.two_shops",
            "name": {"zh": "两店", "en": "Two shops"},
            "description": {"zh": "两店。", "en": "Two shops."},
            "audience": "enterprise",
            "services": [first.code, second.code],
        }
    )
    with pytest.raises(MergeConflict) as conflict:
        merge_bundle(bundle, [first, second])
    assert conflict.value.service == "test.other_registration"
    assert "both establish an enterprise" in conflict.value.message
