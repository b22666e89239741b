"""Read models: the facilitator's progress matrix and the participant's timeline.

The matrix loads a whole cohort in a fixed number of queries (enrolments with users,
submissions, extensions, sessions, organisation), whatever the number of participants and
assignments.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from learnpath.accounts.models import User
from learnpath.assignments.models import Submission, SubmissionStatus
from learnpath.assignments.services import (
    WORKSPACE_STATUSES,
    assignments_of,
    base_due_moments,
    effective_due,
    extensions_of,
    group_deadlines_of,
    is_extended,
    is_past_due,
    paused_deadlines,
)
from learnpath.cohorts.models import Cohort, CohortSession, Enrolment
from learnpath.cohorts.queries import sessions_of
from learnpath.cohorts.tracks import track_of
from learnpath.content.schema import Assignment, Content, Text
from learnpath.extensions import db


class CellState(enum.StrEnum):
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    LATE = "late"
    REVIEWED = "reviewed"
    #: The action plan has its own builder; it is not handed in here.
    ACTION_PLAN = "action_plan"


@dataclass(frozen=True)
class Cell:
    state: CellState
    due: datetime | None
    #: Not handed in and past the due moment.
    is_overdue: bool
    is_extended: bool
    submission_id: int | None
    #: The session the due moment derived from was cancelled: "deadline follows".
    deadline_paused: bool = False


def cell_state(status: SubmissionStatus | None, is_late: bool) -> CellState:
    if status is None:
        return CellState.NOT_STARTED
    if status == SubmissionStatus.DRAFT:
        return CellState.DRAFT
    if status == SubmissionStatus.REVIEWED:
        return CellState.REVIEWED
    return CellState.LATE if is_late else CellState.SUBMITTED


@dataclass
class Row:
    enrolment: Enrolment
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Matrix:
    assignments: list[Assignment]
    rows: list[Row]
    sessions: list[CohortSession]


def _cell(
    assignment: Assignment,
    found: tuple[int, SubmissionStatus, bool] | None,
    due: datetime | None,
    is_extended: bool,
    now: datetime,
    paused: bool = False,
) -> Cell:
    if assignment.is_action_plan:
        return Cell(CellState.ACTION_PLAN, due, False, False, None)
    submission_id, status, is_late = found if found else (None, None, False)
    state = cell_state(status, is_late)
    overdue = state in (CellState.NOT_STARTED, CellState.DRAFT) and is_past_due(due, now)
    return Cell(state, due, overdue, is_extended, submission_id, paused and due is None)


def progress_matrix(cohort: Cohort, content: Content, now: datetime) -> Matrix:
    """Participants × assignments with their state, in a constant number of queries."""
    assignments = assignments_of(cohort, content)
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Enrolment.user)
        .options(contains_eager(Enrolment.user))
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(WORKSPACE_STATUSES))
        .order_by(User.name, User.id)
    ).all()
    found = {
        (r.enrolment_id, r.assignment_slug): (r.id, r.status, r.is_late)
        for r in db.session.execute(
            select(
                Submission.id,
                Submission.enrolment_id,
                Submission.assignment_slug,
                Submission.status,
                Submission.is_late,
            ).where(Submission.cohort_id == cohort.id)
        )
    }
    extensions = extensions_of(cohort.id)
    sessions = sessions_of(cohort)
    group = group_deadlines_of(cohort.id)
    base = base_due_moments(cohort, content, sessions, group)
    paused = paused_deadlines(cohort, content, sessions, group)
    rows = []
    for enrolment in enrolments:
        row = Row(enrolment)
        for a in assignments:
            key = (enrolment.id, a.slug)
            due = effective_due(base, extensions, enrolment.id, a.slug)
            extended = is_extended(base, extensions, enrolment.id, a.slug)
            cell = _cell(a, found.get(key), due, extended, now, a.slug in paused)
            row.cells.append(cell)
        rows.append(row)
    return Matrix(assignments, rows, sessions)


@dataclass(frozen=True)
class TimelineAssignment:
    assignment: Assignment
    cell: Cell


@dataclass(frozen=True)
class TimelineStep:
    """A session (or meeting) and the assignments of the interval that follows it."""

    session_slug: str
    #: The slot's name from content (None for a slot without one).
    name: Text | None
    session: CohortSession | None
    assignments: list[TimelineAssignment]


@dataclass(frozen=True)
class Timeline:
    steps: list[TimelineStep]
    next_session: CohortSession | None
    #: Open assignments (not handed in), earliest due first; overdue ones first of all.
    #: Catch-up work (see ``catch_up``) is not among them.
    open_items: list[TimelineAssignment]
    #: Open work that was due before the member's seat started ("Inhaalwerk"): shown, never
    #: mailed as overdue. Earliest due first.
    catch_up: list[TimelineAssignment] = field(default_factory=list)


def due_before_seat(enrolment: Enrolment, due: datetime | None) -> bool:
    """Whether a due moment lies before the member's seat started (e.g. promoted from the
    waitlist after it)."""
    return due is not None and enrolment.enrolled_at is not None and due < enrolment.enrolled_at


def is_catch_up(enrolment: Enrolment, cell: Cell) -> bool:
    """Open work due before the member's seat started: catch-up work, not overdue work to
    remind them of."""
    return cell.state in (CellState.NOT_STARTED, CellState.DRAFT) and due_before_seat(
        enrolment, cell.due
    )


def timeline(enrolment: Enrolment, content: Content, now: datetime) -> Timeline:
    """The member's sessions and assignments in the order of the track plan, with what's next."""
    cohort = enrolment.cohort
    sessions = sessions_of(cohort)
    by_slug = {s.blueprint_slug: s for s in sessions}
    group = group_deadlines_of(cohort.id)
    base = base_due_moments(cohort, content, sessions, group)
    paused = paused_deadlines(cohort, content, sessions, group)
    extensions = {k: v for k, v in extensions_of(cohort.id).items() if k[0] == enrolment.id}
    found = {
        r.assignment_slug: (r.id, r.status, r.is_late)
        for r in db.session.execute(
            select(
                Submission.id, Submission.assignment_slug, Submission.status, Submission.is_late
            ).where(Submission.enrolment_id == enrolment.id)
        )
    }
    items: dict[str, list[TimelineAssignment]] = {}
    for a in assignments_of(cohort, content):
        due = effective_due(base, extensions, enrolment.id, a.slug)
        extended = is_extended(base, extensions, enrolment.id, a.slug)
        cell = _cell(a, found.get(a.slug), due, extended, now, a.slug in paused)
        items.setdefault(a.after_session, []).append(TimelineAssignment(a, cell))
    steps = [
        TimelineStep(slot.slug, slot.name, by_slug.get(slot.slug), items.get(slot.slug, []))
        for slot in track_of(cohort).plan(cohort).slots
    ]
    upcoming = [s for s in sessions if not s.is_cancelled and s.ends_at > now]
    # What's next: open work of intervals that have begun (their session has started).
    open_items = [
        item
        for step in steps
        if step.session is not None and step.session.starts_at <= now
        for item in step.assignments
        if item.cell.state in (CellState.NOT_STARTED, CellState.DRAFT)
        and not is_catch_up(enrolment, item.cell)
    ]
    open_items.sort(key=lambda i: (not i.cell.is_overdue, i.cell.due is None, i.cell.due or now))
    catch_up = [
        item
        for step in steps
        for item in step.assignments
        if not item.assignment.is_action_plan and is_catch_up(enrolment, item.cell)
    ]
    catch_up.sort(key=lambda i: i.cell.due or now)
    return Timeline(steps, upcoming[0] if upcoming else None, open_items, catch_up)
