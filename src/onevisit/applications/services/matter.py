"""What an application is for, and what is known about its applicant.

A :class:`Matter` is a service or a bundle at the catalogue version the application is
pinned to: its member services (one, or a bundle's), the one form, the materials (merged
for a bundle), the fees and the facts its rules read. :func:`applicant_record` builds the
record the rules evaluate — built-in facts from the applicant's own record, declared facts
from the datahub dossier and the wallet, the form's values — and :func:`prefill` the form's
starting values from the same sources.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from onevisit import catalog, credentials, datahub
from onevisit.applications.errors import ApplicationError
from onevisit.catalog.definitions import Fact, Fee, FormField, Material, ServiceDefinition
from onevisit.catalog.references import from_database as references_from_database
from onevisit.credentials.services.issuance import HolderFacts
from onevisit.datahub.errors import DatahubError
from onevisit.identity.models import Enterprise, Person
from onevisit.identity.services.people import id_number_of, phone_of
from onevisit.kernel.actors import Principal, system_actor
from onevisit.kernel.errors import AppError, Forbidden, NotFound
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform
from onevisit.rules import Rule, Schema, parse

CHINA = dt.timezone(dt.timedelta(hours=8))
#: the datahub reads on an applicant's behalf are made by the platform, for the application
READER = system_actor("applications")


@dataclass
class Matter:
    entry: catalog.Entry
    members: list[ServiceDefinition]
    form: list[FormField]
    materials: list[Material]
    fees: list[tuple[str, Fee]]  #: (service code, fee)
    facts: dict[str, Fact]
    applicant_kind: str

    @property
    def code(self) -> str:
        return self.entry.code

    @property
    def is_bundle(self) -> bool:
        return self.entry.is_bundle

    def name(self, language: str) -> str:
        definition = self.entry.bundle if self.entry.bundle is not None else self.entry.service
        assert definition is not None  # noqa: S101 - an entry is one or the other
        return definition.name.get(language)

    @property
    def data_use(self) -> str:
        first = self.members[0]
        return first.data_use or first.code

    @property
    def legal_basis(self) -> str:
        return next((m.legal_basis for m in self.members if m.legal_basis), "") or "《浙江省公共数据条例》"

    def items_needed(self) -> list[str]:
        """The datahub items the facts, pre-filling and materials read (nothing else is asked for)."""
        facts = [f.exists or f.count or (f.field.rpartition(".")[0] if f.field else "") for f in self.facts.values()]
        codes = [code for code in facts if code]
        codes.extend(
            f.prefill.rpartition(".")[0] for f in self.form if f.prefill and not f.prefill.startswith("applicant.")
        )
        codes.extend(s.datahub for m in self.materials for s in m.sources if s.datahub)
        return list(dict.fromkeys(codes))


def matter_of(session: Session, entry: catalog.Entry) -> Matter:
    if entry.service is not None:
        service = entry.service
        return Matter(
            entry,
            [service],
            list(service.form),
            list(service.materials),
            [(service.code, fee) for fee in service.fees],
            dict(service.facts),
            service.applicant_kind,
        )
    merged = entry.merged
    assert merged is not None  # noqa: S101 - a bundle's version carries its merge
    members = []
    for member in merged.members:
        found = catalog.get_entry(session, member.code, version=member.version or None)
        assert found.service is not None  # noqa: S101 - bundles combine services only
        members.append(found.service)
    return Matter(
        entry,
        members,
        list(merged.form),
        list(merged.materials),
        [(fee.service, fee) for fee in merged.fees],
        dict(merged.facts),
        merged.applicant,
    )


# --- the applicant ---------------------------------------------------------------------------


@dataclass
class Applicant:
    kind: str
    person: Person
    enterprise: Enterprise | None
    subject: str = field(repr=False)  #: ID number or credit code (never logged)

    @property
    def holder_facts(self) -> HolderFacts:
        """What a certificate says about its holder, from the rows read already."""
        if self.kind == "enterprise" and self.enterprise is not None:
            return HolderFacts(self.enterprise.name, self.enterprise.credit_code)
        return HolderFacts(self.person.name, self.subject, self.person.birth_date)

    @property
    def holder(self) -> credentials.Holder:
        if self.kind == "enterprise" and self.enterprise is not None:
            return credentials.Holder.enterprise(self.enterprise.id)
        return credentials.Holder.person(self.person.id)


_NO_ENTERPRISE = N_("Choose the enterprise you act for first (My OneVisit → your enterprises).")
_NOT_A_PERSON = N_("Only a person with a resident ID can apply.")


def applicant_for(session: Session, platform: Platform, principal: Principal, kind: str) -> Applicant:
    if principal.person_id is None:
        raise Forbidden(ApplicationError.APPLICANT_INVALID, _NOT_A_PERSON)
    person = session.get(Person, principal.person_id)
    if person is None:
        raise Forbidden(ApplicationError.APPLICANT_INVALID, _NOT_A_PERSON)
    if kind == "enterprise":
        enterprise_id = principal.acting_for_enterprise_id
        enterprise = session.get(Enterprise, enterprise_id) if enterprise_id else None
        if enterprise is None:
            raise Forbidden(ApplicationError.APPLICANT_INVALID, _NO_ENTERPRISE)
        return Applicant("enterprise", person, enterprise, enterprise.credit_code)
    return Applicant("person", person, None, id_number_of(platform.vault, person))


def today_in_zhejiang(now: dt.datetime) -> dt.date:
    return now.astimezone(CHINA).date()


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def builtin_facts(applicant: Applicant, today: dt.date) -> dict[str, object]:
    if applicant.kind == "enterprise" and applicant.enterprise is not None:
        firm = applicant.enterprise
        return {
            "employees": firm.employees,
            "industry": firm.industry,
            "enterprise_kind": firm.kind,
            "registered_capital_yuan": firm.registered_capital_fen // 100,
            "established_on": firm.established_on,
            "region_code": firm.region_code,
        }
    person = applicant.person
    return {
        "age": _age(person.birth_date, today),
        "gender": person.gender,
        "birth_date": person.birth_date,
        "region_code": person.region_code,
    }


def applicant_attributes(platform: Platform, applicant: Applicant) -> dict[str, object]:
    """What ``prefill: applicant.<name>`` may use."""
    if applicant.kind == "enterprise" and applicant.enterprise is not None:
        firm = applicant.enterprise
        return {
            "name": firm.name,
            "credit_code": firm.credit_code,
            "region_code": firm.region_code,
            "address": firm.address,
            "industry": firm.industry,
            "legal_rep_name": applicant.person.name,
        }
    person = applicant.person
    return {
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat(),
        "region_code": person.region_code,
        "address": person.address,
        "phone": phone_of(platform.vault, person) or "",
    }


# --- the dossier ---------------------------------------------------------------------------


def read_dossier(
    platform: Platform, matter: Matter, applicant: Applicant, reference: str
) -> dict[str, list[dict[str, Any]]]:
    """The applicant's records of the items the matter needs, read for the application
    (the purpose names it; the read is on the applicant's "who used my data" page). An
    item the use may not read is left out (withheld) rather than failing the application."""
    return read_dossier_deferred(platform, matter, applicant, reference, defer_log=False)[0]


def read_dossier_deferred(
    platform: Platform, matter: Matter, applicant: Applicant, reference: str, *, defer_log: bool = True
) -> tuple[dict[str, list[dict[str, Any]]], datahub.PendingLog | None]:
    """:func:`read_dossier`, with the granted read's access rows kept for the caller to
    write (``datahub.log_deferred``) under the application's number once it has one."""
    needed = matter.items_needed()
    if not needed:
        return {}, None
    purpose = datahub.Purpose(
        use=matter.data_use, kind="application", reference=reference, legal_basis=matter.legal_basis
    )
    try:
        dossier = datahub.read(
            platform, READER, subject=applicant.subject, purpose=purpose, items=needed, defer_log=defer_log
        )
    except AppError as err:
        if err.code == DatahubError.SUBJECT_UNKNOWN:
            return {}, None
        if err.code not in (DatahubError.APPROVAL_MISSING, DatahubError.ITEM_NOT_SHARED, DatahubError.ITEM_UNKNOWN):
            raise
        dossier = datahub.read(platform, READER, subject=applicant.subject, purpose=purpose, defer_log=defer_log)
    found = dossier.by_item()
    return {code: found[code] for code in needed if code in found}, dossier.pending


def declared_facts(
    session: Session, matter: Matter, applicant: Applicant, records: Mapping[str, list[dict[str, Any]]], today: dt.date
) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, fact in matter.facts.items():
        if fact.field is not None:
            item, _, field_name = fact.field.rpartition(".")
            rows = records.get(item) or []
            out[name] = rows[0].get(field_name) if rows else None
        elif fact.exists is not None:
            out[name] = bool(records.get(fact.exists))
        elif fact.count is not None:
            out[name] = len(records.get(fact.count) or [])
        elif fact.certificate is not None:
            out[name] = bool(credentials.valid_certificates(session, applicant.holder, fact.certificate, today=today))
    return out


def prefill(
    platform: Platform, matter: Matter, applicant: Applicant, records: Mapping[str, list[dict[str, Any]]]
) -> dict[str, str]:
    """The form's starting values: from the applicant's own record or their datahub records."""
    attributes = applicant_attributes(platform, applicant)
    values: dict[str, str] = {}
    for form_field in matter.form:
        source = form_field.prefill
        if not source:
            continue
        head, _, name = source.rpartition(".")
        value = attributes.get(name) if head == "applicant" else (records.get(head) or [{}])[0].get(name)
        if value is not None and value != "":
            values[form_field.name] = str(value)
    return values


# --- rules ---------------------------------------------------------------------------------

_SCHEMAS: dict[tuple[str, int], Schema] = {}
_RULES: dict[tuple[int, str, str, dt.date], Rule] = {}


def schema_for(session: Session, matter: Matter) -> Schema:
    """The schema the matter's rules were checked against at load (cached per database and
    version: a version never changes)."""
    bind = session.get_bind()
    key = (str(bind.engine.url), matter.entry.version_id)
    if key not in _SCHEMAS:
        refs = references_from_database(session)
        fields: dict[str, Any] = {}
        for member in matter.members:
            fields.update(catalog.applicant_schema(member, refs).fields)
        _SCHEMAS[key] = Schema(fields.values())
    return _SCHEMAS[key]


def rule(text: str, schema: Schema, today: dt.date, *, value: bool = False) -> Rule:
    """A parsed rule, cached per schema and day (``TODAY()`` is fixed when a rule is parsed)."""
    key = (id(schema), text, "value" if value else "condition", today)
    found = _RULES.get(key)
    if found is None:
        if len(_RULES) > 20_000:
            _RULES.clear()
        found = _RULES[key] = parse(text, schema, expect="value" if value else "condition", today=today)
    return found


def as_typed(matter: Matter, values: Mapping[str, str], commitments: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """The form's values as kept on the application (its own fields, as text, bounded) and
    the commitments among its materials'."""
    form = {f.name: str(values.get(f.name, ""))[:4000] for f in matter.form}
    codes = {m.code for m in matter.materials}
    return form, sorted({c for c in commitments if c in codes})


def coerce_record(schema: Schema, record: Mapping[str, object]) -> dict[str, object]:
    """The record as the rules' Python values (datahub values arrive as JSON text)."""
    try:
        return schema.coerce(record)
    except ValueError as err:
        raise NotFound(
            ApplicationError.DATA_UNAVAILABLE,
            N_("A record needed for this service is not readable: %(problem)s"),
            params={"problem": str(err)[:100]},
        ) from err


def unmet(conditions: Sequence[Any], schema: Schema, record: Mapping[str, object], today: dt.date) -> list[Any]:
    """The conditions (with ``rule`` and ``message``) that do not hold for ``record``."""
    return [c for c in conditions if not rule(c.rule, schema, today).matches(record)]
