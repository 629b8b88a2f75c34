"""Simplified Chinese and English through Babel catalogues.

Source strings are English msgids. Catalogues live in ``onevisit/locale/<locale>/LC_MESSAGES``
as ``.po`` files and are read directly with Babel (no compiled ``.mo`` artefacts to go stale).
``make i18n`` extracts new strings and updates the catalogues.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


@dataclass(frozen=True, slots=True)
class Language:
    code: str  #: what the language switch and cookie carry
    babel: str  #: Babel locale identifier
    html_lang: str  #: value for ``<html lang>``
    native_name: str


LANGUAGES: tuple[Language, ...] = (
    Language("zh", "zh_Hans_CN", "zh-Hans", "简体中文"),
    Language("en", "en", "en", "English"),
)
BY_CODE: Mapping[str, Language] = {lang.code: lang for lang in LANGUAGES}
DEFAULT_LANGUAGE = "zh"


def N_(msgid: str) -> str:  # noqa: N802 - the conventional Babel marker name
    """Marks a string for extraction without translating it (translated when rendered)."""
    return msgid


@lru_cache(maxsize=8)
def _catalog(code: str) -> dict[str, str]:
    lang = BY_CODE[code]
    path = LOCALE_DIR / lang.babel / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog: Catalog = read_po(fh, locale=lang.babel)
    table: dict[str, str] = {}
    for message in catalog:
        if message.id and message.string and not message.fuzzy and isinstance(message.id, str):
            table[message.id] = str(message.string)
    return table


class Translator:
    """Translates msgids for one language; ``%(name)s`` slots are filled from keywords."""

    def __init__(self, code: str) -> None:
        self.language = BY_CODE.get(code) or BY_CODE[DEFAULT_LANGUAGE]
        self.code = self.language.code
        self._table = _catalog(self.code)
        self.locale = Locale.parse(self.language.babel)

    def gettext(self, msgid: str, **params: object) -> str:
        text = self._table.get(msgid, msgid)
        if params:
            try:
                return text % params
            except (KeyError, ValueError, TypeError):
                return msgid % params
        return text

    __call__ = gettext


@lru_cache(maxsize=8)
def translator(code: str) -> Translator:
    return Translator(code)


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The language to use: the user's explicit choice, else the browser's, else Chinese."""
    if cookie is not None and cookie in BY_CODE:
        return cookie
    if accept_language:
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip().lower()
            if tag.startswith("zh"):
                return "zh"
            if tag.startswith("en"):
                return "en"
    return DEFAULT_LANGUAGE


Gettext = Callable[..., str]
