"""Catalogue items of a source: their schema rows checked, created and edited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from onevisit.datahub.errors import DatahubError
from onevisit.datahub.models import FREQUENCIES, SHARING_CLASSES, SUBJECT_KINDS, CatalogItem
from onevisit.datahub.schemas import FieldSpec, ItemSchema
from onevisit.datahub.services import catalogue
from onevisit.datahub.services.sources.manage import CODE, item_for, source_for
from onevisit.kernel.errors import FieldError, ValidationFailed
from onevisit.kernel.i18n import N_
from onevisit.kernel.uow import UnitOfWork

CONCEPT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass
class ItemInput:
    """What the item form (or the API) gives: the item and its schema rows."""

    code: str = ""
    name_zh: str = ""
    name_en: str = ""
    subject_kind: str = "person"
    sharing: str = "conditional"
    frequency: str = "daily"
    fields: list[dict[str, Any]] | None = None


def _item_problems(data: ItemInput) -> tuple[list[FieldSpec], list[FieldError]]:
    problems: list[FieldError] = []
    for name, limit in (("name_zh", 64), ("name_en", 128)):
        value = getattr(data, name).strip()
        if not value:
            problems.append(FieldError(name, N_("Enter the item's name.")))
        elif len(value) > limit:
            problems.append(FieldError(name, N_("Must be %(max_length)s characters or fewer."), {"max_length": limit}))
    for name, choices in (("subject_kind", SUBJECT_KINDS), ("sharing", SHARING_CLASSES), ("frequency", FREQUENCIES)):
        if getattr(data, name) not in choices:
            problems.append(FieldError(name, N_("Choose one of the options.")))
    specs: list[FieldSpec] = []
    seen: set[str] = set()
    for index, raw in enumerate(data.fields or []):
        spec, spec_problems = field_spec(index, raw, seen)
        problems += spec_problems
        if spec is not None:
            specs.append(spec)
            seen.add(spec.name)
    if not data.fields:
        problems.append(FieldError("f0_name", N_("Declare at least one field.")))
    elif len(data.fields) > 60:
        problems.append(FieldError("f0_name", N_("An item has at most 60 fields.")))
    return specs, problems


def field_spec(index: int, raw: dict[str, Any], seen: set[str]) -> tuple[FieldSpec | None, list[FieldError]]:
    """One schema row (``f<index>_…`` on the form) checked: a clear message per problem."""
    prefix = f"f{index}_"
    problems: list[FieldError] = []
    name = str(raw.get("name", "")).strip()
    if not re.match(r"^[a-z][a-z0-9_]{0,39}$", name):
        problems.append(
            FieldError(
                prefix + "name",
                N_("Field %(row)s: a name of lower-case letters, digits and underscores."),
                {"row": index + 1},
            )
        )
    elif name in seen or name in ("id_number", "credit_code"):
        problems.append(
            FieldError(
                prefix + "name",
                N_("Field %(row)s: the name %(name)s is already used."),
                {"row": index + 1, "name": name},
            )
        )
    kind = str(raw.get("type") or "string")
    if kind not in ("string", "integer", "decimal", "date", "boolean"):
        problems.append(FieldError(prefix + "type", N_("Field %(row)s: choose one of the types."), {"row": index + 1}))
    max_length = raw.get("max_length") or 200
    try:
        max_length = int(max_length)
    except (TypeError, ValueError):
        max_length = 0
    if not 1 <= max_length <= 2000:
        problems.append(
            FieldError(prefix + "max_length", N_("Field %(row)s: a length from 1 to 2000."), {"row": index + 1})
        )
    concept = str(raw.get("concept") or "").strip() or None
    if concept is not None and not CONCEPT.match(concept):
        problems.append(
            FieldError(
                prefix + "concept",
                N_("Field %(row)s: a concept of lower-case letters, digits and underscores."),
                {"row": index + 1},
            )
        )
    for label, limit in (("label_zh", 64), ("label_en", 128)):
        if len(str(raw.get(label, ""))) > limit:
            problems.append(
                FieldError(prefix + label, N_("Must be %(max_length)s characters or fewer."), {"max_length": limit})
            )
    if problems:
        return None, problems
    spec = FieldSpec(
        name=name,
        type=kind,  # checked above
        label_zh=str(raw.get("label_zh", "")).strip(),
        label_en=str(raw.get("label_en", "")).strip(),
        required=bool(raw.get("required")),
        max_length=max_length,
        concept=concept,
    )
    return spec, []


def create_item(uow: UnitOfWork, source_code: str, data: ItemInput) -> CatalogItem:
    session = uow.session
    view = source_for(session, uow.actor, source_code)
    specs, problems = _item_problems(data)
    if not CODE.match(data.code.strip()):
        problems.insert(
            0,
            FieldError("code", N_("Enter a code of 3 to 64 lower-case letters, digits, dots, dashes or underscores.")),
        )
    elif session.scalar(select(CatalogItem.id).where(CatalogItem.code == data.code.strip())) is not None:
        problems.insert(
            0, FieldError("code", N_("Catalogue item %(code)s already exists."), {"code": data.code.strip()})
        )
    if problems:
        raise ValidationFailed(problems, code=DatahubError.SCHEMA_INVALID)
    return catalogue.register_item(
        uow,
        source_code=view.source.code,
        code=data.code.strip(),
        name_zh=data.name_zh.strip(),
        name_en=data.name_en.strip(),
        subject_kind=data.subject_kind,
        sharing=data.sharing,
        frequency=data.frequency,
        fields=[s.model_dump() for s in specs],
    )


def update_item(uow: UnitOfWork, code: str, data: ItemInput) -> CatalogItem:
    """Edits an item. Names, sharing class, frequency, labels, lengths, concepts and new
    fields may always change; while the item holds records its subject kind stays, and no
    field may be removed or change type (the records would no longer fit their schema)."""
    item = item_for(uow.session, uow.actor, code)
    specs, problems = _item_problems(data)
    if item.record_count and not problems:
        old = {f["name"]: f.get("type", "string") for f in item.fields}
        new = {s.name: s.type for s in specs}
        if data.subject_kind != item.subject_kind:
            problems.append(FieldError("subject_kind", N_("The item holds records: its subject cannot change.")))
        for index, (name, kind) in enumerate(old.items()):
            if name not in new:
                problems.append(
                    FieldError(
                        f"f{index}_name",
                        N_("The item holds records: field %(name)s cannot be removed."),
                        {"name": name},
                    )
                )
            elif new[name] != kind:
                problems.append(
                    FieldError(
                        f"f{index}_type",
                        N_("The item holds records: field %(name)s cannot change type."),
                        {"name": name},
                    )
                )
    if problems:
        raise ValidationFailed(problems, code=DatahubError.SCHEMA_INVALID)
    ItemSchema(fields=specs)  # the schema's own invariants (unique names, 1 to 60 fields)
    before = {"sharing": item.sharing, "frequency": item.frequency, "fields": item.fields}
    item.name_zh, item.name_en = data.name_zh.strip(), data.name_en.strip()
    item.subject_kind, item.sharing, item.frequency = data.subject_kind, data.sharing, data.frequency
    item.fields = [s.model_dump() for s in specs]
    changed = [k for k, v in before.items() if getattr(item, k) != v]
    uow.audit("datahub.item_updated", "datahub_item", item.code, {"changed": changed, "sharing": item.sharing})
    forget_concepts(item.id)
    return item


def forget_concepts(item_id: int) -> None:
    """Drops this process's cached field concepts of an item (:mod:`.access`)."""
    from onevisit.datahub.services import access

    for key in [k for k in access._CONCEPTS if k[1] == item_id]:  # the module's own cache
        access._CONCEPTS.pop(key, None)
