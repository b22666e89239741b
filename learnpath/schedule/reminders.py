"""Session reminders, computed from the current schedule each time the job runs.

Nothing is stored ahead of time, so a rescheduled session is reminded at its new time only
and a cancelled or past session never. Each reminder is keyed by the session's UID and its
*start time* (not its SEQUENCE): a move re-arms the reminders, a change that does not move the
session (a new meeting link, other notes) does not send them again. The wording follows the
actual distance in the reader's zone and language ("today at 09:00", "tomorrow at 09:30").
Items are queued through ``notifications.digest``: one message per person per run, each item
marked once, so two schedulers running at once queue it exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.cohorts.filters import session_name
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
from learnpath.live.services import absence_url
from learnpath.notifications.digest import Reminder, queue_reminders
from learnpath.notifications.preferences import preferences_url
from learnpath.notifications.text import Deferred, names_list, relative_when
from learnpath.web.urls import external_url

log = logging.getLogger(__name__)

#: (name, how long before the start); the nearest one that applies is sent.
SESSION_REMINDERS = (("1h", timedelta(hours=1)), ("24h", timedelta(hours=24)))


def reminder_key(kind: str, session: CohortSession, user_id: int) -> str:
    """One reminder per kind, session, start time and person (a move re-arms it)."""
    start = session.starts_at.strftime("%Y%m%dT%H%M%SZ")
    return f"reminder:session:{kind}:{session.uid}:{start}:{user_id}"


def due_kind(session: CohortSession, now: datetime) -> str | None:
    """The reminder that applies now: '1h' in the last hour, '24h' in the day before."""
    if session.starts_at <= now:
        return None
    for kind, before in SESSION_REMINDERS:
        if session.starts_at - before <= now:
            return kind
    return None


def _subject(session: CohortSession, user: User, now: datetime) -> Deferred:
    return Deferred(
        lambda: _(
            "Reminder: %(session)s, %(when)s",
            session=session_name(session),
            when=relative_when(session.starts_at, user, now),
        )
    )


def _digest_subject(items: Sequence[Reminder]) -> Deferred:
    return Deferred(
        lambda: _(
            "Reminder: %(count)s sessions (%(names)s)",
            count=len(items),
            names=names_list([session_name(item.context["session"]) for item in items]),
        )
    )


def session_reminders(now: datetime | None = None) -> int:
    """Queue the session reminders that are due; return how many messages were queued."""
    now = now or utcnow()
    horizon = now + max(before for _kind, before in SESSION_REMINDERS)
    sessions = db.session.scalars(
        select(CohortSession)
        .join(Cohort, CohortSession.cohort_id == Cohort.id)
        .where(
            CohortSession.status == SessionStatus.SCHEDULED,
            Cohort.status == CohortStatus.ACTIVE,
            CohortSession.starts_at > now,
            CohortSession.starts_at <= horizon,
        )
        .options(selectinload(CohortSession.cohort).selectinload(Cohort.organisation))
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
    items = []
    for session in sessions:
        kind = due_kind(session, now)
        if kind is None:
            continue
        link = external_url(track_of(session.cohort).home_endpoint)
        for enrolment in (e for e in enrolments if e.cohort_id == session.cohort_id):
            user = enrolment.user
            items.append(
                Reminder(
                    key=reminder_key(kind, session, user.id),
                    recipient=user,
                    kind=f"reminder.session.{kind}",
                    subject=_subject(session, user, now),
                    template="reminders/session",
                    partial="reminders/_session_item",
                    at=session.starts_at,
                    context={
                        "session": session,
                        "reminder": kind,
                        "link": link,
                        "join_link": external_url("live.join", session_id=session.id),
                        "absence_link": absence_url(session, user),
                        "say_when": relative_when,
                        "now": now,
                        "preferences_link": preferences_url(user),
                    },
                )
            )
    queued = queue_reminders(
        items,
        digest_kind="reminder.session.digest",
        digest_subject=_digest_subject,
        say_when=relative_when,
        now=now,
    )
    log.info("queued %s session reminder messages", queued)
    return queued
