"""Read typed fields from parsed TOML tables, recording every problem with its file and path.

A reader never raises on bad content: it records a Problem and returns a placeholder, so that
one pass over a file reports everything that is wrong with it. Placeholders never reach the app,
because loading refuses content that has problems.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from learnpath.content.schema import Problem, Text

T = TypeVar("T")

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
LANGUAGES = {"nl": "Dutch", "en": "English"}
#: Nothing in a programme lasts longer than a working day.
MAX_MINUTES = 8 * 60

_MISSING: Any = object()
_TYPE_NAMES = {
    bool: "true or false",
    str: "a string",
    int: "an integer",
    float: "a number",
    dict: "a table",
    list: "an array",
}


@dataclass(frozen=True)
class Reference:
    """A slug in one file that must name an item of ``kind`` defined in some file."""

    file: str
    field: str
    kind: str
    slug: str


@dataclass
class Sink:
    """Where the readers of one check run record problems and references."""

    problems: list[Problem] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class Reader:
    """Reads the fields of one TOML table at ``path`` in ``file``."""

    def __init__(self, sink: Sink, file: str, data: Mapping[str, Any], path: str = "") -> None:
        self.sink = sink
        self.file = file
        self.data = data
        self.path = path
        self._read: set[str] = set()

    # -- recording -----------------------------------------------------------------------------

    def problem(self, key: str, message: str) -> None:
        """Record a problem with field ``key`` of this table ("" for the table itself)."""
        field_path = join(self.path, key) if key else self.path
        self.sink.problems.append(Problem(self.file, field_path, message))

    def reference(self, key: str, kind: str, slug: str) -> None:
        self.sink.references.append(Reference(self.file, join(self.path, key), kind, slug))

    def finish(self) -> None:
        """Report the keys nobody read: typos such as ``titel`` or ``duration_minuten``."""
        for key in self.data:
            if key not in self._read:
                self.problem(key, "unknown key (is it a typo?)")

    # -- raw access ----------------------------------------------------------------------------

    def has(self, key: str) -> bool:
        return key in self.data

    def _get(self, key: str, expected: type, required: bool = True) -> Any:
        """Return the value of ``key`` if it has the ``expected`` type, else ``_MISSING``."""
        self._read.add(key)
        if key not in self.data:
            if required:
                self.problem(key, "required field is missing")
            return _MISSING
        value = self.data[key]
        # bool is a subclass of int: true must not pass for a number.
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            self.problem(key, f"expected {_TYPE_NAMES[expected]}, got {_describe(value)}")
            return _MISSING
        return value

    def child(self, key: str, value: Mapping[str, Any]) -> Reader:
        return Reader(self.sink, self.file, value, join(self.path, key))

    # -- scalars -------------------------------------------------------------------------------

    def string(self, key: str, *, choices: Iterable[str] = ()) -> str:
        value = self._get(key, str)
        if value is _MISSING:
            return ""
        allowed = tuple(choices)
        if allowed and value not in allowed:
            self.problem(key, f"unknown value {value!r}; expected one of {_listing(allowed)}")
        elif not value.strip():
            self.problem(key, "must not be empty")
        return str(value)

    def slug(self, key: str = "slug") -> str:
        value = self.string(key)
        if value and not SLUG_PATTERN.match(value):
            self.problem(
                key,
                f"{value!r} is not a valid slug: use lowercase letters, digits, '-' and '_', "
                "starting with a letter",
            )
        return value

    def ref(self, key: str, kind: str) -> str:
        """Read a slug that must name a ``kind`` item elsewhere; the checks resolve it later."""
        value = self.string(key)
        if value:
            self.reference(key, kind, value)
        return value

    def integer(self, key: str, *, low: int | None = None, high: int | None = None) -> int:
        value = self._get(key, int)
        if value is _MISSING:
            return 0
        self.check_range(key, value, low, high)
        return int(value)

    def optional_integer(
        self, key: str, *, low: int | None = None, high: int | None = None
    ) -> int | None:
        self._read.add(key)
        return self.integer(key, low=low, high=high) if self.has(key) else None

    def minutes(self, key: str) -> int:
        """Read a duration in minutes: more than zero and at most a working day."""
        return self.integer(key, low=1, high=MAX_MINUTES)

    def boolean(self, key: str, default: bool | None = None) -> bool:
        value = self._get(key, bool, required=default is None)
        if value is _MISSING:
            return bool(default)
        return bool(value)

    def check_range(self, key: str, value: int, low: int | None, high: int | None) -> None:
        if low is not None and value < low:
            self.problem(key, f"must be at least {low} (got {value})")
        elif high is not None and value > high:
            self.problem(key, f"must be at most {high} (got {value})")

    # -- texts ---------------------------------------------------------------------------------

    def text(self, key: str) -> Text:
        """Read a ``{ nl = "...", en = "..." }`` table; both languages must be present."""
        self._read.add(key)
        if key not in self.data:
            self.problem(key, "required field is missing")
            return Text("", "")
        return self._text_value(key, self.data[key])

    def optional_text(self, key: str) -> Text | None:
        self._read.add(key)
        return self.text(key) if self.has(key) else None

    def _text_value(self, key: str, value: Any) -> Text:
        if not isinstance(value, dict):
            self.problem(
                key,
                f"expected a table with Dutch and English text, like "
                f'{{ nl = "...", en = "..." }}, got {_describe(value)}',
            )
            return Text("", "")
        reader = self.child(key, value)
        texts = {lang: reader.language(lang, name) for lang, name in LANGUAGES.items()}
        reader.finish()
        return Text(**texts)

    def language(self, lang: str, name: str) -> str:
        self._read.add(lang)
        if lang not in self.data:
            self.problem(lang, f"missing {name} text")
            return ""
        value = self.data[lang]
        if not isinstance(value, str):
            self.problem(lang, f"expected a string, got {_describe(value)}")
            return ""
        if not value.strip():
            self.problem(lang, f"{name} text is empty")
        return value.strip()

    # -- arrays --------------------------------------------------------------------------------

    def _array(self, key: str, required: bool, low: int, high: int | None) -> list[Any]:
        value = self._get(key, list, required)
        if value is _MISSING:
            return []
        if len(value) < low:
            self.problem(key, f"needs at least {low} entr{'y' if low == 1 else 'ies'}")
        elif high is not None and len(value) > high:
            self.problem(key, f"allows at most {high} entries (got {len(value)})")
        return list(value)

    def texts(
        self, key: str, *, required: bool = True, low: int = 1, high: int | None = None
    ) -> tuple[Text, ...]:
        values = self._array(key, required, low, high)
        return tuple(self._text_value(f"{key}[{i}]", value) for i, value in enumerate(values))

    def strings(self, key: str, *, choices: Iterable[str] = (), low: int = 1) -> tuple[str, ...]:
        allowed = tuple(choices)
        result = []
        for i, value in enumerate(self._array(key, True, low, None)):
            index_key = f"{key}[{i}]"
            if not isinstance(value, str):
                self.problem(index_key, f"expected a string, got {_describe(value)}")
            elif allowed and value not in allowed:
                self.problem(
                    index_key, f"unknown value {value!r}; expected one of {_listing(allowed)}"
                )
            else:
                result.append(value)
        report_duplicates(self, [(f"{key}[{i}]", value) for i, value in enumerate(result)])
        return tuple(result)

    def refs(self, key: str, kind: str) -> tuple[str, ...]:
        """Read a list of slugs that must each name a ``kind`` item."""
        values = self.strings(key)
        for i, value in enumerate(values):
            self.reference(f"{key}[{i}]", kind, value)
        return values

    def tables(
        self,
        key: str,
        parse: Callable[[Reader], T | None],
        *,
        low: int = 1,
        high: int | None = None,
        unique: str | None = None,
    ) -> tuple[T, ...]:
        """Parse an array of tables with ``parse``; ``unique`` names a key that must not repeat."""
        values = self._array(key, True, low, high)
        result = []
        for i, value in enumerate(values):
            index_key = f"{key}[{i}]"
            if not isinstance(value, dict):
                self.problem(index_key, f"expected a table, got {_describe(value)}")
                continue
            child = self.child(index_key, value)
            item = parse(child)
            # A None item could not be read at all (say, an unknown block type): its other
            # keys mean nothing, so they are not reported as unknown.
            if item is not None:
                child.finish()
                result.append(item)
        if unique:
            entries = [
                (f"{key}[{i}].{unique}", value.get(unique))
                for i, value in enumerate(values)
                if isinstance(value, dict)
            ]
            report_duplicates(self, entries)
        return tuple(result)

    def forbid(self, key: str, reason: str) -> None:
        """Report ``key`` if present: it makes no sense in this table, for ``reason``."""
        if self.has(key):
            self._read.add(key)
            self.problem(key, f"not allowed {reason}")


def report_duplicates(reader: Reader, entries: Iterable[tuple[str, object]]) -> None:
    """Report each value that occurs again, at the later field; ``entries`` are (key, value)."""
    first_seen: dict[object, str] = {}
    for key, value in entries:
        if not isinstance(value, str | int) or not value:
            continue
        if value in first_seen:
            reader.problem(
                key, f"duplicate {value!r} (already at {join(reader.path, first_seen[value])})"
            )
        else:
            first_seen[value] = key


def _describe(value: object) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _listing(values: Iterable[str]) -> str:
    return ", ".join(repr(value) for value in values)
