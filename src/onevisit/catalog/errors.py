"""Catalogue error codes, and a problem found in a definition file (file, line, field).

A definition that cannot be loaded is reported as a list of :class:`Problem`, every one of
them at once, each naming the file, the line (and column) and the field it is about —
``housing.yaml:42:13: services[2].materials[0].sources[0].datahub: There is no datahub
item “nr.realestate”.`` Messages are English msgids with ``%(name)s`` slots, translated
when shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field

from onevisit.kernel.errors import ErrorCode, FieldError, ValidationFailed
from onevisit.kernel.i18n import N_, translator


class CatalogError(ErrorCode):
    NOT_FOUND = "catalog.not_found"
    VERSION_NOT_FOUND = "catalog.version.not_found"
    LOAD_NOT_FOUND = "catalog.load.not_found"
    REJECTED = "catalog.definition.rejected"
    YAML_INVALID = "catalog.yaml.invalid"
    SCHEMA = "catalog.definition.schema"
    DUPLICATE = "catalog.definition.duplicate"
    DEPARTMENT_UNKNOWN = "catalog.department.unknown"
    ITEM_UNKNOWN = "catalog.datahub_item.unknown"
    ITEM_FIELD_UNKNOWN = "catalog.datahub_field.unknown"
    ITEM_WRONG_SUBJECT = "catalog.datahub_item.wrong_subject"
    CERTIFICATE_UNKNOWN = "catalog.certificate_type.unknown"
    CERTIFICATE_FIELD = "catalog.certificate_type.field"
    SERVICE_UNKNOWN = "catalog.service.unknown"
    VOCABULARY = "catalog.vocabulary.unknown"
    RULE = "catalog.rule.invalid"
    TYPE_MISMATCH = "catalog.type.mismatch"
    STRUCTURE = "catalog.definition.structure"
    BUNDLE_CONFLICT = "catalog.bundle.conflict"
    KIND_CHANGED = "catalog.kind.changed"
    FILE_MISSING = "catalog.file.missing"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a definition file, and where."""

    file: str
    line: int | None
    column: int | None
    field: str  #: the dotted path of the value (``services[2].fees[0].payee``); "" for the whole file
    code: CatalogError
    message: str  #: English msgid
    params: Mapping[str, object] = dc_field(default_factory=dict)
    #: the message already rendered per language, for problems another module words
    #: (a rule's problems come from ``onevisit.rules``, with their own place in the rule)
    translations: Mapping[str, str] | None = None

    def text(self, language: str = "en") -> str:
        if self.translations and language in self.translations:
            return self.translations[language]
        return translator(language)(self.message, **dict(self.params))

    @property
    def where(self) -> str:
        """``file:line:column`` as far as known."""
        out = self.file
        if self.line is not None:
            out += f":{self.line}"
            if self.column is not None:
                out += f":{self.column}"
        return out

    def describe(self, language: str = "en") -> str:
        """``housing.yaml:42:13: services[2].fees[0].payee: There is no department ZJ-XX.``"""
        head = f"{self.where}: {self.field}: " if self.field else f"{self.where}: "
        return head + self.text(language)

    def as_dict(self, language: str = "en") -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "code": str(self.code),
            "message": self.text(language),
        }

    def to_json(self) -> dict[str, object]:
        """Stored with a rejected load; :func:`from_json` reads it back (translatable later)."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "code": str(self.code),
            "message": self.message,
            "params": {k: v if isinstance(v, int | float) else str(v) for k, v in self.params.items()},
            "translations": dict(self.translations) if self.translations else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Problem:
        line, column, params = data.get("line"), data.get("column"), data.get("params")
        translations = data.get("translations")
        return cls(
            file=str(data.get("file", "")),
            line=line if isinstance(line, int) else None,
            column=column if isinstance(column, int) else None,
            field=str(data.get("field", "")),
            code=CatalogError(str(data.get("code", CatalogError.REJECTED))),
            message=str(data.get("message", "")),
            params=dict(params) if isinstance(params, Mapping) else {},
            translations={str(k): str(v) for k, v in translations.items()}
            if isinstance(translations, Mapping)
            else None,
        )


_REJECTED = N_("The definition was not loaded: %(count)s problem(s) found. Nothing was changed.")


class DefinitionRejected(ValidationFailed):
    """A file (or files) that cannot be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(
            [
                FieldError(p.field or p.file, N_("%(where)s: %(problem)s"), {"where": p.where, "problem": p.text()})
                for p in problems
            ],
            code=CatalogError.REJECTED,
        )
        self.message = _REJECTED
        self.params = {"count": len(problems)}
        self.problems = list(problems)
        #: the recorded rejected load, once recorded
        self.load_id: int | None = None

    def describe(self, language: str = "en") -> str:
        return "\n".join(p.describe(language) for p in self.problems)
