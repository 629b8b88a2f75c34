"""Managing sources and items from the staff pages and the API: validated connector
settings (secrets kept, never shown), edits with the rules that protect loaded records,
"refresh now", and the sources due for a scheduled refresh.

Connector settings, by kind:

* ``own_table`` — ``table``: a department's staging table in OneVisit's database (never
  one of OneVisit's own tables: those hold accounts and sessions);
* ``sql`` — ``url`` (a database *server*: a SQLite file on the web server is refused, and
  so is OneVisit's own database) and ``query`` (one ``SELECT``/``WITH`` statement);
* ``http`` — ``url`` (``http(s)://``, answering JSON) and ``timeout`` in seconds;
* ``csv`` / ``excel`` — optionally ``path``, a file on the server to refresh from (files
  are usually uploaded from the browser instead).

A URL's password is a secret: :func:`public_config` shows it as ``***``, the edit form
leaves it out and keeps the stored one unless a new one is given, audit records name the
settings that changed, never their values.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from onevisit.datahub.errors import DatahubError
from onevisit.datahub.models import CONNECTORS, FREQUENCIES, SHARING_CLASSES, SUBJECT_KINDS, CatalogItem, DataSource
from onevisit.datahub.schemas import FieldSpec, ItemSchema
from onevisit.datahub.services import catalogue
from onevisit.datahub.services.imports import ImportReport, refresh
from onevisit.datahub.services.ownership import is_province_admin, may_manage
from onevisit.identity.models import Department
from onevisit.kernel.actors import Principal
from onevisit.kernel.db import Base
from onevisit.kernel.errors import AppError, FieldError, NotFound, ValidationFailed
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork

CODE = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")
TABLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
CONCEPT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
SECRET_MASK = "***"  # noqa: S105 - what a hidden password is shown as, not one
#: a table OneVisit's own database holds the demo's records in: nothing to refresh from
RECORDS_TABLE = "datahub_records"
#: how often a refreshable source is re-read for each declared frequency
REFRESH_PERIODS: dict[str, dt.timedelta] = {
    "realtime": dt.timedelta(minutes=15),
    "daily": dt.timedelta(days=1),
    "weekly": dt.timedelta(days=7),
    "monthly": dt.timedelta(days=30),
    "quarterly": dt.timedelta(days=91),
    "yearly": dt.timedelta(days=365),
}


# --- connector settings ----------------------------------------------------------------


def _password_of(connector: str, url: str) -> str | None:
    if not url:
        return None
    if connector == "sql":
        try:
            return make_url(url).password
        except ArgumentError:
            return None
    return urlsplit(url).password


def _with_password(connector: str, url: str, password: str | None) -> str:
    """``url`` with its password set to ``password`` (None: removed)."""
    if connector == "sql":
        # (``URL.set(password=None)`` would mean "unchanged": replace the field itself)
        return make_url(url)._replace(password=password).render_as_string(hide_password=False)
    parts = urlsplit(url)
    if parts.username is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = parts.username + (f":{password}" if password else "")
    return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment))


def display_url(connector: str, url: str, *, mask: str | None = SECRET_MASK) -> str:
    """``url`` with its password replaced by ``mask`` (None: left out)."""
    if not url or _password_of(connector, url) is None:
        return url
    if connector == "sql" and mask == SECRET_MASK:
        return make_url(url).render_as_string(hide_password=True)  # (it escapes a mask given as a password)
    return _with_password(connector, url, mask)


def public_config(source: DataSource) -> dict[str, str]:
    """A source's settings as pages and the API may show them (passwords masked)."""
    shown: dict[str, str] = {}
    for key, value in sorted(source.config.items()):
        text = str(value)
        shown[key] = display_url(source.connector, text) if key == "url" else text
    return shown


def has_password(source: DataSource) -> bool:
    return _password_of(source.connector, str(source.config.get("url", ""))) is not None


