"""Typed item schemas (what a record of an item holds) and the API's request/response shapes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

FieldType = Literal["string", "integer", "decimal", "date", "boolean"]
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TRUE = {"1", "true", "yes", "y", "是", "t"}
_FALSE = {"0", "false", "no", "n", "否", "f"}


class FieldSpec(BaseModel):
    """One typed field of an item's records."""

    name: str
    type: FieldType = "string"
    label_zh: str = ""
    label_en: str = ""
    required: bool = True
    max_length: int = Field(default=200, ge=1, le=2000)
    #: what the value means across items (e.g. ``residential_address``): equal concepts in
    #: two items of one subject must agree, or the dossier flags a conflict
    concept: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("field names are lower-case letters, digits and underscores")
        return value

    def convert(self, raw: object) -> object:  # noqa: PLR0912 - one branch per declared type
        """``raw`` (text from a file, or a JSON value) as this field's JSON value.

        Raises ``ValueError`` with an English message when it does not fit.
        """
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            if self.required:
                raise ValueError("a value is required")
            return None
        if self.type == "string":
            text = str(raw).strip()
            if len(text) > self.max_length:
                raise ValueError(f"longer than {self.max_length} characters")
            return text
        if self.type == "integer":
            if isinstance(raw, bool):
                raise ValueError("not a whole number")
            if isinstance(raw, int):
                return raw
            if isinstance(raw, float) and raw.is_integer():
                return int(raw)
            try:
                return int(str(raw).strip())
            except ValueError:
                raise ValueError("not a whole number") from None
        if self.type == "decimal":
            try:
                number = Decimal(str(raw).strip())
            except InvalidOperation:
                raise ValueError("not a number") from None
            if not number.is_finite():
                raise ValueError("not a number")
            return str(number)  # decimals travel as strings: canonical JSON has no floats
        if self.type == "date":
            if isinstance(raw, dt.datetime):
                return raw.date().isoformat()
            if isinstance(raw, dt.date):
                return raw.isoformat()
            try:
                return dt.date.fromisoformat(str(raw).strip()).isoformat()
            except ValueError:
                raise ValueError("not a date (YYYY-MM-DD)") from None
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ValueError("not yes or no")


def _fast(spec: FieldSpec) -> Callable[[object], object]:
    """``spec.convert`` with a fast path for the common case of clean text."""
    general = spec.convert
    if spec.type == "integer":

        def integer(raw: object) -> object:
            if type(raw) is str and raw.isdigit():
                return int(raw)
            return general(raw)

        return integer
    if spec.type == "date":

        def date(raw: object) -> object:
            if type(raw) is str and len(raw) == 10:
                try:
                    return dt.date.fromisoformat(raw).isoformat()
                except ValueError:
                    pass
            return general(raw)

        return date
    return general


class ItemSchema(BaseModel):
    fields: list[FieldSpec] = Field(min_length=1, max_length=60)

    @field_validator("fields")
    @classmethod
    def _unique(cls, value: list[FieldSpec]) -> list[FieldSpec]:
        names = [f.name for f in value]
        if len(set(names)) != len(names):
            raise ValueError("field names must be unique")
        return value

    def compiled(self) -> Callable[[dict[str, Any]], tuple[dict[str, Any], list[str]]]:
        """:meth:`convert` with the field list unpacked once (for imports of millions of rows)."""
        plain = [(f.name, f.max_length, f.required) for f in self.fields if f.type == "string"]
        typed = [(f.name, _fast(f)) for f in self.fields if f.type != "string"]

        def convert(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
            out: dict[str, Any] = {}
            problems: list[str] = []
            for name, limit, required in plain:
                value = raw.get(name)
                text = "" if value is None else str(value).strip()
                if not text:
                    if required:
                        problems.append(f"{name}: a value is required")
                elif len(text) > limit:
                    problems.append(f"{name}: longer than {limit} characters")
                else:
                    out[name] = text
            for name, check in typed:
                try:
                    converted = check(raw.get(name))
                except ValueError as exc:
                    problems.append(f"{name}: {exc}")
                    continue
                if converted is not None:
                    out[name] = converted
            return out, problems

        return convert

    def convert(self, raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """A record converted field by field, with every problem (``"field: message"``)."""
        out: dict[str, Any] = {}
        problems: list[str] = []
        for spec in self.fields:
            try:
                value = spec.convert(raw.get(spec.name))
            except ValueError as exc:
                problems.append(f"{spec.name}: {exc}")
                continue
            if value is not None:
                out[spec.name] = value
        return out, problems


class PurposeIn(BaseModel):
    use: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=16)
    reference: str = Field(default="", max_length=64)
    legal_basis: str = Field(default="", max_length=200)


class DossierIn(BaseModel):
    """A lookup: whose data (ID number or credit code), which items (all when empty), why."""

    subject: str = Field(min_length=1, max_length=32)
    items: list[str] = Field(default_factory=list, max_length=100)
    purpose: PurposeIn


class RecordOut(BaseModel):
    item: str
    seq: int
    data: dict[str, Any]


class ItemStatusOut(BaseModel):
    item: str
    department: str
    records: int
    stale: bool
    updated_at: dt.datetime | None


class ConflictOut(BaseModel):
    concept: str
    values: dict[str, Any]


class DossierOut(BaseModel):
    request_id: str
    subject_kind: str
    subject: str  # masked
    records: list[RecordOut]
    items: list[ItemStatusOut]
    withheld: list[str]
    conflicts: list[ConflictOut]


class ApprovalIn(BaseModel):
    item: str = Field(min_length=1, max_length=64)
    use: str = Field(min_length=1, max_length=64)
    legal_basis: str = Field(min_length=1, max_length=200)


class ConsentIn(BaseModel):
    use: str = Field(min_length=1, max_length=64)


class ItemOut(BaseModel):
    code: str
    department: str
    name_zh: str
    name_en: str
    subject_kind: str
    sharing: str
    frequency: str
    fields: list[FieldSpec]
    records: int
    updated_at: dt.datetime | None
    stale: bool


class AccessRequestIn(BaseModel):
    """A department's request for one of its uses to read a conditional item."""

    item: str = Field(min_length=1, max_length=64)
    use: str = Field(min_length=1, max_length=64)
    legal_basis: str = Field(default="", max_length=200)
    justification: str = Field(default="", max_length=2000)
    #: the last day the approval should apply (none: until revoked)
    valid_until: dt.date | None = None


class DecisionIn(BaseModel):
    """The owner's decision: a reason (required to refuse or revoke) and, when approving,
    optionally the last day the approval applies."""

    reason: str = Field(default="", max_length=500)
    valid_until: dt.date | None = None


class AccessRequestOut(BaseModel):
    id: int
    item: str
    owner: str
    use: str
    requester: str | None
    status: str
    legal_basis: str
    justification: str
    requested_at: dt.datetime
    valid_until: dt.date | None
    decided_at: dt.datetime | None
    decision_reason: str | None
