"""Language negotiation and message translation."""

from __future__ import annotations

import pytest

from onevisit.kernel import i18n
from onevisit.kernel.i18n import DEFAULT_LANGUAGE, Translator, negotiate


def test_chinese_is_the_default() -> None:
    assert DEFAULT_LANGUAGE == "zh"
    assert negotiate(None, None) == "zh"
    assert negotiate(None, "fr-FR,de;q=0.8") == "zh"


def test_the_browser_preference_is_used_in_order() -> None:
    assert negotiate(None, "en-GB,en;q=0.9,zh;q=0.5") == "en"
    assert negotiate(None, "zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert negotiate(None, "fr, EN-us;q=0.7") == "en"


def test_the_cookie_beats_accept_language() -> None:
    assert negotiate("en", "zh-CN,zh;q=0.9") == "en"
    assert negotiate("zh", "en-US") == "zh"


def test_an_unknown_cookie_value_is_ignored() -> None:
    assert negotiate("xx", "en-US") == "en"
    assert negotiate("<script>", None) == "zh"


@pytest.fixture
def catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    table = {
        "Welcome, %(name)s.": "欢迎，%(name)s。",
        "Broken %(name)s": "坏的 %(nmae)s",
        "Plain": "普通",
    }
    monkeypatch.setattr(i18n, "_catalog", lambda code: table if code == "zh" else {})


@pytest.mark.usefixtures("catalogue")
def test_the_translator_fills_parameters_into_the_translation() -> None:
    zh = Translator("zh")
    assert zh("Welcome, %(name)s.", name="王小明") == "欢迎，王小明。"
    assert zh("Plain") == "普通"


@pytest.mark.usefixtures("catalogue")
def test_a_missing_translation_falls_back_to_the_english_msgid_with_parameters() -> None:
    assert Translator("zh")("Page %(page)s of %(pages)s", page=2, pages=5) == "Page 2 of 5"
    assert Translator("en")("Welcome, %(name)s.", name="Ann") == "Welcome, Ann."


@pytest.mark.usefixtures("catalogue")
def test_a_translation_with_a_broken_slot_falls_back_to_the_msgid() -> None:
    assert Translator("zh")("Broken %(name)s", name="x") == "Broken x"


def test_an_unknown_language_code_gives_the_default_language() -> None:
    translator = Translator("fr")
    assert translator.code == "zh"
    assert translator.language.html_lang == "zh-Hans"


def test_a_text_without_parameters_keeps_its_percent_signs() -> None:
    assert Translator("en")("100% sure") == "100% sure"