def _platform_database(url: str, own_url: str) -> bool:
    try:
        theirs, ours = make_url(url), make_url(own_url)
    except ArgumentError:
        return False
    return (theirs.host or "", theirs.port or 5432, theirs.database or "") == (
        ours.host or "",
        ours.port or 5432,
        ours.database or "",
    ) and not ours.get_backend_name().startswith("sqlite")


def check_config(
    connector: str,
    values: dict[str, str],
    *,
    own_database_url: str,
    stored: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Validates the settings typed for ``connector``; returns the config to store and the
    problems. ``password`` (typed separately) replaces the stored URL's password; left empty
    it keeps it, and ``remove_password`` drops it."""
    if connector == "own_table":
        return _table_config(values)
    if connector in ("sql", "http"):
        config, problems = _url_config(connector, values, own_database_url, stored or {})
        extra, more = _query_config(values) if connector == "sql" else _timeout_config(values)
        return config | extra, problems + more
    if connector in ("csv", "excel"):
        path = values.get("path", "").strip()
        if not path:
            return {}, []
        if not Path(path).is_absolute():
            return {"path": path}, [FieldError("path", N_("Enter an absolute path on the server, or leave it empty."))]
        return {"path": path}, []
    return {}, [FieldError("connector", N_("Choose one of the options."))]


def _table_config(values: dict[str, str]) -> tuple[dict[str, Any], list[FieldError]]:
    table = values.get("table", "").strip()
    if not TABLE.match(table):
        return {"table": table}, [
            FieldError("table", N_("Enter a table name: lower-case letters, digits and underscores."))
        ]
    if table in Base.metadata.tables:
        message = N_("%(table)s is one of OneVisit's own tables; name your staging table.")
        return {"table": table}, [FieldError("table", message, {"table": table})]
    return {"table": table}, []


def _url_config(
    connector: str, values: dict[str, str], own_database_url: str, stored: dict[str, Any]
) -> tuple[dict[str, Any], list[FieldError]]:
    url = values.get("url", "").strip()
    problems = _url_problems(connector, url, own_database_url)
    if problems:
        return {"url": url}, problems
    typed = values.get("password", "")
    if values.get("remove_password"):
        url = _with_password(connector, url, None)
    elif typed:
        url = _with_password(connector, url, typed)
    elif _password_of(connector, url) is None:
        kept = _password_of(connector, str(stored.get("url", "")))
        if kept is not None and _same_place(connector, url, str(stored["url"])):
            url = _with_password(connector, url, kept)
    return {"url": url}, []


def _query_config(values: dict[str, str]) -> tuple[dict[str, Any], list[FieldError]]:
    query = values.get("query", "").strip().rstrip(";").strip()
    if not re.match(r"(?is)^(select|with)\s", query) or ";" in query:
        return {"query": query}, [FieldError("query", N_("Enter one SELECT statement returning the item's columns."))]
    if len(query) > 4000:
        return {"query": query}, [
            FieldError("query", N_("Must be %(max_length)s characters or fewer."), {"max_length": 4000})
        ]
    return {"query": query}, []


def _timeout_config(values: dict[str, str]) -> tuple[dict[str, Any], list[FieldError]]:
    raw = values.get("timeout", "").strip() or "30"
    try:
        timeout = float(raw)
    except ValueError:
        timeout = -1.0
    if not 1 <= timeout <= 300:
        return {"timeout": raw}, [FieldError("timeout", N_("Enter a number of seconds from 1 to 300."))]
    return {"timeout": timeout}, []


def _same_place(connector: str, new: str, old: str) -> bool:
    """The stored password may follow a URL only to the same user at the same host."""
    if connector == "sql":
        try:
            a, b = make_url(new), make_url(old)
        except ArgumentError:
            return False
        return (a.username, a.host, a.port) == (b.username, b.host, b.port)
    x, y = urlsplit(new), urlsplit(old)
    return (x.username, x.hostname, x.port) == (y.username, y.hostname, y.port)


def _url_problems(connector: str, url: str, own_database_url: str) -> list[FieldError]:
    if not url:
        return [FieldError("url", N_("Enter the source's address."))]
    if len(url) > 1000:
        return [FieldError("url", N_("Must be %(max_length)s characters or fewer."), {"max_length": 1000})]
    if connector == "http":
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return [FieldError("url", N_("Enter an address starting with http:// or https://."))]
        return []
    try:
        parsed = make_url(url)
    except ArgumentError:
        return [FieldError("url", N_("Enter a database URL such as postgresql://user@host/db."))]
    if parsed.get_backend_name() == "sqlite" or not parsed.host:
        return [FieldError("url", N_("Enter a database server's URL (postgresql://, mysql://…), not a file."))]
    if _platform_database(url, own_database_url):
        return [FieldError("url", N_("That is OneVisit's own database; use an own-table source for a staging table."))]
    return []


# --- sources ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceView:
    source: DataSource
    department: Department
    items: list[CatalogItem]


def sources_for(session: Session, actor: Principal, department_code: str | None = None) -> list[SourceView]:
    """The sources ``actor`` manages: their department's; a province administrator sees
    every department's (or one, by code)."""
    query = select(DataSource, Department).join(Department, Department.id == DataSource.department_id)
    if not is_province_admin(actor):
        query = query.where(DataSource.department_id == (actor.department_id or -1))
    elif department_code:
        query = query.where(Department.code == department_code)
    rows = session.execute(query.order_by(Department.code, DataSource.code)).all()
    items: dict[int, list[CatalogItem]] = {}
    for item in session.scalars(
        select(CatalogItem).where(CatalogItem.source_id.in_([s.id for s, _ in rows])).order_by(CatalogItem.code)
    ):
        items.setdefault(item.source_id, []).append(item)
    return [SourceView(source, department, items.get(source.id, [])) for source, department in rows]


def source_for(session: Session, actor: Principal, code: str) -> SourceView:
    """One source ``actor`` may manage; 404 otherwise (its existence is not confirmed)."""
    found = session.execute(
        select(DataSource, Department)
        .join(Department, Department.id == DataSource.department_id)
        .where(DataSource.code == code)
    ).first()
    if found is None or not may_manage(actor, found[0].department_id):
        raise NotFound(DatahubError.SOURCE_UNKNOWN, N_("There is no data source %(code)s."), params={"code": code[:64]})
    source, department = found
    items = list(
        session.scalars(select(CatalogItem).where(CatalogItem.source_id == source.id).order_by(CatalogItem.code))
    )
    return SourceView(source, department, items)


def item_for(session: Session, actor: Principal, code: str) -> CatalogItem:
    item = session.scalar(select(CatalogItem).where(CatalogItem.code == code))
    if item is None or not may_manage(actor, item.department_id):
        raise NotFound(
            DatahubError.ITEM_UNKNOWN, N_("There is no catalogue item %(code)s."), params={"code": code[:64]}
        )
    return item


def _department_for(session: Session, actor: Principal, department_code: str) -> Department:
    """The department a new source belongs to: the actor's own; an administrator picks."""
    if is_province_admin(actor) and department_code:
        department = session.scalar(select(Department).where(Department.code == department_code))
        if department is None:
            raise ValidationFailed([FieldError("department", N_("Choose one of the options."))])
        return department
    department = session.get(Department, actor.department_id) if actor.department_id else None
    if department is None:
        raise ValidationFailed([FieldError("department", N_("Choose the department that holds this source."))])
    return department


def _source_problems(name: str, connector: str) -> list[FieldError]:
    problems = []
    if not name.strip():
        problems.append(FieldError("name", N_("Enter the source's name.")))
    elif len(name.strip()) > 128:
        problems.append(FieldError("name", N_("Must be %(max_length)s characters or fewer."), {"max_length": 128}))
    if connector not in CONNECTORS:
        problems.append(FieldError("connector", N_("Choose one of the options.")))
    return problems


def create_source(uow: UnitOfWork, values: dict[str, str]) -> DataSource:
    """Registers a source from the form's ``values`` (code, name, connector, settings)."""
    session = uow.session
    code, name, connector = values.get("code", "").strip(), values.get("name", ""), values.get("connector", "")
    problems = []
    if not CODE.match(code):
        problems.append(
            FieldError("code", N_("Enter a code of 3 to 64 lower-case letters, digits, dots, dashes or underscores."))
        )
    elif session.scalar(select(DataSource.id).where(DataSource.code == code)) is not None:
        problems.append(FieldError("code", N_("Data source %(code)s already exists."), {"code": code}))
    problems += _source_problems(name, connector)
    config, config_problems = (
        check_config(connector, values, own_database_url=uow.platform.settings.database_url)
        if connector in CONNECTORS
        else ({}, [])
    )
    problems += config_problems
    if problems:
        raise ValidationFailed(problems, code=DatahubError.SOURCE_INVALID)
    department = _department_for(session, uow.actor, values.get("department", ""))
    return catalogue.register_source(
        uow, department_code=department.code, code=code, name=name.strip(), connector=connector, config=config
    )


def update_source(uow: UnitOfWork, code: str, values: dict[str, str]) -> DataSource:
    """Edits a source's name and settings (its code, department and connector kind stay)."""
    view = source_for(uow.session, uow.actor, code)
    source = view.source
    name = values.get("name", "")
    problems = _source_problems(name, source.connector)
    config, config_problems = check_config(
        source.connector, values, own_database_url=uow.platform.settings.database_url, stored=source.config
    )
    problems += config_problems
    if problems:
        raise ValidationFailed(problems, code=DatahubError.SOURCE_INVALID)
    changed = sorted(k for k in set(config) | set(source.config) if config.get(k) != source.config.get(k))
    if name.strip() != source.name:
        changed.insert(0, "name")
    source.name, source.config = name.strip(), config
    uow.audit("datahub.source_updated", "datahub_source", source.code, {"changed": changed})
    return source


def refreshable(source: DataSource) -> bool:
    """Whether "refresh now" can re-read ``source`` (it names somewhere to read from)."""
    if source.connector in ("sql", "http"):
        return bool(source.config.get("url"))
    if source.connector == "own_table":
        return bool(source.config.get("table")) and source.config.get("table") != RECORDS_TABLE
    return bool(source.config.get("path"))


@dataclass(frozen=True, slots=True)
class Refreshed:
    item: str
    report: ImportReport | None
    error: AppError | None


def refresh_source(platform: Platform, actor: Principal, code: str) -> list[Refreshed]:
    """Re-reads every item of the source, each in its own transaction: an item whose data
    turns out malformed is left as it was and reported, the others are loaded."""
    with platform.db.session() as session:
        view = source_for(session, actor, code)
        items = [item.code for item in view.items]
        if not refreshable(view.source):
            raise AppError(
                DatahubError.SOURCE_INVALID,
                N_("Source %(code)s has nothing to refresh from: upload a file into its items instead."),
                params={"code": view.source.code},
                status=422,
            )
    if not items:
        raise AppError(
            DatahubError.SOURCE_INVALID,
            N_("Source %(code)s has no items yet: declare one first."),
            params={"code": code[:64]},
            status=422,
        )
    outcomes = []
    for item in items:
        try:
            outcomes.append(Refreshed(item, refresh(platform, actor, item_code=item), None))
        except AppError as err:
            outcomes.append(Refreshed(item, None, err))
    with platform.uow(actor) as uow:
        uow.audit(
            "datahub.source_refreshed",
            "datahub_source",
            code,
            {
                "items": {
                    o.item: (o.report.rows_loaded if o.report else str(o.error.code if o.error else ""))
                    for o in outcomes
                }
            },
        )
    return outcomes


def due_items(session: Session, now: dt.datetime) -> list[str]:
    """Items of refreshable sources whose data is older than their frequency's period."""
    rows = session.execute(select(CatalogItem, DataSource).join(DataSource, DataSource.id == CatalogItem.source_id))
    return [
        item.code
        for item, source in rows
        if refreshable(source)
        and (item.data_updated_at is None or now - item.data_updated_at >= REFRESH_PERIODS[item.frequency])
    ]


# --- items -----------------------------------------------------------------------------


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
