"""Checking definition files: every problem reported with its file, line and field —
YAML, shape, references, rules, consistency — and every shipped definition loads."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from onevisit.catalog.checks import check_file
from onevisit.catalog.errors import Problem
from onevisit.catalog.references import CertificateRef, ItemRef, References, certificate_refs, kind_type
from onevisit.catalog.yamlsource import read_source
from onevisit.demo.catalog import DEFINITIONS
from onevisit.demo.datahub.catalogue import ITEMS
from onevisit.demo.departments import DEPARTMENTS

REFS = References(
    frozenset(d.code for d in DEPARTMENTS),
    {i.code: ItemRef(i.subject, {f[0]: kind_type(f[1]) for f in i.fields}) for i in ITEMS},
    certificate_refs(),
)

SERVICE = """\
services:
  - code: test.dog_licence
    name: {zh: 养犬登记, en: Dog licence}
    description: {zh: 城市养犬登记。, en: Register a dog in the city.}
    departments: [ZJ-PSB]
    audience: person
    life_events: [housing]
    facts:
      household_region: psb.household.region_code
    eligibility:
      - rule: "age >= 18"
        message: {zh: 成年, en: Adult}
    form:
      - name: dog_name
        type: text
        label: {zh: 犬名, en: Dog's name}
      - name: address
        type: text
        label: {zh: 地址, en: Address}
        prefill: psb.household.address
    materials:
      - code: household
        name: {zh: 户口簿, en: Household register}
        sources: [{datahub: psb.household}, {upload: {}}]
    fees:
      - {code: fee, name: {zh: 登记费, en: Fee}, amount_fen: 5000, payee: ZJ-PSB}
    time_limits: {statutory_days: 10, committed_days: 1}
    steps:
      - {id: review, kind: review, department: ZJ-PSB}
      - {id: pay, kind: payment}
"""


def problems_of(text: str, refs: References = REFS, name: str = "dog.yaml") -> list[Problem]:
    source, problems = read_source(name, dedent(text).encode("utf-8"))
    if source is None:
        return problems
    checked, problems = check_file(source, refs)
    assert (checked is None) == bool(problems)
    return problems


def described(text: str, refs: References = REFS) -> list[str]:
    return [p.describe() for p in problems_of(text, refs)]


def test_a_valid_definition_has_no_problems() -> None:
    assert problems_of(SERVICE) == []


def test_every_shipped_definition_file_checks_on_its_own_or_with_the_catalogue() -> None:
    files = sorted(DEFINITIONS.glob("*.yaml"))
    assert len(files) >= 8
    for path in files:
        if path.name == "bundles.yaml":
            continue  # needs the services in the catalogue: see test_loading
        source, problems = read_source(path.name, path.read_bytes())
        assert source is not None, problems
        _checked, problems = check_file(source, REFS)
        assert problems == [], "\n".join(p.describe() for p in problems)


def test_the_example_in_the_docs_checks() -> None:
    docs = (Path(__file__).resolve().parents[3] / "docs" / "catalog.md").read_text(encoding="utf-8")
    example = docs.split("```yaml\n")[1].split("```")[0]
    assert "trans.ride_hailing_driver" in example
    assert problems_of(example, name="example.yaml") == []


# --- YAML ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("services:\n  - code: a.b\n    code: c.d\n", "dog.yaml:3:5: Key “code” is given twice."),
        ("services: [\n", "dog.yaml:2:1: This is not valid YAML"),
        ("a: 1\n---\nb: 2\n", "dog.yaml:2: A definition file holds one YAML document"),
        ("x: &anchor {a: 1}\ny: *anchor\n", "dog.yaml:2:1: Anchors and aliases are not supported"),
        ("services: !!python/object:os.system {}\n", "dog.yaml:1:11: Tag tag:yaml.org,2002:python/object:os.system"),
        ("", "dog.yaml:1:1: The file is empty."),
    ],
)
def test_yaml_problems_are_located(text: str, expected: str) -> None:
    found = described(text)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_a_file_that_is_not_utf8_is_refused_with_its_line() -> None:
    source, problems = read_source("dog.yaml", b"services:\n  - code: \xff\n")
    assert source is None and problems[0].describe() == "dog.yaml:2: The file is not UTF-8 text."


def test_dates_are_read_as_text_not_refused() -> None:
    source, problems = read_source("d.yaml", b"a: 2026-01-01\n")
    assert problems == [] and source is not None and source.data == {"a": "2026-01-01"}


# --- shape -----------------------------------------------------------------------------------


def test_shape_problems_name_line_and_field_every_one_at_once() -> None:
    text = (
        SERVICE.replace(
            "        type: text\n        label: {zh: 犬名",
            "        type: text\n        requried: true\n        label: {zh: 犬名",
        )
        .replace("audience: person", "audience: martian")
        .replace("code: test.dog_licence", "code: DogLicence")
        .replace("kind: review, department", "kind: revue, department")
        .replace("    time_limits: {statutory_days: 10, committed_days: 1}\n", "")
    )
    assert described(text) == [
        "dog.yaml:2:5: services[0].time_limits: This is required.",
        "dog.yaml:2:11: services[0].code: “DogLicence” is not in the right format: "
        "a code is dotted lower-case words, such as tax.annual_filing.",
        "dog.yaml:6:15: services[0].audience: Choose one of: person or enterprise.",
        "dog.yaml:16:19: services[0].form[0].requried: Unknown key “requried”.",
        "dog.yaml:29:28: services[0].steps[0].kind: Choose one of: check, review, parallel, payment, issue.",
    ]
    by_field = {p.field: p for p in problems_of(text)}
    assert by_field["services[0].time_limits"].line == 2  # missing: the service it is missing from
    assert by_field["services[0].form[0].requried"].line == 16
    assert by_field["services[0].audience"].line == 6 and by_field["services[0].audience"].column == 15
    assert by_field["services[0].code"].code == "catalog.definition.schema"
    assert "services[0].steps[0].kind" in by_field


def test_a_material_source_names_exactly_one_way() -> None:
    text = SERVICE.replace("{datahub: psb.household}, {upload: {}}", "{datahub: psb.household, upload: {}}")
    assert described(text) == [
        "dog.yaml:24:19: services[0].materials[0].sources[0]: "
        "Give exactly one of datahub, certificate, commitment or upload."
    ]


# --- references ------------------------------------------------------------------------------


def test_unknown_references_are_named() -> None:
    text = (
        SERVICE.replace("departments: [ZJ-PSB]", "departments: [ZJ-PSB, ZJ-MOON]")
        .replace("{datahub: psb.household}", "{datahub: psb.houshold}")
        .replace("psb.household.region_code", "psb.household.county")
        .replace("prefill: psb.household.address", "prefill: applicant.shoe_size")
        .replace("life_events: [housing]", "life_events: [housing, pets]")
        .replace("payee: ZJ-PSB", "payee: ZJ-BANK")
    )
    found = described(text)
    assert "dog.yaml:5:27: services[0].departments[1]: There is no department ZJ-MOON." in found
    assert "dog.yaml:7:28: services[0].life_events[1]: There is no life event “pets”; choose from: " in "".join(found)
    assert "dog.yaml:9:25: services[0].facts.household_region: Datahub item psb.household has no field county." in found
    assert any(
        f.startswith("dog.yaml:20:18: services[0].form[1].prefill: The applicant has no attribute shoe_size")
        for f in found
    )
    assert (
        "dog.yaml:24:29: services[0].materials[0].sources[0].datahub: There is no datahub item psb.houshold." in found
    )
    assert any("services[0].fees[0].payee: There is no department ZJ-BANK." in f for f in found)


def test_certificates_and_subjects_must_fit_the_applicant() -> None:
    text = SERVICE.replace("{upload: {}}", "{certificate: business_licence}, {upload: {}}").replace(
        "{datahub: psb.household}", "{datahub: amr.business_registration}"
    )
    found = described(text)
    assert any("Datahub item amr.business_registration holds records about a enterprise" in f for f in found)
    assert any("Certificate type business_licence is held by a enterprise" in f for f in found)
    unknown = described(SERVICE.replace("{upload: {}}", "{certificate: pilot_licence}, {upload: {}}"))
    assert unknown == [
        "dog.yaml:24:59: services[0].materials[0].sources[1].certificate: There is no certificate type pilot_licence."
    ]


def test_rules_are_type_checked_against_the_applicants_facts_with_their_place() -> None:
    found = problems_of(SERVICE.replace('rule: "age >= 18"', 'rule: "agee >= 18 AND household_region = 3"'))
    assert [p.field for p in found] == ["services[0].eligibility[0].rule"]
    assert found[0].code == "catalog.rule.invalid"
    assert (found[0].line, found[0].column) == (11, 16)  # the quote is at 15: “agee” starts at 16
    assert "Unknown field “agee”; did you mean “age”?" in found[0].text("en")
    assert "未知" in found[0].text("zh") or "agee" in found[0].text("zh")
    typed = problems_of(SERVICE.replace('rule: "age >= 18"', 'rule: "household_region > 3"'))
    assert typed and typed[0].field == "services[0].eligibility[0].rule"
    block = problems_of(
        SERVICE.replace('rule: "age >= 18"', "rule: |\n          age >= 18 AND\n          dog_nmae = 'Rex'")
    )
    assert block[0].line == 13  # the rule's second line, inside the block scalar


def test_consistency_fees_payment_uploads_and_certificates() -> None:
    no_payment = SERVICE.replace("      - {id: pay, kind: payment}\n", "")
    assert described(no_payment) == [
        "dog.yaml:25:5: services[0].fees: The service has fees but no payment step to collect them."
    ]
    upload_first = SERVICE.replace(
        "[{datahub: psb.household}, {upload: {}}]", "[{upload: {}}, {datahub: psb.household}]"
    )
    assert "An upload is the last resort" in described(upload_first)[0]
    issuing = SERVICE.replace(
        "      - {id: pay, kind: payment}\n",
        "      - {id: pay, kind: payment}\n"
        "      - id: issue\n        kind: issue\n        certificates:\n"
        "          - type: ride_hailing_driver\n"
        '            claims: {certificate_no: "dog_name", issued_on: "dog_name"}\n',
    )
    found = described(issuing)
    assert any("Certificate type ride_hailing_driver needs field valid_until: give it a claim." in f for f in found)
    assert any(
        "services[0].steps[2].certificates[0].claims.issued_on: Field issued_on of ride_hailing_driver is date" in f
        for f in found
    )
    assert any("Certificate ride_hailing_driver is issued: list it among the outputs." in f for f in found)
    limits = described(SERVICE.replace("committed_days: 1", "committed_days: 30"))
    assert limits == [
        "dog.yaml:27:55: services[0].time_limits.committed_days: "
        "The committed time limit cannot be longer than the statutory one (10 days)."
    ]


def test_fee_formulas_are_numbers_of_fen() -> None:
    text = SERVICE.replace("amount_fen: 5000", 'formula: "dog_name"')
    assert any("A fee formula gives a number of fen, not text." in f for f in described(text))
    assert described(SERVICE.replace("amount_fen: 5000", 'formula: "LENGTH(dog_name) * 100"')) == []


def test_names_must_be_unique_and_not_shadow_facts() -> None:
    text = SERVICE.replace("- name: address", "- name: dog_name").replace(
        "- name: dog_name\n        type: text\n        label: {zh: 犬名",
        "- name: age\n        type: text\n        label: {zh: 犬名",
        1,
    )
    found = described(text)
    assert any("“age” is already a fact; give the form field another name." in f for f in found)


def test_a_certificate_ref_by_hand() -> None:
    refs = References(REFS.departments, REFS.items, {"dog_tag": CertificateRef("person", {})})
    text = SERVICE.replace("{upload: {}}", "{certificate: dog_tag}, {upload: {}}")
    assert problems_of(text, refs) == []
