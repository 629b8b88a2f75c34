"""Checking one service: its references, rules, materials, fees, steps and issuance."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from onevisit.catalog.checks.establishment import check_establishment
from onevisit.catalog.definitions import (
    CheckStep,
    FormField,
    IssueStep,
    ParallelStep,
    PaymentStep,
    ReviewStep,
    ServiceDefinition,
)
from onevisit.catalog.errors import CatalogError, Problem
from onevisit.catalog.vocabulary import (
    APPLICANT_ATTRIBUTES,
    BUILTIN_FACTS,
    COMMON_FACTS,
    FIELD_TYPES,
)
from onevisit.catalog.yamlsource import Path, format_path
from onevisit.kernel.i18n import N_
from onevisit.rules import Field, FieldType, RuleError, Schema, parse

if TYPE_CHECKING:
    from onevisit.catalog.checks.file import _Checker

_WRONG_SUBJECT = N_(
    "Datahub item %(code)s holds records about a %(subject)s, but this service's applicant is a %(kind)s."
)


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
        check_establishment(self)

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
        if ref.holder != self.kind and not (ref.holder == "enterprise" and self.service.establishes is not None):
            self.add(
                (*where, "type"),
                CatalogError.CERTIFICATE_UNKNOWN,
                N_(
                    "Certificate type %(code)s is held by a %(holder)s, but this service's applicant is a "
                    "%(kind)s: only a service that establishes an enterprise (establishes:) issues to another holder."
                ),
                code=code,
                holder=ref.holder,
                kind=self.kind,
            )
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
