"""Session reminders, computed from the current schedule each time the job runs.

Nothing is stored ahead of time, so a rescheduled session is reminded at its new time only
and a cancelled or past session never. Each reminder's idempotency key contains the session's
UID and SEQUENCE; the outbox's unique constraint on that key makes two schedulers running at
once queue it exactly once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.cohorts.models import (
    Cohort,
    CohortSession,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
)
from learnpath.cohorts.tracks import track_of
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.preferences import preferences_url
from learnpath.notifications.services import not_yet_queued, queue_message
from learnpath.web.urls import external_url

log = logging.getLogger(__name__)

#: (name, how long before the start); the nearest one that applies is sent.
SESSION_REMINDERS = (("1h", timedelta(hours=1)), ("24h", timedelta(hours=24)))


def reminder_key(kind: str, session: CohortSession, user_id: int) -> str:
    return f"reminder:session:{kind}:{session.uid}:{session.sequence}:{user_id}"


def due_kind(session: CohortSession, now: datetime) -> str | None:
    """The reminder that applies now: '1h' in the last hour, '24h' in the day before."""
    if session.starts_at <= now:
        return None
    for kind, before in SESSION_REMINDERS:
        if session.starts_at - before <= now:
            return kind
    return None


def session_reminders(now: datetime | None = None) -> int:
    """Queue the session reminders that are due; return how many were queued."""
    now = now or utcnow()
    horizon = now + max(before for _, before in SESSION_REMINDERS)
    sessions = db.session.scalars(
        select(CohortSession)
        .join(Cohort, CohortSession.cohort_id == Cohort.id)
        .where(
            CohortSession.status == SessionStatus.SCHEDULED,
            Cohort.status == CohortStatus.ACTIVE,
            CohortSession.starts_at > now,
            CohortSession.starts_at <= horizon,
        )
        .options(selectinload(CohortSession.cohort))
    ).all()
    if not sessions:
        return 0
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(User, Enrolment.user_id == User.id)
        .where(
            Enrolment.cohort_id.in_({s.cohort_id for s in sessions}),
            Enrolment.status == EnrolmentStatus.ENROLLED,
            User.wants_session_reminders.is_(True),
        )
        .options(selectinload(Enrolment.user).selectinload(User.organisation))
    ).all()
    wanted = {
        reminder_key(kind, s, e.user_id): (kind, s, e.user)
        for s in sessions
        if (kind := due_kind(s, now))
        for e in enrolments
        if e.cohort_id == s.cohort_id
    }
    queued = 0
    for key in not_yet_queued(wanted):
        kind, session, user = wanted[key]
        link = external_url(track_of(session.cohort).home_endpoint)
        subject = (
            _l("Reminder: your session starts in an hour")
            if kind == "1h"
            else _l("Reminder: your session is tomorrow")
        )
        message = queue_message(
            f"reminder.session.{kind}",
            user,
            subject,
            "reminders/session",
            idempotency_key=key,
            session=session,
            reminder=kind,
            link=link,
            preferences_link=preferences_url(user),
        )
        queued += message is not None
    log.info("queued %s session reminders", queued)
    return queued
