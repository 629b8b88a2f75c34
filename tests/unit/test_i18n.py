"""The Simplified Chinese and English catalogues are complete and consistent with the source.

Every string marked for translation (``_("...")`` in templates; ``N_``, ``_``, ``tr``,
``gettext`` in Python) and every audit action id (pages show ``_(a.action)``) must have a
Chinese translation; audit action ids need an English label as well. When a check here
fails after you added or changed a string: run ``make i18n``, then fill in the empty
``msgstr`` entries in ``src/onevisit/locale/zh_Hans_CN/LC_MESSAGES/messages.po`` (and, for
an audit action, in ``src/onevisit/locale/en/LC_MESSAGES/messages.po``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from onevisit.kernel.i18n import BY_CODE, LOCALE_DIR, Translator

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "onevisit"
BABEL_CFG = ROOT / "babel.cfg"

#: Python callables whose literal first argument is a msgid (as configured in babel.cfg).
MARKERS = frozenset({"N_", "_", "gettext", "tr"})
#: ``%(name)s``-style slots, with any conversion flags, width and precision.
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
#: What an untranslated audit action id looks like: dotted lower-case words.
DOTTED_ID = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)+$")

FIX = "run `make i18n` and translate the new entries in src/onevisit/locale/*/LC_MESSAGES/messages.po"

Where = dict[str, set[str]]  # msgid -> the places that use it


def _add(found: Where, msgid: str, where: str) -> None:
    found.setdefault(msgid, set()).add(where)


@cache
def extracted() -> Mapping[str, frozenset[str]]:
    """Every msgid that ``make i18n`` extracts, with the files it comes from."""
    with BABEL_CFG.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(BABEL_CFG))
    found: Where = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(SRC), method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            _add(found, msgid, f"{(SRC / filename).relative_to(ROOT)}:{lineno}")
    return {msgid: frozenset(places) for msgid, places in found.items()}


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


@cache
def python_scan() -> tuple[Where, Where, list[str]]:
    """Walk every module's syntax tree: (marked msgids, audit action ids, non-literal audit actions)."""
    msgids: Where = {}
    actions: Where = {}
    dynamic: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _callee(node)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if name in MARKERS and node.args and (msgid := _literal(node.args[0])) is not None:
                _add(msgids, msgid, where)
            elif name == "audit":
                arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "action"), None)
                if arg is None:
                    continue
                if (action := _literal(arg)) is not None:
                    _add(actions, action, where)
                else:
                    dynamic.append(where)
    return msgids, actions, dynamic


@cache
def catalogue(code: str) -> Catalog:
    locale = BY_CODE[code].babel
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"{path} is missing: {FIX}"
    with path.open("rb") as fh:
        return read_po(fh, locale=locale, abort_invalid=True)


def untranslated(msgids: Iterable[str], catalog: Catalog) -> list[str]:
    """The msgids with no usable translation: absent, empty or fuzzy (all three fall back to English)."""
    missing = []
    for msgid in sorted(set(msgids)):
        message = catalog.get(msgid)
        if message is None or not message.string or message.fuzzy:
            missing.append(msgid)
    return missing


def _report(missing: Iterable[str], places: Mapping[str, Iterable[str]]) -> str:
    return "\n".join(f"  {msgid!r}  ({', '.join(sorted(places.get(msgid, ())))})" for msgid in missing)


def _entries(code: str) -> dict[str, str]:
    return {str(m.id): str(m.string) for m in catalogue(code) if m.id and isinstance(m.id, str)}


# --- The extraction itself -------------------------------------------------------------------


def test_babel_cfg_extracts_templates_python_markers_and_audit_actions() -> None:
    found = extracted()
    assert "Log in" in found, "templates: _() in **/templates/**.html"
    assert "Welcome, %(name)s." in found, "templates: _() with keyword parameters"
    assert "You have logged out." in found, "Python: N_()"
    assert "identity.login" in found, "Python: the action id of uow.audit(...)"
    assert any(".html:" in place for places in found.values() for place in places)


def test_extraction_sees_every_string_literal_marked_in_python() -> None:
    """Babel's Python extractor misses markers nested two calls deep, e.g. ``tr(d.get(k, N_("x")))``.

    Such a msgid would never reach the catalogues (``make i18n`` drops it), so it could never be
    translated: hoist the marked string into a constant instead.
    """
    msgids, actions, _ = python_scan()
    wanted = {**msgids, **actions}
    missed = sorted(set(wanted) - set(extracted()))
    assert not missed, "marked in Python but not extracted by `make i18n`:\n" + _report(missed, wanted)


def test_audit_actions_are_string_literals() -> None:
    """Pages show ``_(a.action)``: only a literal action id can be extracted and translated."""
    _, _, dynamic = python_scan()
    assert not dynamic, "uow.audit(...) with an action id that is not a string literal: " + ", ".join(dynamic)


# --- Completeness ----------------------------------------------------------------------------


