"""The applicant schema: every fact a service's rules may read, with its type.

Built-in facts for the applicant's kind (``age``, ``employees`` …), ``application_no``,
the service's declared ``facts`` (typed by the datahub item field they read, or boolean /
integer for ``exists`` / ``count`` / ``certificate``) and its form fields. Definitions are
checked against exactly this schema at load (:mod:`onevisit.catalog.checks`), so the
applications engine can evaluate them with it.
"""

from __future__ import annotations

from collections.abc import Mapping

from onevisit.catalog.definitions import ServiceDefinition
from onevisit.catalog.references import References
from onevisit.catalog.vocabulary import BUILTIN_FACTS, COMMON_FACTS, FIELD_TYPES
from onevisit.rules import Field, FieldType, Schema


def fact_types(service: ServiceDefinition, refs: References) -> dict[str, FieldType]:
    types: dict[str, FieldType] = {**COMMON_FACTS, **BUILTIN_FACTS[service.applicant_kind]}
    for name, fact in service.facts.items():
        if fact.field is not None:
            code, _, field_name = fact.field.rpartition(".")
            item = refs.items.get(code)
            types[name] = item.fields.get(field_name, FieldType.TEXT) if item else FieldType.TEXT
        elif fact.count is not None:
            types[name] = FieldType.INTEGER
        else:
            types[name] = FieldType.BOOLEAN
    for form_field in service.form:
        types[form_field.name] = FIELD_TYPES[form_field.type]
    return types


def applicant_schema(service: ServiceDefinition, refs: References) -> Schema:
    return schema_of(fact_types(service, refs))


def schema_of(types: Mapping[str, FieldType]) -> Schema:
    return Schema(Field(name, kind) for name, kind in types.items())
