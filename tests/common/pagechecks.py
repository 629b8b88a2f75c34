"""Cheap checks on every HTML page the tests fetch (after GOV.UK Notify's test client):
the HTML parses, exactly one <h1>, no duplicate ids, every input has a label, a lang."""

from __future__ import annotations

import html5lib


def check_page(html: str, *, url: str = "") -> None:
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    document = parser.parse(html)
    where = f" on {url}" if url else ""
    h1s = document.findall(".//h1")
    assert len(h1s) == 1, f"expected exactly one <h1>{where}, found {len(h1s)}"
    ids = [el.get("id") for el in document.iter() if el.get("id")]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate ids{where}: {sorted(duplicates)}"
    root = document if document.tag == "html" else document.find(".//html")
    assert root is not None and root.get("lang"), f"<html> has no lang{where}"
    labels = {label.get("for") for label in document.iter("label")}
    for field in document.iter("input"):
        if field.get("type") in ("hidden", "submit", "button"):
            continue
        assert field.get("id") in labels or field.get("aria-label"), f"input {field.get('name')!r} has no label{where}"
    assert document.find(".//title") is not None and (document.find(".//title").text or "").strip(), (
        f"empty <title>{where}"
    )
