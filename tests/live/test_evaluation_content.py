"""The evaluation items and the join window are validated content: 3-5 items with exactly one
open question, and a join window in minutes within bounds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.content.content_tree import PROJECT_ROOT, ContentTree, delete, set_at

PROGRAMME = "modules/programmes/loopbaantraject.toml"
WORKSHOP = "modules/workshops/het-goede-loopbaangesprek.toml"


@pytest.fixture
def tree(tmp_path: Path) -> ContentTree:
    for directory in ("modules", "assignments"):
        shutil.copytree(PROJECT_ROOT / directory, tmp_path / directory)
    return ContentTree(tmp_path)


def test_the_real_content_is_valid(tree):
    assert tree.located() == []


def test_two_open_questions_are_refused(tree):
    tree.edit(PROGRAMME, set_at("sessions[0].evaluation[0].kind", "open"))
    assert tree.located() == [(PROGRAMME, "sessions[0].evaluation")]


def test_too_few_items_and_a_wrong_kind_are_refused(tree):
    tree.edit(
        WORKSHOP,
        delete("meetings[1].evaluation[2]"),
        delete("meetings[1].evaluation[1]"),
        set_at("meetings[0].evaluation[1].kind", "stars"),
    )
    assert sorted(tree.located()) == [
        (WORKSHOP, "meetings[0].evaluation[1].kind"),
        (WORKSHOP, "meetings[1].evaluation"),
    ]


def test_the_join_window_is_bounded(tree):
    tree.edit(PROGRAMME, set_at("join_opens_minutes", 500))
    assert tree.located() == [(PROGRAMME, "join_opens_minutes")]
