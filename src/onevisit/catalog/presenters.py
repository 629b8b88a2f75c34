"""What the catalogue's pages show: a service or bundle turned into plain rows in the
reader's language — who may apply, what is needed and where each material comes from,
fees, time limits, steps with their departments, what you get.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit.catalog.definitions import (
    Fee,
    FormField,
    Localized,
    Material,
    MaterialSource,
    ServiceDefinition,
    TimeLimits,
)
from onevisit.catalog.models import Service
from onevisit.catalog.services.browse import Entry
from onevisit.catalog.vocabulary import AUDIENCES, LIFE_EVENT_BY_CODE, STEP_KINDS, TOPIC_BY_CODE
from onevisit.kernel.i18n import N_, Translator
from onevisit.kernel.money import yuan

AUTOMATIC = ("datahub", "certificate")


@dataclass
class Names:
    """Display names of what definitions refer to, in one language."""

    language: str
    departments: dict[str, str] = field(default_factory=dict)
    items: dict[str, tuple[str, str]] = field(default_factory=dict)  #: code → (item name, department name)
    certificates: dict[str, str] = field(default_factory=dict)

    def department(self, code: str) -> str:
        return self.departments.get(code, code)

    def certificate(self, code: str) -> str:
        return self.certificates.get(code, code)


def names_for(session: Session, language: str, *, departments_only: bool = False) -> Names:
    from onevisit.credentials import TYPES
    from onevisit.datahub.models import CatalogItem
    from onevisit.identity.models import Department

    zh = language == "zh"
    departments = {
        code: (name_zh if zh else name_en)
        for code, name_zh, name_en in session.execute(select(Department.code, Department.name_zh, Department.name_en))
    }
    if departments_only:
        return Names(language, departments)
    items = {}
    rows = session.execute(
        select(CatalogItem.code, CatalogItem.name_zh, CatalogItem.name_en, Department.code).join(
            Department, Department.id == CatalogItem.department_id
        )
    )
    for code, name_zh, name_en, department in rows:
        items[code] = (name_zh if zh else name_en, departments.get(department, department))
    certificates = {t.code: t.name(language) for t in TYPES}
    return Names(language, departments, items, certificates)


def text(value: Localized | None, language: str) -> str:
    return value.get(language) if value is not None else ""


# --- listing -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listed:
    code: str
    href: str
    name: str
    summary: str
    department: str
    kind: str
    audience: str
    instant: bool
    committed_days: int


def listed(rows: Iterable[Service], names: Names) -> list[Listed]:
    zh = names.language == "zh"
    return [
        Listed(
            code=row.code,
            href=("/bundles/" if row.kind == "bundle" else "/services/") + row.code,
            name=row.name_zh if zh else row.name_en,
            summary=row.summary_zh if zh else row.summary_en,
            department=names.department(row.department_code),
            kind=row.kind,
            audience=row.audience,
            instant=row.instant,
            committed_days=row.committed_days,
        )
        for row in rows
    ]


def term_label(facet: str, code: str, tr: Translator) -> str:
    table = LIFE_EVENT_BY_CODE if facet == "life_event" else TOPIC_BY_CODE
    term = table.get(code)
    return tr(term.label) if term else code


def audience_label(code: str, tr: Translator) -> str:
    return tr(AUDIENCES[code]) if code in AUDIENCES else code


# --- one service -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceView:
    kind: str
    text: str
    automatic: bool


@dataclass(frozen=True, slots=True)
class MaterialView:
    code: str
    name: str
    description: str
    required: bool
    conditional: bool
    automatic: bool  #: fetched for the applicant (a datahub record or a wallet certificate)
    sources: list[SourceView]
    services: list[str] = field(default_factory=list)


_FETCHED = N_("Fetched for you: %(item)s, from %(department)s")
_WALLET = N_("From your wallet: %(certificate)s")
_COMMITMENT = N_("A commitment instead: “%(text)s”")
_UPLOAD = N_("Only if none of these is possible: upload it (%(formats)s, up to %(mb)s MB)")
_UPLOAD_ONLY = N_("Upload it (%(formats)s, up to %(mb)s MB)")


def source_view(source: MaterialSource, names: Names, tr: Translator, *, alone: bool) -> SourceView:
    if source.datahub is not None:
        item, department = names.items.get(source.datahub, (source.datahub, ""))
        return SourceView("datahub", tr(_FETCHED, item=item, department=department), True)
    if source.certificate is not None:
        return SourceView("certificate", tr(_WALLET, certificate=names.certificate(source.certificate)), True)
    if source.commitment is not None:
        return SourceView("commitment", tr(_COMMITMENT, text=source.commitment.get(names.language)), False)
    upload = source.upload
    formats = ", ".join(f.upper() for f in (upload.formats if upload else []))
    message = _UPLOAD_ONLY if alone else _UPLOAD
    return SourceView("upload", tr(message, formats=formats, mb=upload.max_mb if upload else 10), False)


def material_view(material: Material, names: Names, tr: Translator, services: Sequence[str] = ()) -> MaterialView:
    sources = [source_view(s, names, tr, alone=len(material.sources) == 1) for s in material.sources]
    return MaterialView(
        code=material.code,
        name=material.name.get(names.language),
        description=text(material.description, names.language),
        required=material.required,
        conditional=material.when is not None,
        automatic=any(s.automatic for s in sources),
        sources=sources,
        services=list(services),
    )


@dataclass(frozen=True, slots=True)
class FeeView:
    name: str
    amount: str
    payee: str
    conditional: bool
    service: str = ""


_FORMULA = N_("Worked out from your form")


def fee_views(fees: Iterable[Fee], names: Names, tr: Translator) -> list[FeeView]:
    return [
        FeeView(
            name=fee.name.get(names.language),
            amount=yuan(fee.amount_fen) if fee.amount_fen is not None else tr(_FORMULA),
            payee=names.department(fee.payee),
            conditional=fee.when is not None,
            service=getattr(fee, "service", ""),
        )
        for fee in fees
    ]


@dataclass(frozen=True, slots=True)
class StepView:
    kind: str
    kind_label: str
    name: str
    departments: list[str]
    detail: list[str]


def step_views(service: ServiceDefinition, names: Names, tr: Translator) -> list[StepView]:
    views = []
    lang = names.language
    for step in service.steps:
        label = tr(STEP_KINDS[step.kind])
        name = text(step.name, lang)
        if step.kind == "check":
            views.append(StepView("check", label, name, [], [c.message.get(lang) for c in step.checks]))
        elif step.kind == "review":
            views.append(StepView("review", label, name, [names.department(step.department)], []))
        elif step.kind == "parallel":
            detail = [text(s.name, lang) or names.department(s.department) for s in step.steps]
            views.append(
                StepView("parallel", label, name, [names.department(s.department) for s in step.steps], detail)
            )
        elif step.kind == "payment":
            views.append(StepView("payment", label, name, [], []))
        else:
            views.append(StepView("issue", label, name, [], [names.certificate(c.type) for c in step.certificates]))
    return views


_ALL_INSTANT = N_("Every service in this bundle is approved automatically when its rules are met.")
_PREFILL_ITEM = N_("Filled in from %(item)s")
_PREFILL_APPLICANT = N_("Filled in from your own record")


@dataclass(frozen=True, slots=True)
class FieldView:
    label: str
    required: bool
    prefilled: str


def field_views(fields: Iterable[FormField], names: Names, tr: Translator) -> list[FieldView]:
    out = []
    for form_field in fields:
        prefilled = ""
        if form_field.prefill:
            head = form_field.prefill.rpartition(".")[0]
            if form_field.prefill.startswith("applicant."):
                prefilled = tr(_PREFILL_APPLICANT)
            else:
                prefilled = tr(_PREFILL_ITEM, item=names.items.get(head, (head, ""))[0])
        out.append(FieldView(form_field.label.get(names.language), form_field.required, prefilled))
    return out


@dataclass
class Page:
    """Everything the service and bundle pages show."""

    code: str
    kind: str
    version: int
    name: str
    description: str
    audience: str
    departments: list[str]
    life_events: list[tuple[str, str]]
    topics: list[tuple[str, str]]
    scope_anywhere: bool
    legal_basis: str
    eligibility: list[str]
    instant: str
    fields: list[FieldView]
    materials: list[MaterialView]
    fees: list[FeeView]
    total: str
    time_limits: TimeLimits
    steps: list[StepView]
    outputs: list[str]
    members: list[tuple[str, str]] = field(default_factory=list)
    member_steps: list[tuple[str, list[StepView]]] = field(default_factory=list)
    bundles: list[tuple[str, str]] = field(default_factory=list)

    @property
    def automatic_count(self) -> int:
        return sum(1 for m in self.materials if m.automatic)

    @property
    def upload_only(self) -> list[MaterialView]:
        return [m for m in self.materials if not m.automatic and all(s.kind == "upload" for s in m.sources)]


def _outputs(service: ServiceDefinition, names: Names) -> list[str]:
    return [
        names.certificate(o.certificate) if o.certificate is not None else text(o.document, names.language)
        for o in service.outputs
    ]


def _total(fees: Sequence[Fee]) -> str:
    """The one payment's amount, when no fee depends on the form."""
    if not fees or any(f.amount_fen is None or f.when is not None for f in fees):
        return ""
    return yuan(sum(f.amount_fen or 0 for f in fees))


