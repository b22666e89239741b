"""Assignment reminders ("due in 48 hours", "overdue"), computed each time the job runs.

Like the session reminders nothing is stored ahead of time: the due moments follow the current
schedule and extensions, and each reminder's idempotency key makes it go out once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.assignments.models import Submission, SubmissionStatus
from learnpath.assignments.services import (
    assignment_link,
    assignments_of,
    base_due_moments,
    can_edit,
    effective_due,
    extensions_of,
)
from learnpath.cohorts.models import Cohort, CohortSession, CohortStatus, Enrolment, EnrolmentStatus
from learnpath.content import Assignment
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.preferences import preferences_url
from learnpath.notifications.services import not_yet_queued, queue_message

log = logging.getLogger(__name__)

#: Assignment reminders: "due soon" within this time before the due moment; "overdue" once,
#: within OVERDUE_WINDOW after it (later than that a nudge no longer helps).
DUE_SOON = timedelta(hours=48)
OVERDUE_WINDOW = timedelta(days=7)


def assignment_reminder_key(kind: str, enrolment_id: int, slug: str, due: datetime) -> str:
    # The due moment is part of the "due soon" key: a rescheduled session moves it, and the
    # participant is then reminded of the new deadline. "Overdue" is sent once, whatever moves.
    if kind == "overdue":
        return f"reminder:assignment:overdue:{enrolment_id}:{slug}"
    return f"reminder:assignment:due_soon:{enrolment_id}:{slug}:{due.isoformat()}"


def assignment_reminders(now: datetime | None = None) -> int:
    """Queue "due in 48 hours" and "overdue" reminders for work not yet handed in.

    Covers every cohort whose track has assignments: participant programmes and the
    reflections of manager workshop groups (the link goes to the member's own page).
    """
    now = now or utcnow()
    content = get_content()
    # A reflection can be due days after its (last) session: look back that much further.
    after = max((a.due_days_after_session or 0 for a in content.assignments.values()), default=0)
    lookback = OVERDUE_WINDOW + timedelta(days=after)
    sessions = db.session.scalars(
        select(CohortSession)
        .join(Cohort, CohortSession.cohort_id == Cohort.id)
        .where(Cohort.status == CohortStatus.ACTIVE)
        .where(
            CohortSession.cohort_id.in_(
                select(CohortSession.cohort_id).where(CohortSession.starts_at > now - lookback)
            )
        )
        .options(selectinload(CohortSession.cohort).selectinload(Cohort.organisation))
    ).all()
    by_cohort: dict[int, list[CohortSession]] = {}
    for session in sessions:
        by_cohort.setdefault(session.cohort_id, []).append(session)
    if not by_cohort:
        return 0
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(User, Enrolment.user_id == User.id)
        .where(
            Enrolment.cohort_id.in_(list(by_cohort)),
            # Completed members may still owe the reflection after the last meeting.
            Enrolment.status.in_((EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)),
            User.wants_assignment_reminders.is_(True),
        )
        .options(selectinload(Enrolment.user).selectinload(User.organisation))
    ).all()
    handed_in = {
        (enrolment_id, slug)
        for enrolment_id, slug in db.session.execute(
            select(Submission.enrolment_id, Submission.assignment_slug).where(
                Submission.cohort_id.in_(list(by_cohort)),
                Submission.status != SubmissionStatus.DRAFT,
            )
        )
    }
    wanted: dict[str, tuple[str, Enrolment, Assignment, datetime]] = {}
    for cohort_id, cohort_sessions in by_cohort.items():
        cohort = cohort_sessions[0].cohort
        base = base_due_moments(cohort, content, cohort_sessions)
        extensions = extensions_of(cohort_id)  # one query per active cohort, not per person
        assignments = [a for a in assignments_of(cohort, content) if not a.is_action_plan]
        for enrolment in (e for e in enrolments if e.cohort_id == cohort_id):
            for assignment in assignments:
                due = effective_due(base, extensions, enrolment.id, assignment.slug)
                if due is None or (enrolment.id, assignment.slug) in handed_in:
                    continue
                if not can_edit(enrolment, assignment, due, now):
                    continue
                if due - DUE_SOON <= now < due:
                    kind = "due_soon"
                elif due <= now < due + OVERDUE_WINDOW:
                    kind = "overdue"
                else:
                    continue
                key = assignment_reminder_key(kind, enrolment.id, assignment.slug, due)
                wanted[key] = (kind, enrolment, assignment, due)
    queued = 0
    for key in not_yet_queued(wanted):
        kind, enrolment, assignment, due = wanted[key]
        subject = (
            _l("Reminder: an assignment is due soon")
            if kind == "due_soon"
            else _l("Your assignment is past its due date")
        )
        message = queue_message(
            f"reminder.assignment.{kind}",
            enrolment.user,
            subject,
            "reminders/assignment",
            idempotency_key=key,
            reminder=kind,
            assignment=assignment,
            due=due,
            link=assignment_link(enrolment.cohort, assignment.slug),
            preferences_link=preferences_url(enrolment.user),
        )
        queued += message is not None
    log.info("queued %s assignment reminders", queued)
    return queued