def test_every_extracted_msgid_has_a_chinese_translation() -> None:
    found = extracted()
    missing = untranslated(found, catalogue("zh"))
    assert not missing, f"{len(missing)} msgid(s) without a Chinese translation; {FIX}:\n" + _report(missing, found)


def test_every_msgid_marked_in_python_has_a_chinese_translation() -> None:
    msgids, actions, _ = python_scan()
    wanted = {**msgids, **actions}
    missing = untranslated(wanted, catalogue("zh"))
    assert not missing, f"{len(missing)} msgid(s) without a Chinese translation; {FIX}:\n" + _report(missing, wanted)


def test_every_extracted_msgid_is_in_the_english_catalogue() -> None:
    """An empty English msgstr is fine (the msgid is English), but the entry must be there."""
    found = extracted()
    english = {m.id for m in catalogue("en") if m.id}
    missing = sorted(set(found) - english)
    assert not missing, f"msgid(s) missing from the English catalogue; {FIX}:\n" + _report(missing, found)


def test_every_audit_action_has_a_label_in_both_languages() -> None:
    _, actions, _ = python_scan()
    assert "identity.login" in actions and "identity.login.failed" in actions, "the audit(...) scan found nothing"
    for code in ("zh", "en"):
        missing = untranslated(actions, catalogue(code))
        assert not missing, f"audit action(s) without a {code} label; {FIX}:\n" + _report(missing, actions)
    english = _entries("en")
    still_ids = sorted(a for a in actions if DOTTED_ID.match(english[a]) or english[a] == a)
    assert not still_ids, "English labels must be phrases such as 'Logged in', not ids: " + ", ".join(still_ids)


def test_the_catalogues_carry_no_stale_or_fuzzy_entries() -> None:
    found = extracted()
    for code in ("zh", "en"):
        catalog = catalogue(code)
        stale = sorted(str(m.id) for m in catalog if m.id and m.id not in found)
        assert not stale, f"{code}: entries no longer in the source; run `make i18n`: {stale}"
        fuzzy = sorted(str(m.id) for m in catalog if m.id and m.fuzzy)
        assert not fuzzy, f"{code}: fuzzy entries are ignored at run time; check and unmark them: {fuzzy}"


def test_the_checker_notices_a_new_untranslated_string() -> None:
    """The completeness checks are not vacuous: a string added without a translation is reported."""
    catalog = Catalog(locale="zh_Hans_CN")
    catalog.add("Log in", "登录")
    catalog.add("Half done", "")
    catalog.add("Unsure", "也许", flags=["fuzzy"])
    assert untranslated(["Log in", "Half done", "Unsure", "Brand new"], catalog) == ["Brand new", "Half done", "Unsure"]
    assert len(extracted()) > 100


# --- Placeholders ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["zh", "en"])
def test_translations_keep_the_placeholders_of_their_msgid(code: str) -> None:
    problems = []
    for msgid, text in _entries(code).items():
        if not text:
            continue
        expected = sorted(set(PLACEHOLDER.findall(msgid)))
        if sorted(set(PLACEHOLDER.findall(text))) != expected:
            problems.append(f"{msgid!r} -> {text!r}: slots {expected}")
            continue
        if expected:
            try:
                text % dict.fromkeys(expected, "x")
            except (KeyError, ValueError, TypeError) as exc:
                problems.append(f"{msgid!r} -> {text!r}: {exc!r} (a literal % must be written %%)")
        elif "%(" in text:
            problems.append(f"{msgid!r} -> {text!r}: a slot the msgid does not have")
    assert not problems, f"{code}:\n  " + "\n  ".join(problems)


# --- What people see -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "msgid", "params", "expected"),
    [
        ("zh", "My OneVisit", {}, "我的一次办"),
        ("zh", "OneVisit", {}, "一次办"),
        ("zh", "Log in", {}, "登录"),
        ("zh", "Log out", {}, "退出登录"),
        ("zh", "Resident ID number", {}, "居民身份证号码"),
        ("zh", "Password", {}, "密码"),
        ("zh", "There is a problem", {}, "存在问题"),
        ("zh", "Error:", {}, "错误："),
        ("zh", "Services", {}, "办事服务"),
        ("zh", "Staff workspace", {}, "工作台"),
        ("zh", "Unified social credit code", {}, "统一社会信用代码"),
        ("zh", "Legal representative", {}, "法定代表人"),
        ("zh", "Welcome, %(name)s.", {"name": "陈静怡"}, "陈静怡，您好。"),
        ("zh", "Page %(page)s of %(pages)s", {"page": 2, "pages": 5}, "第 2 页，共 5 页"),
        ("zh", "identity.login", {}, "登录"),
        ("zh", "identity.login.failed", {}, "登录失败"),
        ("en", "identity.login", {}, "Logged in"),
        ("en", "identity.logout", {}, "Logged out"),
        ("en", "My OneVisit", {}, "My OneVisit"),
        ("en", "Welcome, %(name)s.", {"name": "Ann"}, "Welcome, Ann."),
    ],
)
def test_spot_checks(code: str, msgid: str, params: dict[str, object], expected: str) -> None:
    assert Translator(code)(msgid, **params) == expected
