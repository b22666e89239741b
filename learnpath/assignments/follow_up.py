"""The invitation to the follow-up self-assessment (3 to 6 months after the last session).

When a cohort's follow-up window opens (``selfassessment.windows``), each member who took
part to the end or is still enrolled, and has not filled it in, gets one mail with the link
(``notifications.digest``, keyed per enrolment, so a second scheduler or a second run sends
nothing more). The start page and /opdrachten show the same invitation while it is open
(``next_steps``). A constant number of queries per run, whatever the number of cohorts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.assignments import selfassessment
from learnpath.assignments.models import AssessmentMoment, SelfAssessment
from learnpath.cohorts.models import (
    Cohort,
    CohortKind,
    CohortSession,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
)
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.digest import Reminder, queue_reminders
from learnpath.notifications.preferences import preferences_url
from learnpath.notifications.text import Deferred
from learnpath.web.urls import external_url

log = logging.getLogger(__name__)

MEMBERS = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


def invitation_key(enrolment_id: int) -> str:
    return f"invitation:self_assessment:follow_up:{enrolment_id}"


def follow_up_invitations(now: datetime | None = None) -> int:
    """Queue the invitations of every follow-up window open now; return the messages."""
    now = now or utcnow()
    content = get_content()
    inst = content.instruments.get(selfassessment.INSTRUMENT_SLUG)
    if inst is None or inst.follow_up_months is None:
        return 0
    opens, closes = inst.follow_up_months
    # cohorts whose last session could lie in the window (months of 28 to 31 days)
    recent = select(CohortSession.cohort_id).where(
        CohortSession.starts_at > now - timedelta(days=31 * closes + 1),
        CohortSession.starts_at < now - timedelta(days=28 * opens - 1),
    )
    sessions = db.session.scalars(
        select(CohortSession)
        .join(Cohort, CohortSession.cohort_id == Cohort.id)
        .where(
            Cohort.status == CohortStatus.ACTIVE,
            Cohort.kind == CohortKind.PROGRAMME,
            CohortSession.cohort_id.in_(recent),
        )
        .options(selectinload(CohortSession.cohort).selectinload(Cohort.organisation))
    ).all()
    by_cohort: dict[int, list[CohortSession]] = {}
    for session in sessions:
        by_cohort.setdefault(session.cohort_id, []).append(session)
    open_cohorts = {
        cohort_id: window
        for cohort_id, group in by_cohort.items()
        if (window := selfassessment.windows(group[0].cohort, content, group)).is_open(
            AssessmentMoment.FOLLOW_UP, now
        )
    }
    if not open_cohorts:
        return 0
    done = set(
        db.session.execute(
            select(SelfAssessment.user_id, SelfAssessment.cohort_id).where(
                SelfAssessment.cohort_id.in_(list(open_cohorts)),
                SelfAssessment.moment == AssessmentMoment.FOLLOW_UP,
            )
        ).all()
    )
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(User, Enrolment.user_id == User.id)
        .where(
            Enrolment.cohort_id.in_(list(open_cohorts)),
            Enrolment.status.in_(MEMBERS),
            User.wants_assignment_reminders.is_(True),
        )
        .options(selectinload(Enrolment.user))
    ).all()
    link = external_url("assignments.take_self_assessment", moment="follow_up")
    items = [
        _invitation(e, open_cohorts[e.cohort_id].follow_up_closes_at or now, link)
        for e in enrolments
        if (e.user_id, e.cohort_id) not in done
    ]
    queued = queue_reminders(
        items,
        digest_kind="invitation.self_assessment.follow_up",
        digest_subject=_digest_subject,
        now=now,
    )
    log.info("queued %s follow-up self-assessment invitations", queued)
    return queued


def _digest_subject(items: Sequence[Reminder]) -> Deferred:
    return Deferred(lambda: _("Fill in the self-assessment once more"))


def _invitation(enrolment: Enrolment, closes_at: datetime, link: str) -> Reminder:
    user = enrolment.user
    return Reminder(
        key=invitation_key(enrolment.id),
        recipient=user,
        kind="invitation.self_assessment.follow_up",
        subject=Deferred(lambda: _("Fill in the self-assessment once more")),
        template="assignments/follow_up_self_assessment",
        partial="assignments/_follow_up_self_assessment_item",
        at=closes_at,
        context={
            "closes_at": closes_at,
            "link": link,
            "preferences_link": preferences_url(user),
        },
    )
