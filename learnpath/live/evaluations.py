"""Invitations to a session's evaluation: when a session has ended, each person who attended
(joined in the window, or confirmed present) gets one mail, once, while it is open (7 days).
Attendance confirmed later is picked up by the next run. A fixed number of queries per run."""

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
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    CohortStatus,
    Enrolment,
    SessionStatus,
)
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.live.models import EvaluationReceipt, SessionJoin
from learnpath.live.services import EVALUATION_OPEN_FOR, MEMBER_STATUSES, evaluation_items
from learnpath.notifications.digest import Reminder, queue_reminders
from learnpath.notifications.text import Deferred, names_list
from learnpath.web.urls import external_url

log = logging.getLogger(__name__)

_LONGEST = timedelta(hours=12)


def _subject(session: CohortSession) -> Deferred:
    return Deferred(lambda: _("How was %(session)s?", session=session_name(session)))


def _digest_subject(items: Sequence[Reminder]) -> Deferred:
    return Deferred(
        lambda: _(
            "How were %(names)s?",
            names=names_list([session_name(item.context["session"]) for item in items]),
        )
    )


def attendees(sessions: Sequence[CohortSession]) -> dict[int, list[User]]:
    """Per session: the members who attended it (present, or joined and not marked otherwise)
    and have not answered. Four queries."""
    ids = [s.id for s in sessions]
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(
            Enrolment.cohort_id.in_({s.cohort_id for s in sessions}),
            Enrolment.status.in_(MEMBER_STATUSES),
        )
        .options(selectinload(Enrolment.user).selectinload(User.organisation))
    ).all()
    marks = {
        (row.session_id, row.user_id): row.status
        for row in db.session.execute(
            select(Attendance.session_id, Attendance.user_id, Attendance.status).where(
                Attendance.session_id.in_(ids)
            )
        )
    }
    joined = {
        (row[0], row[1])
        for row in db.session.execute(
            select(SessionJoin.session_id, SessionJoin.user_id).where(
                SessionJoin.session_id.in_(ids)
            )
        )
    }
    answered = {
        (row[0], row[1])
        for row in db.session.execute(
            select(EvaluationReceipt.session_id, EvaluationReceipt.user_id).where(
                EvaluationReceipt.session_id.in_(ids)
            )
        )
    }
    result: dict[int, list[User]] = {}
    for session in sessions:
        people = []
        for e in enrolments:
            key = (session.id, e.user_id)
            if e.cohort_id != session.cohort_id or key in answered:
                continue
            if (marks[key] == AttendanceStatus.PRESENT) if key in marks else key in joined:
                people.append(e.user)
        result[session.id] = people
    return result


def invite(now: datetime | None = None) -> int:
    """Queue the evaluation invitations not sent yet; return how many messages."""
    now = now or utcnow()
    content = get_content()
    sessions = [
        s
        for s in db.session.scalars(
            select(CohortSession)
            .join(Cohort, CohortSession.cohort_id == Cohort.id)
            .where(
                CohortSession.status == SessionStatus.SCHEDULED,
                Cohort.status == CohortStatus.ACTIVE,
                CohortSession.starts_at <= now,
                CohortSession.starts_at >= now - EVALUATION_OPEN_FOR - _LONGEST,
            )
            .options(selectinload(CohortSession.cohort).selectinload(Cohort.organisation))
        )
        if s.ends_at <= now < s.ends_at + EVALUATION_OPEN_FOR and evaluation_items(s, content)
    ]
    if not sessions:
        return 0
    people = attendees(sessions)
    items = []
    for session in sessions:
        link = external_url("live.evaluate", session_id=session.id)
        until = session.ends_at + EVALUATION_OPEN_FOR
        for user in people[session.id]:
            items.append(
                Reminder(
                    key=f"evaluation:session:{session.uid}:{user.id}",
                    recipient=user,
                    kind="live.evaluation",
                    subject=_subject(session),
                    template="live/evaluation",
                    partial="live/_evaluation_item",
                    at=session.ends_at,
                    context={"session": session, "link": link, "until": until},
                )
            )
    queued = queue_reminders(
        items, digest_kind="live.evaluation.digest", digest_subject=_digest_subject
    )
    log.info("queued %s evaluation invitations", queued)
    return queued
