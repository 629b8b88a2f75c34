"""What a rule may refer to: declared fields, each with a type and whether it may be empty.

The five types are the datahub's (``string`` is accepted as another name for ``text``).
``coerce`` turns a JSON-ish record (ISO dates, decimals as strings) into the Python values the
record evaluator works on, naming the field when a value does not fit.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class FieldType(enum.StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    BOOLEAN = "boolean"
    DATE = "date"

    @property
    def numeric(self) -> bool:
        return self in (FieldType.INTEGER, FieldType.DECIMAL)

    @property
    def ordered(self) -> bool:
        """Whether ``<``/``>`` and BETWEEN make sense (booleans have only = and <>)."""
        return self is not FieldType.BOOLEAN


_ALIASES = {"string": FieldType.TEXT, "int": FieldType.INTEGER, "bool": FieldType.BOOLEAN, "fen": FieldType.INTEGER}


def field_type(name: str | FieldType) -> FieldType:
    if isinstance(name, FieldType):
        return name
    key = name.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    return FieldType(key)


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: FieldType
    nullable: bool = True
    label_zh: str = ""
    label_en: str = ""

    def label(self, language: str) -> str:
        text = self.label_zh if language == "zh" else self.label_en
        return text or self.name


class Schema:
    """An ordered set of declared fields. Field names are lower case; rules may write them in any case."""

    def __init__(self, fields: Iterable[Field]) -> None:
        self.fields: dict[str, Field] = {}
        for field in fields:
            if not _NAME.match(field.name):
                raise ValueError(f"field name {field.name!r}: lower-case letters, digits and underscores")
            if field.name in self.fields:
                raise ValueError(f"field {field.name!r} declared twice")
            self.fields[field.name] = field

    @classmethod
    def of(cls, types: Mapping[str, str | FieldType] | None = None, /, **more: str | FieldType) -> Schema:
        """``Schema.of(employees="integer", industry="text?")``: a trailing ``?`` is not needed
        (every field may be NULL unless ``!`` ends the type: ``"integer!"``)."""
        merged = {**(types or {}), **more}
        fields = []
        for name, spec in merged.items():
            text = str(spec)
            nullable = not text.endswith("!")
            fields.append(Field(name, field_type(text.rstrip("!?")), nullable=nullable))
        return cls(fields)

    @classmethod
    def from_json(cls, data: object) -> Schema:
        """From ``{"name": "type", …}`` or ``[{"name": …, "type": …, "nullable": …, "label_zh": …}, …]``
        (the datahub's field specs fit the second form; ``required`` is read as not nullable)."""
        if isinstance(data, Mapping):
            return cls.of({str(k): str(v) for k, v in data.items()})
        if isinstance(data, list):
            fields = []
            for item in data:
                if not isinstance(item, Mapping) or "name" not in item:
                    raise ValueError("each field needs a name and a type")
                nullable = bool(item.get("nullable", not item.get("required", False)))
                fields.append(
                    Field(
                        str(item["name"]),
                        field_type(str(item.get("type", "text"))),
                        nullable=nullable,
                        label_zh=str(item.get("label_zh", "")),
                        label_en=str(item.get("label_en", "")),
                    )
                )
            return cls(fields)
        raise ValueError("a schema is an object of name: type, or a list of field specs")

    def get(self, name: str) -> Field | None:
        return self.fields.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self.fields

    def __iter__(self) -> Any:
        return iter(self.fields.values())

    def __len__(self) -> int:
        return len(self.fields)

    def coerce(self, record: Mapping[str, object]) -> dict[str, object]:
        """The record's values as Python values of the declared types (missing fields are NULL).

        Raises ``ValueError("field: problem")`` for the first value that does not fit.
        """
        out: dict[str, object] = {}
        for field in self.fields.values():
            raw = record.get(field.name)
            try:
                out[field.name] = coerce_value(field.type, raw)
            except ValueError as err:
                raise ValueError(f"{field.name}: {err}") from None
        return out


def coerce_value(kind: FieldType, raw: object) -> object:  # noqa: PLR0912 - one branch per type
    if raw is None:
        return None
    if kind is FieldType.INTEGER:
        if isinstance(raw, bool):
            raise ValueError("not a whole number")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float | Decimal) and raw == int(raw):
            return int(raw)
        if isinstance(raw, str):
            try:
                return int(raw.strip())
            except ValueError:
                pass
        raise ValueError("not a whole number")
    if kind is FieldType.DECIMAL:
        if isinstance(raw, bool):
            raise ValueError("not a number")
        if isinstance(raw, int | float | Decimal):
            return float(raw)
        if isinstance(raw, str):
            try:
                number = Decimal(raw.strip())
            except InvalidOperation:
                raise ValueError("not a number") from None
            if number.is_finite():
                return float(number)
        raise ValueError("not a number")
    if kind is FieldType.TEXT:
        if isinstance(raw, str):
            return raw
        raise ValueError("not text")
    if kind is FieldType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in {"true", "false"}:
            return raw.strip().lower() == "true"
        raise ValueError("not true or false")
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise ValueError("not a date (YYYY-MM-DD)")
