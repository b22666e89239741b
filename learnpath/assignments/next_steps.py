"""What a member should do next, truthfully: the list under "What's next" on the assignments
page, the manager's reflections page and the start page.

It holds the open (not handed in) work of every interval that has begun, and that of the
interval starting at the next session (work a member can already do, due after it), plus the
intake self-assessment while it is open and not taken (and the follow-up one in its window), all in deadline order (overdue first).
When the list is empty it says why: everything handed in, or the next work opens later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from learnpath.assignments.models import AssessmentMoment
from learnpath.assignments.queries import Cell, CellState, Timeline
from learnpath.assignments.selfassessment import Windows
from learnpath.cohorts.models import CohortSession
from learnpath.content.schema import Assignment

OPEN_STATES = (CellState.NOT_STARTED, CellState.DRAFT)


@dataclass(frozen=True)
class DueItem:
    """An assignment (``assignment`` set) or the intake self-assessment (``assignment`` None)."""

    assignment: Assignment | None
    cell: Cell | None
    due: datetime | None
    is_overdue: bool
    #: Which self-assessment (only when ``assignment`` is None).
    moment: AssessmentMoment = AssessmentMoment.START

    @property
    def is_self_assessment(self) -> bool:
        return self.assignment is None

    @property
    def is_follow_up(self) -> bool:
        return self.assignment is None and self.moment == AssessmentMoment.FOLLOW_UP


@dataclass(frozen=True)
class NextSteps:
    items: list[DueItem]
    #: Assignments not handed in that are not in ``items`` (their interval starts later).
    later: int
    #: Every assignment handed in (and no self-assessment waiting).
    all_done: bool

    def due_before(self, moment: datetime | None) -> list[DueItem]:
        """The items due before ``moment`` (all items when there is no moment), overdue ones
        and the intake self-assessment included."""
        if moment is None:
            return list(self.items)
        return [i for i in self.items if i.due is not None and i.due <= moment]


def next_steps(
    timeline: Timeline,
    now: datetime,
    windows: Windows | None = None,
    start_assessment_done: bool = True,
    follow_up_done: bool = True,
) -> NextSteps:
    """Build the list; ``windows`` and the self-assessments done only for the programme (the
    follow-up self-assessment is on the list while its window is open and it is not done)."""
    upcoming = timeline.next_session
    items: list[DueItem] = []
    later = 0
    open_work = 0
    for step in timeline.steps:
        begun = step.session is not None and step.session.starts_at <= now
        is_next = step.session is not None and upcoming is not None and step.session is upcoming
        for item in step.assignments:
            if item.assignment.is_action_plan or item.cell.state not in OPEN_STATES:
                continue
            open_work += 1
            if begun or is_next:
                items.append(
                    DueItem(item.assignment, item.cell, item.cell.due, item.cell.is_overdue)
                )
            else:
                later += 1
    waiting_assessment = (
        windows is not None
        and not start_assessment_done
        and windows.is_open(AssessmentMoment.START, now)
    )
    if waiting_assessment and windows is not None:
        items.append(DueItem(None, None, windows.start_closes_at, False))
    waiting_follow_up = (
        windows is not None
        and not follow_up_done
        and windows.is_open(AssessmentMoment.FOLLOW_UP, now)
    )
    if waiting_follow_up and windows is not None:
        items.append(
            DueItem(None, None, windows.follow_up_closes_at, False, AssessmentMoment.FOLLOW_UP)
        )
    items.sort(key=lambda i: (not i.is_overdue, i.due is None, i.due or now))
    return NextSteps(
        items, later, open_work == 0 and not waiting_assessment and not waiting_follow_up
    )


def timeline_sessions(timeline: Timeline) -> list[CohortSession]:
    """The planned sessions of a timeline (no query)."""
    return [step.session for step in timeline.steps if step.session is not None]
