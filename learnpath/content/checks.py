"""Check content across files: duplicate slugs, references that must resolve, intervals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from learnpath.content.parse import Located, Tree, read_tree
from learnpath.content.reader import Reference
from learnpath.content.schema import (
    Assignment,
    FeedbackRequestBlock,
    Problem,
    Programme,
    WorkshopSeries,
)

#: What a reference kind (a Tree attribute) is called in messages.
NOUNS = {"competencies": "competency", "programmes": "programme or workshop series"}


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
        *series_problems(tree),
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
    # An assignment's programme may also be a workshop series (reflections for managers).
    known["programmes"] += [e.item.slug for e in tree.workshop_series]
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
    series: dict[str, WorkshopSeries] = first_by_slug(tree.workshop_series)
    for entry in tree.assignments:
        assignment = entry.item
        programme = programmes.get(assignment.programme)
        if programme is not None:
            slots = [session.slug for session in programme.sessions]
            yield from assignment_interval(entry.file, assignment, programme.slug, slots)
            if 0 < programme.min_gap_days <= (assignment.due_days_before_next_session or 0):
                yield Problem(
                    entry.file,
                    "due_days_before_next_session",
                    f"must be less than the programme's min_gap_days ({programme.min_gap_days}), "
                    "or the deadline could fall before the interval starts",
                )
        elif assignment.programme in series:
            slots = [meeting.slug for meeting in series[assignment.programme].meetings]
            yield from assignment_interval(entry.file, assignment, assignment.programme, slots)


def assignment_interval(
    file: str, assignment: Assignment, owner: str, slots: list[str]
) -> Iterator[Problem]:
    """Check ``after_session`` against the session slots of the programme or series."""
    # An interval runs from a session to the next one, so the last session starts none;
    # an assignment due after its own session may follow any session, the last one too.
    starts = slots if assignment.due_days_after_session is not None else slots[:-1]
    if assignment.after_session not in starts:
        last = slots[-1] if slots else ""
        reason = (
            "is the last session; no interval follows it (use due_days_after_session)"
            if assignment.after_session == last
            else f"is not a session of {owner!r}"
        )
        yield Problem(
            file,
            "after_session",
            f"{assignment.after_session!r} {reason} (expected one of: {', '.join(starts)})",
        )


def series_problems(tree: Tree) -> Iterator[Problem]:
    """Workshop assignments: a slug apart from programmes, no action plan, no colleague links.

    Colleague feedback requests and the action plan belong to the participant programme.
    """
    programmes = {entry.item.slug for entry in tree.programmes}
    series = {entry.item.slug for entry in tree.workshop_series}
    for located in tree.workshop_series:
        if located.item.slug in programmes:
            yield Problem(
                located.file,
                located.slug_field,
                f"slug {located.item.slug!r} is also a programme; assignments could not tell them apart",
            )
    for entry in tree.assignments:
        if entry.item.programme not in series or entry.item.programme in programmes:
            continue
        if entry.item.is_action_plan:
            yield Problem(entry.file, "kind", "a workshop series has no action plan")
        for i, block in enumerate(entry.item.blocks):
            if isinstance(block, FeedbackRequestBlock):
                yield Problem(
                    entry.file,
                    f"blocks[{i}].type",
                    "feedback_request blocks are for programme assignments only",
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
