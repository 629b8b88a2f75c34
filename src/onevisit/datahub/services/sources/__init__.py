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

from onevisit.datahub.services.sources.config import (
    SECRET_MASK,
    TABLE,
    check_config,
    display_url,
    has_password,
    public_config,
)
from onevisit.datahub.services.sources.items import (
    CONCEPT,
    ItemInput,
    create_item,
    field_spec,
    forget_concepts,
    update_item,
)
from onevisit.datahub.services.sources.manage import (
    CODE,
    RECORDS_TABLE,
    REFRESH_PERIODS,
    Refreshed,
    SourceView,
    create_source,
    due_items,
    item_for,
    refresh_source,
    refreshable,
    source_for,
    sources_for,
    update_source,
)

__all__ = [
    "CODE",
    "CONCEPT",
    "RECORDS_TABLE",
    "REFRESH_PERIODS",
    "SECRET_MASK",
    "TABLE",
    "ItemInput",
    "Refreshed",
    "SourceView",
    "check_config",
    "create_item",
    "create_source",
    "display_url",
    "due_items",
    "field_spec",
    "forget_concepts",
    "has_password",
    "item_for",
    "public_config",
    "refresh_source",
    "refreshable",
    "source_for",
    "sources_for",
    "update_item",
    "update_source",
]
