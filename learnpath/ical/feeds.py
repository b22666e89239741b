"""Subscription feeds: which sessions a token shows, and the feed's bytes, ETag and date.

The number of SQL queries per feed is constant: the token comes with its user, and the
sessions come in one query with their cohort and organisation joined and the facilitators
loaded in one more (selectin), whatever the number of sessions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from learnpath.accounts.models import Role, User
from learnpath.action_plans.models import ActionPlan, Conversation, PlanShare
from learnpath.cohorts.models import (
    SEAT_STATUSES,
    Cohort,
    CohortSession,
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
    cohort_facilitators,
)
from learnpath.extensions import db
from learnpath.ical.builder import feed_ics
from learnpath.ical.conversations import conversation_event
from learnpath.ical.events import event_data
from learnpath.ical.models import CalendarToken
from learnpath.ical.services import resolve

#: Enrolments whose cohort's sessions are in the participant's feed: a seat (also an offered
#: seat or one waiting for approval), or a finished programme (its past sessions stay).
#: Withdrawn and dropped-out participants lose the sessions (F13).
FEED_STATUSES = SEAT_STATUSES | {EnrolmentStatus.COMPLETED}
#: A cancelled session stays in feeds, marked as cancelled, until this long after its start (F13).
KEEP_CANCELLED = timedelta(days=30)


@dataclass(frozen=True)
class Feed:
    body: bytes
    #: Strong validator over the body (F11).
    etag: str
    last_modified: datetime


def _sessions(where: ColumnElement[bool], now: datetime) -> Select[CohortSession]:
    return (
        select(CohortSession)
        .where(
            where,
            or_(
                CohortSession.status == SessionStatus.SCHEDULED,
                CohortSession.starts_at > now - KEEP_CANCELLED,
            ),
        )
        .options(
            joinedload(CohortSession.cohort).options(
                joinedload(Cohort.organisation), selectinload(Cohort.facilitators)
            )
        )
        .order_by(CohortSession.starts_at, CohortSession.id)
    )


def personal_sessions(user: User, now: datetime) -> list[CohortSession]:
    """Sessions of the cohorts where the user has a seat (or finished), or facilitates."""
    seated = select(Enrolment.cohort_id).where(
        Enrolment.user_id == user.id, Enrolment.status.in_(FEED_STATUSES)
    )
    facilitated = select(cohort_facilitators.c.cohort_id).where(
        cohort_facilitators.c.user_id == user.id
    )
    where = or_(CohortSession.cohort_id.in_(seated), CohortSession.cohort_id.in_(facilitated))
    return list(db.session.scalars(_sessions(where, now)).unique())


def personal_conversations(user: User) -> list[Conversation]:
    """Agreed career conversations the user takes part in (as participant or as manager),
    while the plan is still shared."""
    return list(
        db.session.scalars(
            select(Conversation)
            .join(PlanShare, Conversation.share_id == PlanShare.id)
            .join(ActionPlan, PlanShare.plan_id == ActionPlan.id)
            .where(
                Conversation.starts_at.is_not(None),
                PlanShare.revoked_at.is_(None),
                or_(ActionPlan.user_id == user.id, PlanShare.manager_id == user.id),
            )
            .options(
                joinedload(Conversation.share).options(
                    joinedload(PlanShare.manager),
                    joinedload(PlanShare.plan)
                    .joinedload(ActionPlan.user)
                    .joinedload(User.organisation),
                )
            )
            .order_by(Conversation.starts_at)
        ).unique()
    )


def cohort_sessions(cohort_id: int, now: datetime) -> list[CohortSession]:
    """All sessions of one cohort (cancelled ones for a while)."""
    return list(db.session.scalars(_sessions(CohortSession.cohort_id == cohort_id, now)).unique())


def facilitates(user: User, cohort_id: int) -> bool:
    """Whether the user is (still) a facilitator of the cohort."""
    if Role.FACILITATOR not in user.roles:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    cohort_facilitators.c.cohort_id == cohort_id,
                    cohort_facilitators.c.user_id == user.id,
                )
            )
        )
    )


def _cohort(cohort_id: int) -> Cohort | None:
    return db.session.get(Cohort, cohort_id, options=[joinedload(Cohort.organisation)])


def _render(
    token: CalendarToken,
    name: str,
    zone: str,
    sessions: list[CohortSession],
    now: datetime,
    conversations: Sequence[Conversation] = (),
) -> Feed:
    with force_locale(token.user.locale):
        events = [event_data(s, mark_cancelled=True) for s in sessions]
        events += [conversation_event(c) for c in conversations]
        body = feed_ics(f"learnpath – {name}", zone, events, now.year)
    changes = [token.updated_at, *(s.changed_at for s in sessions)]
    changes += [s.cohort.updated_at for s in sessions]
    changes += [c.updated_at for c in conversations]
    return Feed(
        body=body,
        etag=hashlib.sha256(body).hexdigest()[:32],
        last_modified=max(changes),
    )


def feed_for(token: CalendarToken, now: datetime) -> Feed | None:
    """The feed a token stands for, or None when it no longer gives access."""
    user = token.user
    if not user.is_active_account:
        return None
    if token.is_personal:
        with force_locale(user.locale):
            name = _("my sessions")
        sessions = personal_sessions(user, now)
        conversations = personal_conversations(user)
        return _render(token, name, user.organisation.timezone, sessions, now, conversations)
    if token.cohort_id is None or not facilitates(user, token.cohort_id):
        return None
    cohort = _cohort(token.cohort_id)
    if cohort is None:
        return None
    sessions = cohort_sessions(cohort.id, now)
    return _render(token, cohort.name, cohort.organisation.timezone, sessions, now)


def feed_for_token(token: str, now: datetime) -> Feed | None:
    """Resolve a token from a feed URL and build its feed; None means 404."""
    row = resolve(token)
    return None if row is None else feed_for(row, now)
