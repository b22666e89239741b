"""Check content across files: duplicate slugs, references that must resolve, intervals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from learnpath.content.parse import Located, Tree, read_tree
from learnpath.content.reader import Reference
from learnpath.content.schema import Assignment, Problem, Programme

#: What a reference kind (a Tree attribute) is called in messages.
NOUNS = {"competencies": "competency", "programmes": "programme"}


def check_content(root: str | Path) -> list[Problem]:
    """Return every problem in the content under ``root``; an empty list means it is valid."""
    return check_tree(read_tree(root))


def check_tree(tree: Tree) -> list[Problem]:
    """Return every problem in ``tree``, grouped by file, each file's in the order found."""
    problems = [
        *tree.sink.problems,
        *duplicate_slugs(tree),
        *unresolved(tree),
        *interval_problems(tree),
        *extra_action_plans(tree),
    ]
    return sorted(problems, key=lambda problem: problem.file)


def all_located(tree: Tree) -> Iterator[list[Located[Any]]]:
    yield tree.competencies
    yield tree.programmes
    yield tree.workshop_series
    yield tree.intervision_methods
    yield tree.instruments
    yield tree.assignments


def duplicate_slugs(tree: Tree) -> Iterator[Problem]:
    """Report a slug used by an earlier file of the same kind, at the later file."""
    for located in all_located(tree):
        first: dict[str, Located[Any]] = {}
        for entry in located:
            earlier = first.setdefault(entry.item.slug, entry)
            # Repeats inside one file are reported while reading that file.
            if earlier.file != entry.file and entry.item.slug:
                yield Problem(
                    entry.file,
                    entry.slug_field,
                    f"duplicate slug {entry.item.slug!r} (already used in {earlier.file})",
                )


def unresolved(tree: Tree) -> Iterator[Problem]:
    """Report references to competencies or programmes that no file defines."""
    known = {kind: [e.item.slug for e in getattr(tree, kind)] for kind in NOUNS}
    for ref in tree.sink.references:
        if ref.slug not in known[ref.kind]:
            yield unknown(ref, NOUNS[ref.kind], known[ref.kind])


def unknown(ref: Reference, noun: str, known: list[str]) -> Problem:
    listing = ", ".join(known) or "none"
    return Problem(ref.file, ref.field, f"unknown {noun} {ref.slug!r} (known: {listing})")


def first_by_slug(located: list[Located[Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for entry in located:
        result.setdefault(entry.item.slug, entry.item)
    return result


def interval_problems(tree: Tree) -> Iterator[Problem]:
    """Check that each assignment sits in an interval of its programme and is due in time."""
    programmes: dict[str, Programme] = first_by_slug(tree.programmes)
    for entry in tree.assignments:
        programme = programmes.get(entry.item.programme)
        if programme is not None:
            yield from assignment_interval(entry.file, entry.item, programme)


def assignment_interval(
    file: str, assignment: Assignment, programme: Programme
) -> Iterator[Problem]:
    # An interval runs from a session to the next one, so the last session starts none.
    starts = [session.slug for session in programme.sessions[:-1]]
    if assignment.after_session not in starts:
        last = programme.sessions[-1].slug if programme.sessions else ""
        reason = (
            "is the last session; no interval follows it"
            if assignment.after_session == last
            else f"is not a session of programme {programme.slug!r}"
        )
        yield Problem(
            file,
            "after_session",
            f"{assignment.after_session!r} {reason} (expected one of: {', '.join(starts)})",
        )
    if 0 < programme.min_gap_days <= assignment.due_days_before_next_session:
        yield Problem(
            file,
            "due_days_before_next_session",
            f"must be less than the programme's min_gap_days ({programme.min_gap_days}), "
            "or the deadline could fall before the interval starts",
        )


def extra_action_plans(tree: Tree) -> Iterator[Problem]:
    """Report a second action plan assignment for the same programme."""
    first: dict[str, str] = {}
    for entry in tree.assignments:
        if entry.item.is_action_plan:
            earlier = first.setdefault(entry.item.programme, entry.file)
            if earlier != entry.file:
                yield Problem(
                    entry.file,
                    "kind",
                    f"programme {entry.item.programme!r} already has an action plan ({earlier})",
                )
