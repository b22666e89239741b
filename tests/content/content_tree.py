"""Helpers to copy the real content and break one thing at a time."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from learnpath.content import check_content

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "content"

Change = Callable[[dict[str, Any]], None]


def steps(path: str) -> list[str | int]:
    """Split a field path like ``sessions[1].agenda[0].minutes`` into keys and indexes."""
    return [
        int(t[1:-1]) if t.startswith("[") else t for t in re.findall(r"\[\d+\]|[^.\[\]]+", path)
    ]


def _parent(data: dict[str, Any], path: str) -> tuple[Any, str | int]:
    *head, last = steps(path)
    node: Any = data
    for step in head:
        node = node[step]
    return node, last


def set_at(path: str, value: object) -> Change:
    def change(data: dict[str, Any]) -> None:
        node, last = _parent(data, path)
        node[last] = value

    return change


def delete(path: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        node, last = _parent(data, path)
        del node[last]

    return change


def to_toml(data: dict[str, Any]) -> str:
    """Write ``data`` as TOML with inline values: enough for content files in tests."""
    return "".join(f"{json.dumps(key)} = {_inline(value)}\n" for key, value in data.items())


def _inline(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_inline(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


class ContentTree:
    """A content root in a temporary directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, file: str) -> Path:
        return self.root / file

    def edit(self, file: str, *changes: Change) -> None:
        """Parse ``file``, apply ``changes`` to the data and write it back."""
        data = tomllib.loads(self.path(file).read_text(encoding="utf-8"))
        for change in changes:
            change(data)
        self.write(file, to_toml(data))

    def write(self, file: str, text: str) -> None:
        self.path(file).parent.mkdir(parents=True, exist_ok=True)
        self.path(file).write_text(text, encoding="utf-8")

    def overlay(self, case: str) -> None:
        """Copy the fixture tree ``tests/fixtures/content/<case>`` over this one."""
        shutil.copytree(FIXTURES / case, self.root, dirs_exist_ok=True)

    def located(self) -> list[tuple[str, str]]:
        """Return (file, field) of every problem check_content finds."""
        return [(problem.file, problem.field) for problem in check_content(self.root)]
