"""Assignment reminders ("due in 48 hours", "overdue", "deadline changed"), computed each time
the job runs.

Like the session reminders nothing is stored ahead of time: the due moments follow the current
schedule and extensions, and each item's key makes it go out once. Rules:

- One boundary (``services.is_past_due``): up to and including the due moment the work is
  "due soon", strictly after it "overdue" (hand-in is on time at the due moment too).
- Work due before the member's seat started (promoted from the waitlist later) is catch-up
  work (``queries.is_catch_up``): shown on /opdrachten, never mailed as overdue.
- A deadline that derived from a cancelled session is paused ("deadline follows"): no due-soon
  or overdue mail, but one "the deadline of X has changed" per person and assignment. When a
  facilitator sets a date (an extension), the reminders follow that date.
- What falls due for one person goes out as one message (``notifications.digest``): the items
  of this run, plus due-soon items that would start within ``BUNDLE_WINDOW``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.assignments.models import CohortDeadline, Submission, SubmissionStatus
from learnpath.assignments.queries import due_before_seat
from learnpath.assignments.services import (
    assignment_link,
    assignments_of,
    base_due_moments,
    can_edit,
    effective_due,
    extensions_of,
    is_past_due,
    paused_deadlines,
    planned_due,
)
from learnpath.cohorts.models import Cohort, CohortSession, CohortStatus, Enrolment, EnrolmentStatus
from learnpath.content import Assignment
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.i18n import current_locale
from learnpath.notifications.digest import Reminder, queue_reminders
from learnpath.notifications.preferences import preferences_url
from learnpath.notifications.text import Deferred, names_list, relative_when

log = logging.getLogger(__name__)

#: Assignment reminders: "due soon" within this time before the due moment; "overdue" once,
#: within OVERDUE_WINDOW after it (later than that a nudge no longer helps).
DUE_SOON = timedelta(hours=48)
OVERDUE_WINDOW = timedelta(days=7)
#: A person who gets a reminder now also gets, in the same message, the due-soon reminders
#: that would start within this window (instead of one more mail a little later).
BUNDLE_WINDOW = timedelta(hours=3)


def assignment_reminder_key(kind: str, enrolment_id: int, slug: str, due: datetime) -> str:
    # The due moment is part of the "due soon" key: a rescheduled session moves it, and the
    # participant is then reminded of the new deadline. "Overdue" is sent once, whatever moves.
    if kind == "overdue":
        return f"reminder:assignment:overdue:{enrolment_id}:{slug}"
    return f"reminder:assignment:due_soon:{enrolment_id}:{slug}:{due.isoformat()}"


def paused_key(enrolment_id: int, slug: str, session_uid: str) -> str:
    """One "deadline changed" notice per person, assignment and cancelled session."""
    return f"reminder:assignment:deadline_paused:{enrolment_id}:{slug}:{session_uid}"


def _title(assignment: Assignment) -> str:
    return assignment.title.get(current_locale())


def _subject(kind: str, assignment: Assignment, due: datetime | None, user: User, now: datetime):
    if kind == "due_soon":
        assert due is not None
        return Deferred(
            lambda: _(
                'Reminder: "%(title)s" is due %(when)s',
                title=_title(assignment),
                when=relative_when(due, user, now),
            )
        )
    if kind == "overdue":
        return Deferred(lambda: _('"%(title)s" is past its due date', title=_title(assignment)))
    return Deferred(lambda: _('The deadline of "%(title)s" has changed', title=_title(assignment)))


def _digest_subject(items: Sequence[Reminder]) -> Deferred:
    return Deferred(
        lambda: _(
            "Reminder: %(count)s assignments (%(names)s)",
            count=len(items),
            names=names_list([_title(item.context["assignment"]) for item in items]),
        )
    )


def _kind(due: datetime, now: datetime) -> tuple[str, datetime] | None:
    """The reminder that applies to work due at ``due``, and the moment it starts."""
    if is_past_due(due, now):
        return ("overdue", due) if now < due + OVERDUE_WINDOW else None
    return "due_soon", due - DUE_SOON


def assignment_reminders(now: datetime | None = None) -> int:
    """Queue "due in 48 hours", "overdue" and "deadline changed" reminders for work not yet
    handed in; return how many messages were queued (a digest counts once).

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
    group: dict[int, dict[str, datetime]] = {cohort_id: {} for cohort_id in by_cohort}
    for cohort_id, slug, due_at in db.session.execute(
        select(
            CohortDeadline.cohort_id, CohortDeadline.assignment_slug, CohortDeadline.due_at
        ).where(CohortDeadline.cohort_id.in_(list(by_cohort)))
    ):
        group[cohort_id][slug] = due_at
    # (item, the moment it starts applying) per person
    candidates: dict[int, list[tuple[Reminder, datetime]]] = {}
    for cohort_id, cohort_sessions in by_cohort.items():
        cohort = cohort_sessions[0].cohort
        base = base_due_moments(cohort, content, cohort_sessions, group[cohort_id])
        paused = paused_deadlines(cohort, content, cohort_sessions, group[cohort_id])
        extensions = extensions_of(cohort_id)  # one query per active cohort, not per person
        assignments = [a for a in assignments_of(cohort, content) if not a.is_action_plan]
        for enrolment in (e for e in enrolments if e.cohort_id == cohort_id):
            for assignment in assignments:
                if (enrolment.id, assignment.slug) in handed_in:
                    continue
                due = effective_due(base, extensions, enrolment.id, assignment.slug)
                found = _paused_item(enrolment, assignment, due, paused.get(assignment.slug), now)
                if found is None:
                    found = _due_item(enrolment, assignment, due, now)
                if found is not None:
                    candidates.setdefault(enrolment.user_id, []).append(found)
    items = []
    for person in candidates.values():
        if min(start for _item, start in person) > now:
            continue  # nothing applies yet to this person
        items += [item for item, start in person if start <= now + BUNDLE_WINDOW]
    queued = queue_reminders(
        items,
        digest_kind="reminder.assignment.digest",
        digest_subject=_digest_subject,
        say_when=relative_when,
        now=now,
    )
    log.info("queued %s assignment reminder messages", queued)
    return queued


