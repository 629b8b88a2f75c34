"""Checking a definition file: its shape (pydantic), its references, its rules.

:func:`check_file` returns the file's definitions when everything holds, and otherwise every
problem found, each at the line and field it is about:

- shape: pydantic's errors, their ``loc`` mapped to the YAML's lines;
- references: departments, datahub items and their fields, certificate types and their
  fields, bundles' member services;
- rules: every eligibility condition, check, instant-approval rule, ``when``, fee formula
  and certificate claim is parsed and type-checked (``onevisit.rules``) against the
  applicant's facts — the built-in facts for the applicant's kind, the form's fields and
  the declared ``facts`` — so ``age >= '18'`` or ``employes > 10`` fails at load;
- consistency: names unique, fees collected by a payment step, certificates issued and
  listed as outputs, uploads only as the last way to provide a material.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from onevisit.catalog.bundles import MergeConflict, MergedBundle, merge_bundle
from onevisit.catalog.definitions import (
    BundleDefinition,
    CheckStep,
    DefinitionFile,
    FormField,
    IssueStep,
    ParallelStep,
    PaymentStep,
    ReviewStep,
    ServiceDefinition,
)
from onevisit.catalog.errors import CatalogError, Problem
from onevisit.catalog.references import References
from onevisit.catalog.vocabulary import (
    APPLICANT_ATTRIBUTES,
    BUILTIN_FACTS,
    COMMON_FACTS,
    FIELD_TYPES,
    LIFE_EVENT_BY_CODE,
    TOPIC_BY_CODE,
)
from onevisit.catalog.yamlsource import Path, Source, format_path
from onevisit.kernel.i18n import N_
from onevisit.rules import Field, FieldType, RuleError, Schema, parse

_MESSAGES: Mapping[str, str] = {
    "missing": N_("This is required."),
    "extra_forbidden": N_("Unknown key “%(key)s”."),
    "string_too_short": N_("Enter a value."),
    "string_too_long": N_("Must be %(max_length)s characters or fewer."),
    "too_short": N_("Give at least %(min_length)s."),
    "too_long": N_("Give at most %(max_length)s."),
    "literal_error": N_("Choose one of: %(expected)s."),
    "union_tag_invalid": N_("Choose one of: %(expected_tags)s."),
    "union_tag_not_found": N_("Say which kind this is: %(discriminator)s."),
    "int_type": N_("Enter a whole number."),
    "int_parsing": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_type": N_("Enter a number."),
    "float_parsing": N_("Enter a number."),
    "bool_type": N_("Enter true or false."),
    "bool_parsing": N_("Enter true or false."),
    "string_type": N_("Enter text."),
    "dict_type": N_("Expected a mapping (key: value)."),
    "model_type": N_("Expected a mapping (key: value)."),
    "model_attributes_type": N_("Expected a mapping (key: value)."),
    "list_type": N_("Expected a list."),
    "greater_than": N_("Must be greater than %(gt)s."),
    "greater_than_equal": N_("Must be %(ge)s or more."),
    "less_than_equal": N_("Must be %(le)s or less."),
}
_PATTERNS: Mapping[str, str] = {
    r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$": N_("a code is dotted lower-case words, such as tax.annual_filing"),
    r"^[a-z][a-z0-9_]{0,62}$": N_("a name is lower-case letters, digits and underscores, such as price_yuan"),
    r"^[A-Z][A-Z0-9-]{1,31}$": N_("a department code is upper case, such as ZJ-PSB"),
}
_WRONG_SUBJECT = N_(
    "Datahub item %(code)s holds records about a %(subject)s, but this service's applicant is a %(kind)s."
)
_PATTERN_MISMATCH = N_("“%(value)s” is not in the right format: %(expected)s.")


@dataclass
class Checked:
    """A file that passed: its definitions, and each bundle merged with its members."""

    file: DefinitionFile
    merged: dict[str, MergedBundle] = field(default_factory=dict)


def shape_problems(source: Source, exc: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        kind = err["type"]
        ctx = dict(err.get("ctx") or {})
        path = source.resolve(loc)
        shown: tuple[object, ...] = path
        params: dict[str, object] = {}
        if kind == "missing":
            shown = (*path, loc[-1]) if loc and not isinstance(loc[-1], int) else path
            message = _MESSAGES[kind]
        elif kind == "extra_forbidden":
            params["key"] = str(loc[-1])[:64]
            message = _MESSAGES[kind]
        elif kind == "string_pattern_mismatch":
            message = _PATTERN_MISMATCH
            params = {"value": str(err.get("input"))[:64], "expected": _PATTERNS.get(str(ctx.get("pattern")), "")}
        elif kind == "value_error":
            inner = ctx.get("error")
            message = str(inner) if inner is not None else str(err["msg"])
        elif kind in _MESSAGES:
            message = _MESSAGES[kind]
            params = {k: (", ".join(map(str, v)) if isinstance(v, list | tuple) else v) for k, v in ctx.items()}
            for key in ("expected", "expected_tags"):
                if key in params:
                    params[key] = str(params[key]).replace("'", "")
            if kind in ("union_tag_invalid", "union_tag_not_found"):
                tag = str(ctx.get("discriminator", "")).strip("'")
                path = source.resolve((*loc, tag))
                shown = (*path, tag) if path == source.resolve(loc) else path
        else:
            message, params = N_("Not valid: %(detail)s"), {"detail": str(err["msg"])[:200]}
        problems.append(source.problem_at(path, shown, CatalogError.SCHEMA, message, params))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return problems


def check_file(source: Source, refs: References) -> tuple[Checked | None, list[Problem]]:
    try:
        parsed = DefinitionFile.model_validate(source.data)
    except ValidationError as exc:
        return None, shape_problems(source, exc)
    checker = _Checker(source, refs, parsed)
    merged = checker.run()
    if checker.problems:
        checker.problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        return None, checker.problems
    return Checked(parsed, merged), []


class _Checker:
    def __init__(self, source: Source, refs: References, parsed: DefinitionFile) -> None:
        self.source = source
        self.refs = refs
        self.parsed = parsed
        self.problems: list[Problem] = []

    def add(self, path: Path, error: CatalogError, message: str, /, **params: object) -> None:
        self.problems.append(self.source.problem(path, error, message, **params))

    def run(self) -> dict[str, MergedBundle]:
        seen: dict[str, Path] = {}
        for kind, listed in (("services", self.parsed.services), ("bundles", self.parsed.bundles)):
            for index, definition in enumerate(listed):
                path: Path = (kind, index)
                if definition.code in seen:
                    self.add(
                        (*path, "code"),
                        CatalogError.DUPLICATE,
                        N_("Code %(code)s is defined twice in this file (also at %(other)s)."),
                        code=definition.code,
                        other=format_path(seen[definition.code]),
                    )
                seen[definition.code] = path
                existing = self.refs.catalogue(definition.code)
                wanted = "service" if kind == "services" else "bundle"
                if existing is not None and existing[0] != wanted:
                    self.add(
                        (*path, "code"),
                        CatalogError.KIND_CHANGED,
                        N_("%(code)s is already in the catalogue as a %(kind)s."),
                        code=definition.code,
                        kind=existing[0],
                    )
        for index, service in enumerate(self.parsed.services):
            _ServiceChecker(self, ("services", index), service).run()
        merged: dict[str, MergedBundle] = {}
        for index, bundle in enumerate(self.parsed.bundles):
            result = self.check_bundle(("bundles", index), bundle)
            if result is not None:
                merged[bundle.code] = result
        return merged

    def vocabulary(self, path: Path, life_events: Sequence[str], topics: Sequence[str]) -> None:
        for i, code in enumerate(life_events):
            if code not in LIFE_EVENT_BY_CODE:
                self.add(
                    (*path, "life_events", i),
                    CatalogError.VOCABULARY,
                    N_("There is no life event “%(code)s”; choose from: %(choices)s."),
                    code=code,
                    choices=", ".join(LIFE_EVENT_BY_CODE),
                )
        for i, code in enumerate(topics):
            if code not in TOPIC_BY_CODE:
                self.add(
                    (*path, "topics", i),
                    CatalogError.VOCABULARY,
                    N_("There is no topic “%(code)s”; choose from: %(choices)s."),
                    code=code,
                    choices=", ".join(TOPIC_BY_CODE),
                )

    def department(self, path: Path, code: str) -> None:
        if code not in self.refs.departments:
            self.add(path, CatalogError.DEPARTMENT_UNKNOWN, N_("There is no department %(code)s."), code=code)

    def check_bundle(self, path: Path, bundle: BundleDefinition) -> MergedBundle | None:
        self.vocabulary(path, bundle.life_events, bundle.topics)
        in_file = {s.code: s for s in self.parsed.services}
        members: list[ServiceDefinition] = []
        for i, code in enumerate(bundle.services):
            if code in in_file:
                members.append(in_file[code])
                continue
            found = self.refs.catalogue(code)
            if found is None:
                self.add(
                    (*path, "services", i),
                    CatalogError.SERVICE_UNKNOWN,
                    N_("There is no service %(code)s in the catalogue or in this file."),
                    code=code,
                )
            elif found[1] is None:
                self.add(
                    (*path, "services", i),
                    CatalogError.SERVICE_UNKNOWN,
                    N_("%(code)s is a bundle: a bundle combines services only."),
                    code=code,
                )
            else:
                members.append(found[1])
        if len(members) != len(bundle.services):
            return None
        try:
            return merge_bundle(bundle, members)
        except MergeConflict as conflict:
            index = bundle.services.index(conflict.service) if conflict.service in bundle.services else None
            where: Path = (*path, "services", index) if index is not None else (*path, "services")
            self.add(where, CatalogError.BUNDLE_CONFLICT, conflict.message, **conflict.params)
            return None


_CERT_TYPES: Mapping[FieldType, tuple[FieldType, ...]] = {
    FieldType.TEXT: (FieldType.TEXT,),
    FieldType.INTEGER: (FieldType.INTEGER,),
    FieldType.DECIMAL: (FieldType.DECIMAL, FieldType.INTEGER),
    FieldType.DATE: (FieldType.DATE,),
    FieldType.BOOLEAN: (FieldType.BOOLEAN,),
}


class _ServiceChecker:
    def __init__(self, parent: _Checker, path: Path, service: ServiceDefinition) -> None:
        self.parent = parent
        self.refs = parent.refs
        self.path = path
        self.service = service
        self.kind = service.applicant_kind
        self.schema: Schema | None = None

    def add(self, where: tuple[str | int, ...], error: CatalogError, message: str, /, **params: object) -> None:
        self.parent.add((*self.path, *where), error, message, **params)

    def run(self) -> None:
        service = self.service
        self.parent.vocabulary(self.path, service.life_events, service.topics)
        for i, code in enumerate(service.departments):
            self.parent.department((*self.path, "departments", i), code)
        self.unique()
        types = self.facts()
        for i, form_field in enumerate(self.service.form):
            self.form_field(("form", i), form_field)
        self.schema = Schema(Field(name, kind) for name, kind in types.items())
        for i, condition in enumerate(service.eligibility):
            self.rule(("eligibility", i, "rule"), condition.rule)
        if service.instant_approval is not None:
            self.rule(("instant_approval", "rule"), service.instant_approval.rule)
        self.materials()
        self.fees()
        if service.time_limits.committed_days > service.time_limits.statutory_days:
            self.add(
                ("time_limits", "committed_days"),
                CatalogError.STRUCTURE,
                N_("The committed time limit cannot be longer than the statutory one (%(days)s days)."),
                days=service.time_limits.statutory_days,
            )
        self.steps()

    # --- names ------------------------------------------------------------------------

    def unique(self) -> None:
        service = self.service
        groups: list[tuple[str, list[tuple[tuple[str | int, ...], str]]]] = [
            ("form", [(("form", i, "name"), f.name) for i, f in enumerate(service.form)]),
            ("materials", [(("materials", i, "code"), m.code) for i, m in enumerate(service.materials)]),
            ("fees", [(("fees", i, "code"), f.code) for i, f in enumerate(service.fees)]),
            ("steps", self._step_ids()),
        ]
        for _group, entries in groups:
            seen: set[str] = set()
            for where, name in entries:
                if name in seen:
                    self.add(where, CatalogError.DUPLICATE, N_("“%(name)s” is used twice here."), name=name)
                seen.add(name)

    def _step_ids(self) -> list[tuple[tuple[str | int, ...], str]]:
        ids: list[tuple[tuple[str | int, ...], str]] = []
        for i, step in enumerate(self.service.steps):
            ids.append((("steps", i, "id"), step.id))
            if isinstance(step, ParallelStep):
                ids.extend((("steps", i, "steps", j, "id"), inner.id) for j, inner in enumerate(step.steps))
        return ids

    # --- facts and the form -----------------------------------------------------------

    def facts(self) -> dict[str, FieldType]:
        """Every fact a rule may use, with its type: built-ins, declared facts, form fields."""
        types: dict[str, FieldType] = {**COMMON_FACTS, **BUILTIN_FACTS[self.kind]}
        for name, fact in self.service.facts.items():
            where: tuple[str | int, ...] = ("facts", name)
            if name in types:
                self.add(where, CatalogError.DUPLICATE, N_("“%(name)s” is already a built-in fact."), name=name)
                continue
            if fact.field is not None:
                found = self.item_field(where, fact.field)
                if found is not None:
                    types[name] = found
            elif fact.certificate is not None:
                if self.certificate(where, fact.certificate):
                    types[name] = FieldType.BOOLEAN
            else:
                item = fact.exists if fact.exists is not None else fact.count
                if item is not None and self.item(where, item):
                    types[name] = FieldType.BOOLEAN if fact.exists is not None else FieldType.INTEGER
        for i, form_field in enumerate(self.service.form):
            if form_field.name in types:
                self.add(
                    ("form", i, "name"),
                    CatalogError.DUPLICATE,
                    N_("“%(name)s” is already a fact; give the form field another name."),
                    name=form_field.name,
                )
                continue
            types[form_field.name] = FIELD_TYPES[form_field.type]
        return types

    def item(self, where: tuple[str | int, ...], code: str) -> bool:
        ref = self.refs.items.get(code)
        if ref is None:
            self.add(where, CatalogError.ITEM_UNKNOWN, N_("There is no datahub item %(code)s."), code=code)
            return False
        if ref.subject != self.kind:
            self.add(
                where,
                CatalogError.ITEM_WRONG_SUBJECT,
                _WRONG_SUBJECT,
                code=code,
                subject=ref.subject,
                kind=self.kind,
            )
            return False
        return True

    def item_field(self, where: tuple[str | int, ...], reference: str) -> FieldType | None:
        """``psb.driving_licence.points`` → the field's type (problems reported)."""
        code, _, name = reference.rpartition(".")
        if not code or "." not in code:
            self.add(
                where,
                CatalogError.STRUCTURE,
                N_("Name a datahub item and one of its fields, such as psb.household.address."),
            )
            return None
        if not self.item(where, code):
            return None
        found = self.refs.items[code].fields.get(name)
        if found is None:
            self.add(
                where,
                CatalogError.ITEM_FIELD_UNKNOWN,
                N_("Datahub item %(code)s has no field %(field)s."),
                code=code,
                field=name,
            )
        return found

    def certificate(self, where: tuple[str | int, ...], code: str) -> bool:
        ref = self.refs.certificates.get(code)
        if ref is None:
            self.add(where, CatalogError.CERTIFICATE_UNKNOWN, N_("There is no certificate type %(code)s."), code=code)
            return False
        if ref.holder != self.kind:
            self.add(
                where,
                CatalogError.CERTIFICATE_UNKNOWN,
                N_("Certificate type %(code)s is held by a %(holder)s, but this service's applicant is a %(kind)s."),
                code=code,
                holder=ref.holder,
                kind=self.kind,
            )
            return False
        return True

    def form_field(self, where: tuple[str | int, ...], form_field: FormField) -> None:
        if form_field.type == "choice" and not form_field.choices:
            self.add((*where, "choices"), CatalogError.STRUCTURE, N_("A choice field needs its choices."))
        if form_field.type != "choice" and form_field.choices:
            self.add((*where, "choices"), CatalogError.STRUCTURE, N_("Only a choice field has choices."))
        if form_field.choices:
            values = [c.value for c in form_field.choices]
            if len(set(values)) != len(values):
                self.add((*where, "choices"), CatalogError.DUPLICATE, N_("A choice is listed twice."))
        rules = form_field.validation
        if rules is not None:
            if rules.pattern is not None:
                try:
                    re.compile(rules.pattern)
                except re.error as err:
                    self.add(
                        (*where, "validation", "pattern"),
                        CatalogError.STRUCTURE,
                        N_("The pattern is not a valid regular expression: %(problem)s."),
                        problem=str(err)[:80],
                    )
            if rules.min_length is not None and rules.max_length is not None and rules.min_length > rules.max_length:
                self.add((*where, "validation"), CatalogError.STRUCTURE, N_("min_length is more than max_length."))
            if rules.min is not None and rules.max is not None and rules.min > rules.max:
                self.add((*where, "validation"), CatalogError.STRUCTURE, N_("min is more than max."))
        if form_field.prefill is not None:
            self.prefill((*where, "prefill"), form_field)

    def prefill(self, where: tuple[str | int, ...], form_field: FormField) -> None:
        reference = form_field.prefill or ""
        head, _, name = reference.partition(".")
        if head == "applicant":
            source_type = APPLICANT_ATTRIBUTES[self.kind].get(name)
            if source_type is None:
                self.add(
                    where,
                    CatalogError.STRUCTURE,
                    N_("The applicant has no attribute %(name)s; choose from: %(choices)s."),
                    name=name,
                    choices=", ".join(APPLICANT_ATTRIBUTES[self.kind]),
                )
                return
        else:
            found = self.item_field(where, reference)
            if found is None:
                return
            source_type = found
        wanted = FIELD_TYPES[form_field.type]
        if source_type != wanted and not (wanted is FieldType.DECIMAL and source_type is FieldType.INTEGER):
            self.add(
                where,
                CatalogError.TYPE_MISMATCH,
                N_("%(source)s is %(source_type)s but the field is %(field_type)s."),
                source=reference,
                source_type=str(source_type),
                field_type=str(wanted),
            )

    # --- rules ------------------------------------------------------------------------

    def rule(self, where: tuple[str | int, ...], text: str, *, value: bool = False) -> FieldType | None:
        if self.schema is None:  # pragma: no cover - set before any rule is checked
            return None
        try:
            parsed = parse(text, self.schema, expect="value" if value else "condition")
        except RuleError as err:
            for problem in err.problems:
                self.rule_problem((*self.path, *where), problem)
            return None
        return parsed.type

    def rule_problem(self, path: Path, problem: object) -> None:
        from onevisit.rules import Problem as RuleProblem

        assert isinstance(problem, RuleProblem)  # noqa: S101 - RuleError.problems holds rules' Problems
        position = self.parent.source.position(path)
        line = column = None
        if position is not None:
            if position.style in ("|", ">"):
                line = position.line + problem.line
            else:
                line = position.line + problem.line - 1
                quote = 1 if position.style in ("'", '"') else 0
                column = position.column + quote + problem.column - 1 if problem.line == 1 else problem.column
        self.parent.problems.append(
            Problem(
                file=self.parent.source.name,
                line=line,
                column=column,
                field=format_path(path),
                code=CatalogError.RULE,
                message=problem.message,
                params=dict(problem.params),
                translations={lang: problem.describe(lang) for lang in ("zh", "en")},
            )
        )

    # --- materials, fees, steps -------------------------------------------------------

    def materials(self) -> None:
        for i, material in enumerate(self.service.materials):
            where: tuple[str | int, ...] = ("materials", i)
            if material.when is not None:
                self.rule((*where, "when"), material.when)
            kinds: set[str] = set()
            for j, source in enumerate(material.sources):
                at = (*where, "sources", j)
                kind = source.kind
                if kind in kinds:
                    self.add(at, CatalogError.DUPLICATE, N_("A material lists each kind of source once."))
                kinds.add(kind)
                if kind == "upload" and j != len(material.sources) - 1:
                    self.add(
                        at,
                        CatalogError.STRUCTURE,
                        N_("An upload is the last resort: list it after every other way to provide the material."),
                    )
                if source.datahub is not None:
                    self.item((*at, "datahub"), source.datahub)
                if source.certificate is not None:
                    self.certificate((*at, "certificate"), source.certificate)

    def fees(self) -> None:
        for i, fee in enumerate(self.service.fees):
            where: tuple[str | int, ...] = ("fees", i)
            self.parent.department((*self.path, *where, "payee"), fee.payee)
            if fee.when is not None:
                self.rule((*where, "when"), fee.when)
            if fee.formula is not None:
                kind = self.rule((*where, "formula"), fee.formula, value=True)
                if kind is not None and not kind.numeric:
                    self.add(
                        (*where, "formula"),
                        CatalogError.TYPE_MISMATCH,
                        N_("A fee formula gives a number of fen, not %(kind)s."),
                        kind=str(kind),
                    )

    def steps(self) -> None:  # noqa: PLR0912 - one branch per kind of step
        service = self.service
        payments = 0
        issued: set[str] = set()
        fee_codes = {f.code for f in service.fees}
        for i, step in enumerate(service.steps):
            where: tuple[str | int, ...] = ("steps", i)
            if isinstance(step, CheckStep):
                for j, condition in enumerate(step.checks):
                    self.rule((*where, "checks", j, "rule"), condition.rule)
            elif isinstance(step, ReviewStep):
                self.parent.department((*self.path, *where, "department"), step.department)
            elif isinstance(step, ParallelStep):
                for j, inner in enumerate(step.steps):
                    self.parent.department((*self.path, *where, "steps", j, "department"), inner.department)
            elif isinstance(step, PaymentStep):
                payments += 1
                for j, code in enumerate(step.fees or []):
                    if code not in fee_codes:
                        self.add(
                            (*where, "fees", j), CatalogError.STRUCTURE, N_("There is no fee %(code)s."), code=code
                        )
            elif isinstance(step, IssueStep):
                for j, issuance in enumerate(step.certificates):
                    self.issuance((*where, "certificates", j), issuance.type, issuance.claims)
                    issued.add(issuance.type)
        if service.fees and payments == 0:
            self.add(("fees",), CatalogError.STRUCTURE, N_("The service has fees but no payment step to collect them."))
        if payments and not service.fees:
            self.add(("steps",), CatalogError.STRUCTURE, N_("There is a payment step but no fees."))
        if payments > 1:
            self.add(("steps",), CatalogError.STRUCTURE, N_("Fees are collected in one payment step."))
        outputs = {o.certificate for o in service.outputs if o.certificate is not None}
        for i, output in enumerate(service.outputs):
            if output.certificate is not None and output.certificate not in issued:
                self.add(
                    ("outputs", i, "certificate"),
                    CatalogError.STRUCTURE,
                    N_("Certificate %(code)s is an output but no issue step issues it."),
                    code=output.certificate,
                )
        for code in sorted(issued - outputs):
            self.add(
                ("outputs",),
                CatalogError.STRUCTURE,
                N_("Certificate %(code)s is issued: list it among the outputs."),
                code=code,
            )

    def issuance(self, where: tuple[str | int, ...], code: str, claims: Mapping[str, str]) -> None:
        ref = self.refs.certificates.get(code)
        if ref is None:
            self.add(
                (*where, "type"),
                CatalogError.CERTIFICATE_UNKNOWN,
                N_("There is no certificate type %(code)s."),
                code=code,
            )
            return
        for name, (_kind, required) in ref.fields.items():
            if required and name not in claims:
                self.add(
                    (*where, "claims"),
                    CatalogError.CERTIFICATE_FIELD,
                    N_("Certificate type %(code)s needs field %(field)s: give it a claim."),
                    code=code,
                    field=name,
                )
        for name, expression in claims.items():
            spec = ref.fields.get(name)
            if spec is None:
                self.add(
                    (*where, "claims", name),
                    CatalogError.CERTIFICATE_FIELD,
                    N_("Certificate type %(code)s has no field %(field)s."),
                    code=code,
                    field=name,
                )
                continue
            kind = self.rule((*where, "claims", name), expression, value=True)
            if kind is not None and kind not in _CERT_TYPES[spec[0]]:
                self.add(
                    (*where, "claims", name),
                    CatalogError.TYPE_MISMATCH,
                    N_("Field %(field)s of %(code)s is %(field_type)s, but this gives %(kind)s."),
                    field=name,
                    code=code,
                    field_type=str(spec[0]),
                    kind=str(kind),
                )
