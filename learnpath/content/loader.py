"""Load the programme content for the app, refusing content that has any problem."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from learnpath.content.checks import check_tree
from learnpath.content.parse import Located, Slugged, read_tree
from learnpath.content.schema import Content, ContentError

S = TypeVar("S", bound=Slugged)


def load_content(root: str | Path) -> Content:
    """Read the content under ``root``; raise ContentError listing every problem found."""
    tree = read_tree(root)
    problems = check_tree(tree)
    if problems:
        raise ContentError(problems)
    return Content(
        version=tree.version,
        competencies=by_slug(tree.competencies),
        programmes=by_slug(tree.programmes),
        workshop_series=by_slug(tree.workshop_series),
        intervision_methods=by_slug(tree.intervision_methods),
        instruments=by_slug(tree.instruments),
        assignments=by_slug(tree.assignments),
    )


def by_slug(located: list[Located[S]]) -> dict[str, S]:
    return {entry.item.slug: entry.item for entry in located}
