""" "One matter" bundles: several services merged into one form, one set of materials and
one payment.

Merging happens at load, and the result is stored with the bundle's version, so an
application started from a bundle reads one merged definition:

- form fields with the same name are one field (required when any member requires it);
  the same name with different types, or different choices, is a conflict;
- materials with the same code are asked for once; their ways of being provided are
  combined in order (an upload stays the last resort);
- fees stay per service (each has its payee department) but are collected in one payment;
- facts with the same name must mean the same thing in every member;
- the time limits are the longest of the members' (the departments work in parallel);
- the bundle is instant only when every member has an instant-approval rule;
- at most one member establishes an enterprise (the others' enterprise certificates go to it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from onevisit.catalog.definitions import (
    BundleDefinition,
    Fact,
    Fee,
    FormField,
    Localized,
    Material,
    MaterialSource,
    ServiceDefinition,
    TimeLimits,
)
from onevisit.catalog.vocabulary import FIELD_TYPES
from onevisit.kernel.i18n import N_


class MergedField(FormField):
    services: list[str]


class MergedMaterial(Material):
    services: list[str]


class MergedFee(Fee):
    service: str


class Member(BaseModel):
    code: str
    name: Localized
    #: the member's catalogue version this merge was made from (set when loaded)
    version: int = 0


class MergedBundle(BaseModel):
    applicant: str
    departments: list[str]
    members: list[Member]
    facts: dict[str, Fact]
    form: list[MergedField]
    materials: list[MergedMaterial]
    fees: list[MergedFee]
    time_limits: TimeLimits
    instant: bool

    @property
    def fixed_total_fen(self) -> int:
        """What the one payment comes to when no fee depends on the form."""
        return sum(f.amount_fen or 0 for f in self.fees if f.formula is None and f.when is None)

    @property
    def variable_fees(self) -> bool:
        return any(f.formula is not None or f.when is not None for f in self.fees)


class MergeConflict(Exception):
    def __init__(self, member: str, message: str, /, **params: object) -> None:
        super().__init__(message)
        self.service = member
        self.message = message
        self.params = params


def _sources(first: Sequence[MaterialSource], second: Sequence[MaterialSource]) -> list[MaterialSource]:
    combined: list[MaterialSource] = []
    for source in [*first, *second]:
        if any(s.kind == source.kind and s == source for s in combined):
            continue
        if source.kind != "upload" and any(s.kind == source.kind for s in combined):
            continue  # one way of each kind: the first member's
        combined.append(source)
    uploads = [s for s in combined if s.kind == "upload"][:1]
    return [s for s in combined if s.kind != "upload"] + uploads


def _same_field(a: FormField, b: FormField) -> bool:
    if a.type == "choice" or b.type == "choice":
        return a.type == b.type and {c.value for c in a.choices or []} == {c.value for c in b.choices or []}
    return FIELD_TYPES[a.type] == FIELD_TYPES[b.type]


def merge_bundle(bundle: BundleDefinition, members: Sequence[ServiceDefinition]) -> MergedBundle:
    first = members[0]
    departments: list[str] = []
    facts: dict[str, tuple[str, Fact]] = {}
    fields: dict[str, MergedField] = {}
    field_owner: dict[str, str] = {}
    materials: dict[str, MergedMaterial] = {}
    fees: list[MergedFee] = []
    founders = [m.code for m in members if m.establishes is not None]
    if len(founders) > 1:
        raise MergeConflict(
            founders[1],
            N_("%(service)s and %(other)s both establish an enterprise: a bundle establishes one."),
            service=founders[1],
            other=founders[0],
        )
    for member in members:
        if member.applicant_kind != first.applicant_kind:
            raise MergeConflict(
                member.code,
                N_("%(service)s is applied for by a %(kind)s, but %(other)s by a %(other_kind)s."),
                service=member.code,
                kind=member.applicant_kind,
                other=first.code,
                other_kind=first.applicant_kind,
            )
        departments.extend(d for d in member.involved_departments() if d not in departments)
        for name, fact in member.facts.items():
            if name in facts and facts[name][1] != fact:
                raise MergeConflict(
                    member.code,
                    N_("Fact %(name)s means different things in %(service)s and %(other)s."),
                    name=name,
                    service=member.code,
                    other=facts[name][0],
                )
            facts.setdefault(name, (member.code, fact))
        for form_field in member.form:
            if form_field.name in facts:
                raise MergeConflict(
                    member.code,
                    N_("%(name)s is a form field in %(service)s but a fact in %(other)s."),
                    name=form_field.name,
                    service=member.code,
                    other=facts[form_field.name][0],
                )
            existing = fields.get(form_field.name)
            if existing is None:
                fields[form_field.name] = MergedField(
                    **form_field.model_dump(exclude_none=True), services=[member.code]
                )
                field_owner[form_field.name] = member.code
                continue
            if not _same_field(existing, form_field):
                raise MergeConflict(
                    member.code,
                    N_("Form field %(name)s is %(type)s in %(other)s but %(other_type)s in %(service)s."),
                    name=form_field.name,
                    type=existing.type,
                    other=field_owner[form_field.name],
                    other_type=form_field.type,
                    service=member.code,
                )
            existing.required = existing.required or form_field.required
            existing.prefill = existing.prefill or form_field.prefill
            existing.services.append(member.code)
        for material in member.materials:
            found = materials.get(material.code)
            if found is None:
                materials[material.code] = MergedMaterial(
                    **material.model_dump(exclude_none=True), services=[member.code]
                )
                continue
            found.sources = _sources(found.sources, material.sources)
            found.required = found.required or material.required
            if found.when != material.when:
                found.when = None  # asked for whenever either member would ask for it
            found.services.append(member.code)
        fees.extend(MergedFee(**fee.model_dump(exclude_none=True), service=member.code) for fee in member.fees)
    return MergedBundle(
        applicant=first.applicant_kind,
        departments=departments,
        members=[Member(code=m.code, name=m.name) for m in members],
        facts={name: fact for name, (_owner, fact) in facts.items()},
        form=list(fields.values()),
        materials=list(materials.values()),
        fees=fees,
        time_limits=TimeLimits(
            statutory_days=max(m.time_limits.statutory_days for m in members),
            committed_days=max(m.time_limits.committed_days for m in members),
        ),
        instant=all(m.instant_approval is not None for m in members),
    )


def member_versions(merged: MergedBundle, versions: Mapping[str, int]) -> MergedBundle:
    """The merge with each member's catalogue version recorded."""
    for member in merged.members:
        member.version = versions.get(member.code, member.version)
    return merged