def _due_item(
    enrolment: Enrolment, assignment: Assignment, due: datetime | None, now: datetime
) -> tuple[Reminder, datetime] | None:
    """The due-soon or overdue item of one person's open assignment (None: nothing to say)."""
    if due is None or not can_edit(enrolment, assignment, due, now):
        return None
    if due_before_seat(enrolment, due):
        return None  # due before their seat started: catch-up work, shown, not mailed
    applies = _kind(due, now)
    if applies is None:
        return None
    kind, start = applies
    if kind == "due_soon" and start > now + BUNDLE_WINDOW:
        return None
    key = assignment_reminder_key(kind, enrolment.id, assignment.slug, due)
    return _reminder(key, kind, enrolment, assignment, due, now), start


def _paused_item(
    enrolment: Enrolment,
    assignment: Assignment,
    due: datetime | None,
    session: CohortSession | None,
    now: datetime,
) -> tuple[Reminder, datetime] | None:
    """The one "deadline changed" notice while the deadline waits for a date (None else)."""
    if due is not None or session is None or enrolment.status != EnrolmentStatus.ENROLLED:
        return None
    # Only for work the cancellation actually changed: its old deadline had not long passed,
    # and it was not catch-up work from before the member's seat.
    old_due = planned_due(assignment, session, ZoneInfo(enrolment.cohort.organisation.timezone))
    if now >= old_due + OVERDUE_WINDOW or due_before_seat(enrolment, old_due):
        return None
    key = paused_key(enrolment.id, assignment.slug, session.uid)
    return _reminder(key, "deadline_paused", enrolment, assignment, None, now), now


def _reminder(
    key: str,
    kind: str,
    enrolment: Enrolment,
    assignment: Assignment,
    due: datetime | None,
    now: datetime,
) -> Reminder:
    user = enrolment.user
    return Reminder(
        key=key,
        recipient=user,
        kind=f"reminder.assignment.{kind}",
        subject=_subject(kind, assignment, due, user, now),
        template="reminders/assignment",
        partial="reminders/_assignment_item",
        at=due or now,
        context={
            "reminder": kind,
            "assignment": assignment,
            "due": due,
            "now": now,
            "say_when": relative_when,
            "link": assignment_link(enrolment.cohort, assignment.slug),
            "preferences_link": preferences_url(user),
        },
    )
