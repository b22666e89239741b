"""Open work of many members at once, for the start pages (a fixed number of queries for any
number of members and cohorts): which assignments are not handed in, and when they are due."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from learnpath.assignments.models import (
    CohortDeadline,
    DeadlineExtension,
    Submission,
    SubmissionStatus,
)
from learnpath.assignments.services import assignments_of, base_due_moments, effective_due
from learnpath.cohorts.models import CohortSession, Enrolment
from learnpath.content.schema import Assignment, Content
from learnpath.extensions import db


@dataclass(frozen=True)
class OpenWork:
    enrolment: Enrolment
    assignment: Assignment
    due: datetime | None

    def is_overdue(self, now: datetime) -> bool:
        return self.due is not None and now > self.due


def open_work(
    enrolments: Sequence[Enrolment], content: Content, sessions: Sequence[CohortSession]
) -> list[OpenWork]:
    """Every assignment (not the action plan) each enrolment has not handed in, with its due
    moment (an extension included); ``sessions`` are the planned sessions of their cohorts, and
    each enrolment's cohort (with its organisation) must be loaded already."""
    if not enrolments:
        return []
    ids = [e.id for e in enrolments]
    handed_in = {
        (enrolment_id, slug)
        for enrolment_id, slug in db.session.execute(
            select(Submission.enrolment_id, Submission.assignment_slug).where(
                Submission.enrolment_id.in_(ids), Submission.status != SubmissionStatus.DRAFT
            )
        )
    }
    extensions = {
        (r.enrolment_id, r.assignment_slug): r.due_at
        for r in db.session.execute(
            select(
                DeadlineExtension.enrolment_id,
                DeadlineExtension.assignment_slug,
                DeadlineExtension.due_at,
            ).where(DeadlineExtension.enrolment_id.in_(ids))
        )
    }
    by_cohort: dict[int, list[CohortSession]] = defaultdict(list)
    for s in sessions:
        by_cohort[s.cohort_id].append(s)
    group: dict[int, dict[str, datetime]] = defaultdict(dict)
    for cohort_id, slug, due_at in db.session.execute(
        select(
            CohortDeadline.cohort_id, CohortDeadline.assignment_slug, CohortDeadline.due_at
        ).where(CohortDeadline.cohort_id.in_({e.cohort_id for e in enrolments}))
    ):
        group[cohort_id][slug] = due_at
    bases: dict[int, dict[str, datetime | None]] = {}
    result = []
    for enrolment in enrolments:
        cohort = enrolment.cohort
        if cohort.id not in bases:
            bases[cohort.id] = base_due_moments(
                cohort, content, by_cohort[cohort.id], group[cohort.id]
            )
        for a in assignments_of(cohort, content):
            if a.is_action_plan or (enrolment.id, a.slug) in handed_in:
                continue
            due = effective_due(bases[cohort.id], extensions, enrolment.id, a.slug)
            result.append(OpenWork(enrolment, a, due))
    return result
