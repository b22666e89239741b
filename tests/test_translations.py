"""The Dutch catalogue is complete: every message in learnpath/ and templates/ has a translation.

Messages are extracted in-process with Babel using the project's babel.cfg and the same
keywords as `make extract-messages`, then looked up in the Dutch messages.po.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
DUTCH_PO = ROOT / "learnpath" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
#: Flask-Babel's lazy forms on top of Babel's defaults (_, gettext, ngettext, pgettext, ...).
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}

Msgid = str | tuple[str, ...]
#: (msgid, context, "file:line")
Extracted = tuple[Msgid, str | None, str]


def extract_messages(root: Path = ROOT) -> list[Extracted]:
    """Return every translatable message under root's babel.cfg patterns, with its location."""
    with (root / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(root / "babel.cfg"))
    found: list[Extracted] = []
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS
    ):
        found.append((message, context, f"{filename}:{lineno}"))
    return found


def _singular(msgid: Msgid) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def problems(messages: Iterable[Extracted], catalog: Catalog) -> list[str]:
    """Describe each message that is missing, fuzzy or untranslated in catalog (once per msgid)."""
    found: dict[tuple[str, str | None], str] = {}
    for msgid, context, where in messages:
        key = (_singular(msgid), context)
        if key in found or not key[0]:
            continue
        entry = catalog.get(key[0], context=context)
        if entry is None:
            found[key] = f"missing     {key[0]!r}  ({where})"
        elif entry.fuzzy:
            found[key] = f"fuzzy       {key[0]!r}  ({where})"
        elif not all(entry.string) if isinstance(entry.string, tuple) else not entry.string:
            found[key] = f"empty       {key[0]!r}  ({where})"
    return sorted(found.values(), key=lambda line: line.split("(")[-1])


def test_extraction_finds_the_messages_of_code_and_templates() -> None:
    messages = extract_messages()
    ids = {_singular(m) for m, _c, _w in messages}
    files = {w.split(":")[0] for _m, _c, w in messages}
    assert "Skip to content" in ids  # templates/base.html
    assert "Email address" in ids  # learnpath/accounts/forms.py (lazy_gettext as _l)
    assert any(f.startswith("templates/") for f in files)
    assert any(f.startswith("learnpath/") for f in files)


def test_problems_lists_missing_fuzzy_and_empty_entries() -> None:
    catalog = Catalog(locale="nl")
    catalog.add("Yes", "Ja")
    catalog.add("Maybe", "Misschien", flags=["fuzzy"])
    catalog.add("No", "")
    catalog.add(("One file", "%(num)s files"), ("Eén bestand", ""))
    extracted: list[Extracted] = [
        ("Yes", None, "a.py:1"),
        ("Maybe", None, "a.py:2"),
        ("No", None, "a.py:3"),
        (("One file", "%(num)s files"), None, "a.py:4"),
        ("Absent", None, "b.html:5"),
        ("Absent", None, "b.html:9"),
    ]
    assert problems(extracted, catalog) == [
        "fuzzy       'Maybe'  (a.py:2)",
        "empty       'No'  (a.py:3)",
        "empty       'One file'  (a.py:4)",
        "missing     'Absent'  (b.html:5)",
    ]


def test_dutch_catalogue_is_complete() -> None:
    with DUTCH_PO.open("rb") as po:
        catalog = read_po(po, locale="nl")
    missing = problems(extract_messages(), catalog)
    assert not missing, (
        f"{len(missing)} message(s) lack a Dutch translation in "
        f"{DUTCH_PO.relative_to(ROOT)} (run `make extract-messages`, then translate):\n"
        + "\n".join(missing)
    )
