"""Connector settings of a data source: validation, and passwords kept but never shown."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from onevisit.datahub.models import DataSource
from onevisit.kernel.db import Base
from onevisit.kernel.errors import FieldError
from onevisit.kernel.i18n import N_

TABLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
SECRET_MASK = "***"  # noqa: S105 - what a hidden password is shown as, not one


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