def service_page(entry: Entry, names: Names, tr: Translator, bundles: Sequence[Service] = ()) -> Page:
    service = entry.service
    assert service is not None  # noqa: S101 - called for services only
    lang = names.language
    return Page(
        code=service.code,
        kind="service",
        version=entry.version,
        name=service.name.get(lang),
        description=service.description.get(lang),
        audience=audience_label(service.audience, tr),
        departments=[names.department(d) for d in service.involved_departments()],
        life_events=[(c, term_label("life_event", c, tr)) for c in service.life_events],
        topics=[(c, term_label("topic", c, tr)) for c in service.topics],
        scope_anywhere=service.scope == "province",
        legal_basis=service.legal_basis or "",
        eligibility=[c.message.get(lang) for c in service.eligibility],
        instant=text(service.instant_approval.message, lang) if service.instant_approval else "",
        fields=field_views(service.form, names, tr),
        materials=[material_view(m, names, tr) for m in service.materials],
        fees=fee_views(service.fees, names, tr),
        total=_total(service.fees),
        time_limits=service.time_limits,
        steps=step_views(service, names, tr),
        outputs=_outputs(service, names),
        bundles=[(b.code, b.name_zh if lang == "zh" else b.name_en) for b in bundles],
    )


def bundle_page(entry: Entry, members: Mapping[str, Entry], names: Names, tr: Translator) -> Page:
    bundle, merged = entry.bundle, entry.merged
    assert bundle is not None and merged is not None  # noqa: S101 - called for bundles only
    lang = names.language
    services = [members[m.code].service for m in merged.members if m.code in members]
    eligibility = [c.message.get(lang) for s in services if s is not None for c in s.eligibility]
    return Page(
        code=bundle.code,
        kind="bundle",
        version=entry.version,
        name=bundle.name.get(lang),
        description=bundle.description.get(lang),
        audience=audience_label(bundle.audience, tr),
        departments=[names.department(d) for d in merged.departments],
        life_events=[(c, term_label("life_event", c, tr)) for c in bundle.life_events],
        topics=[(c, term_label("topic", c, tr)) for c in bundle.topics],
        scope_anywhere=all(s.scope == "province" for s in services if s is not None),
        legal_basis="",
        eligibility=list(dict.fromkeys(eligibility)),
        instant=tr(_ALL_INSTANT) if merged.instant else "",
        fields=field_views(merged.form, names, tr),
        materials=[material_view(m, names, tr, m.services) for m in merged.materials],
        fees=fee_views(merged.fees, names, tr),
        total=_total(merged.fees),
        time_limits=merged.time_limits,
        steps=[],
        outputs=[o for s in services if s is not None for o in _outputs(s, names)],
        members=[(m.code, m.name.get(lang)) for m in merged.members],
        member_steps=[
            (s.name.get(lang), [v for v in step_views(s, names, tr) if v.kind != "payment"])
            for s in services
            if s is not None
        ],
    )
