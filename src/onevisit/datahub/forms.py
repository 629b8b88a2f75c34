"""Reading the datahub's staff forms: a source's connector settings (one group of inputs per
connector kind, since the pages work without JavaScript), an item's schema as numbered rows,
dates typed as YYYY-MM-DD. Validation itself is the services' (one set of rules for pages
and the API); this module only maps form names to theirs and back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from onevisit.datahub.models import CatalogItem, DataSource
from onevisit.datahub.services.sources import ItemInput, display_url, has_password
from onevisit.kernel.errors import FieldError
from onevisit.kernel.i18n import N_

#: each connector's inputs; on the form they are named ``<connector>_<name>``
CONFIG_FIELDS: dict[str, tuple[str, ...]] = {
    "own_table": ("table",),
    "sql": ("url", "password", "remove_password", "query"),
    "http": ("url", "password", "remove_password", "timeout"),
    "csv": ("path",),
    "excel": ("path",),
}
ROW_FIELDS = ("name", "type", "label_zh", "label_en", "max_length", "concept")
MAX_ROWS = 60
BLANK_ROWS = 2


def config_values(connector: str, values: dict[str, str]) -> dict[str, str]:
    """The settings of ``connector`` as the service names them."""
    return {name: values.get(f"{connector}_{name}", "") for name in CONFIG_FIELDS.get(connector, ())}


def config_errors(connector: str, errors: list[FieldError]) -> list[FieldError]:
    """Service field names → form field names (``url`` → ``sql_url``)."""
    names = CONFIG_FIELDS.get(connector, ())
    return [FieldError(f"{connector}_{e.field}", e.message, e.params) if e.field in names else e for e in errors]


def safe_values(values: dict[str, str]) -> dict[str, str]:
    """What a form page may show again after an error: no passwords, URLs without theirs."""
    shown = {k: v for k, v in values.items() if not k.endswith("_password")}
    for connector in ("sql", "http"):
        key = f"{connector}_url"
        if shown.get(key):
            try:
                shown[key] = display_url(connector, shown[key], mask=None)
            except Exception:  # an unparseable URL has no password to hide
                shown[key] = shown[key]
    return shown


def source_values(source: DataSource) -> dict[str, str]:
    """A stored source as the edit form's values (the password left out)."""
    values = {"name": source.name, "connector": source.connector}
    for key, value in source.config.items():
        text = str(value)
        if key == "url":
            text = display_url(source.connector, text, mask=None)
        values[f"{source.connector}_{key}"] = text
    values["has_password"] = "1" if has_password(source) else ""
    return values


def item_input(values: dict[str, str]) -> ItemInput:
    """The item form's values; schema rows left entirely empty are skipped."""
    try:
        rows = min(max(int(values.get("rows", "0")), 0), MAX_ROWS + BLANK_ROWS)
    except ValueError:
        rows = 0
    fields: list[dict[str, Any]] = []
    for index in range(rows):
        raw: dict[str, Any] = {name: values.get(f"f{index}_{name}", "").strip() for name in ROW_FIELDS}
        if not any(raw[name] for name in ("name", "label_zh", "label_en", "concept")):
            continue
        raw["required"] = bool(values.get(f"f{index}_required"))
        fields.append(raw)
    return ItemInput(
        code=values.get("code", ""),
        name_zh=values.get("name_zh", ""),
        name_en=values.get("name_en", ""),
        subject_kind=values.get("subject_kind", ""),
        sharing=values.get("sharing", ""),
        frequency=values.get("frequency", ""),
        fields=fields,
    )


def item_values(data: ItemInput, *, blank_rows: int = BLANK_ROWS) -> dict[str, str]:
    """Form values for ``data``, its schema rows numbered from 0, plus blank rows to add
    fields; the row numbers match the services' ``f<n>_…`` error names."""
    values = {
        "code": data.code,
        "name_zh": data.name_zh,
        "name_en": data.name_en,
        "subject_kind": data.subject_kind,
        "sharing": data.sharing,
        "frequency": data.frequency,
    }
    fields = data.fields or []
    for index, field in enumerate(fields):
        for name in ROW_FIELDS:
            value = field.get(name)
            values[f"f{index}_{name}"] = "" if value is None else str(value)
        values[f"f{index}_required"] = "1" if field.get("required") else ""
    values["rows"] = str(min(len(fields) + blank_rows, MAX_ROWS))
    return values


def stored_item(item: CatalogItem) -> ItemInput:
    return ItemInput(
        code=item.code,
        name_zh=item.name_zh,
        name_en=item.name_en,
        subject_kind=item.subject_kind,
        sharing=item.sharing,
        frequency=item.frequency,
        fields=[dict(f) for f in item.fields],
    )


def parse_day(values: dict[str, str], name: str, errors: list[FieldError]) -> dt.date | None:
    """An optional YYYY-MM-DD date; a problem is added to ``errors``."""
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError(name, N_("Enter a real date, for example 2027-06-30.")))
        return None
