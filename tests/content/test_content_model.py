"""Texts, problems and the content version."""

from __future__ import annotations

import shutil

import pytest

from learnpath.content import ContentError, Problem, Text, load_content
from tests.content.content_tree import ContentTree


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("nl", "hallo"), ("en", "hello"), ("en_GB", "hello"), ("de", "hallo"), ("", "hallo")],
)
def test_text_get_falls_back_to_dutch(locale: str, expected: str) -> None:
    assert Text(nl="hallo", en="hello").get(locale) == expected


def test_problem_str_names_file_and_field() -> None:
    assert str(Problem("a.toml", "title.en", "missing")) == "a.toml: title.en: missing"
    assert str(Problem("a.toml", "", "TOML syntax error")) == "a.toml: TOML syntax error"


def test_content_error_lists_every_problem() -> None:
    problems = [Problem("a.toml", "x", "one"), Problem("b.toml", "", "two")]
    error = ContentError(problems)
    assert error.problems == problems
    assert str(error) == "a.toml: x: one\nb.toml: two"


def test_version_depends_on_every_byte(tree: ContentTree) -> None:
    before = load_content(tree.root).version
    assert load_content(tree.root).version == before
    file = tree.path("assignments/kernkwadrant.toml")
    file.write_bytes(file.read_bytes() + b" ")
    assert load_content(tree.root).version != before


def test_version_depends_on_file_names(tree: ContentTree) -> None:
    before = load_content(tree.root).version
    tree.path("assignments/kernkwadrant.toml").rename(tree.path("assignments/kwadrant.toml"))
    assert load_content(tree.root).version != before


def test_version_does_not_depend_on_where_the_content_lives(
    tree: ContentTree, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = tmp_path_factory.mktemp("other")
    for directory in ("modules", "assignments"):
        shutil.copytree(tree.root / directory, other / directory)
    assert load_content(other).version == load_content(tree.root).version
