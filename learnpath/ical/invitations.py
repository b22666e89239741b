"""Email invitations (iMIP): one message per recipient per session, queued in the outbox.

- enrolled (also after promotion, confirmation or approval): a REQUEST per planned session;
- sessions planned or changed: a REQUEST per session to every enrolled participant (M7: same
  UID, the SEQUENCE the schedule service already raised);
- session or cohort cancelled: a CANCEL with STATUS:CANCELLED to every enrolled participant (M8);
- withdrawn, dropped out or moved: a CANCEL without STATUS to that person only (M9), for the
  future sessions they were invited to.

Only enrolled participants get invitations: a seat that is offered or waiting for the manager
is not confirmed yet, and an invitation would put it in their calendar (their feed shows it).
Facilitators organise the sessions and use the cohort feed instead (M6).

Idempotency keys are ``ical:<uid>:<sequence>:<METHOD>:<user id>``: a retried change never
queues twice. What each person was last sent for a session is read from those keys, so a
message is skipped when it would repeat it, and a CANCEL for a withdrawal only goes to people
who hold an invitation. If someone withdraws and comes back without the session changing in
between, the new REQUEST gets a ``:<n>`` suffix (the plain key is taken).
"""

from __future__ import annotations

import enum
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.cohorts.models import (
    Cohort,
    CohortSession,
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
)
from learnpath.cohorts.queries import seat_holders
from learnpath.cohorts.tracks import track_of
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.ical import discreet
from learnpath.ical.builder import Person, invitation_ics
from learnpath.ical.events import event_data, session_title
from learnpath.notifications.models import OutboxMessage
from learnpath.notifications.services import queue_message
from learnpath.timefmt import for_user
from learnpath.web.urls import external_url

log = logging.getLogger(__name__)

REQUEST = "REQUEST"
CANCEL = "CANCEL"


class Reason(enum.StrEnum):
    """Why a message goes out; chooses its METHOD, STATUS and wording."""

    NEW = "new"
    UPDATED = "updated"
    CANCELLED = "cancelled"
    WITHDRAWN = "withdrawn"

    @property
    def method(self) -> str:
        return CANCEL if self in (Reason.CANCELLED, Reason.WITHDRAWN) else REQUEST


History = dict[tuple[str, int], list[str]]


def _key(session: CohortSession, method: str, user_id: int) -> str:
    return f"ical:{session.uid}:{session.sequence}:{method}:{user_id}"


def _history(sessions: Sequence[CohortSession], user_ids: Iterable[int]) -> History:
    """Keys of the iMIP messages already queued, per (session uid, user), oldest first."""
    ids = list(user_ids)
    if not sessions or not ids:
        return {}
    prefixes = [f"ical:{s.uid}:" for s in sessions]
    rows = db.session.execute(
        select(OutboxMessage.recipient_user_id, OutboxMessage.idempotency_key)
        .where(
            OutboxMessage.recipient_user_id.in_(ids),
            or_(*(OutboxMessage.idempotency_key.startswith(p, autoescape=True) for p in prefixes)),
        )
        .order_by(OutboxMessage.id)
    )
    history: History = defaultdict(list)
    for user_id, key in rows:
        if key is not None and user_id is not None:
            history[(key.split(":", 2)[1], user_id)].append(key)
    return history


def _state(key: str) -> tuple[int, str]:
    """(sequence, METHOD) of a key ``ical:<uid>:<seq>:<METHOD>:<user>[:n]``."""
    parts = key.split(":")
    return int(parts[2]), parts[3]


def _next_key(session: CohortSession, reason: Reason, user_id: int, history: History) -> str | None:
    """The key for this message, or None when it must not be sent."""
    past = history.get((session.uid, user_id), [])
    method = reason.method
    if past and _state(past[-1]) == (session.sequence, method):
        return None  # already sent exactly this
    if reason == Reason.WITHDRAWN and (not past or _state(past[-1])[1] != REQUEST):
        return None  # nothing in their calendar to take out
    key = _key(session, method, user_id)
    return key if key not in past else f"{key}:{len(past) + 1}"


def _sender() -> str:
    return parseaddr(current_app.config["MAIL_FROM"])[1]


def _subject(reason: Reason, title: str, when: str) -> str:
    # One literal msgid per case, so that pybabel extracts each of them.
    if reason == Reason.NEW:
        return _("Invitation: %(title)s, %(when)s", title=title, when=when)
    if reason == Reason.UPDATED:
        return _("Changed: %(title)s, %(when)s", title=title, when=when)
    if reason == Reason.CANCELLED:
        return _("Cancelled: %(title)s, %(when)s", title=title, when=when)
    return _("Removed from your calendar: %(title)s, %(when)s", title=title, when=when)


def _queue_one(
    session: CohortSession, user: User, reason: Reason, key: str, now: datetime
) -> OutboxMessage | None:
    """Render the calendar data and the short text in the recipient's language; queue it."""
    hidden = discreet.is_discreet(user)
    with force_locale(user.locale):
        data = event_data(session, mark_cancelled=False)
        if hidden:
            data = discreet.neutral(
                data, mark_cancelled=False, organizer=discreet.organizer(_sender())
            )
        ics = invitation_ics(
            data,
            reason.method,
            Person(user.name, user.email),
            _sender(),
            now,
            with_status=reason != Reason.WITHDRAWN,
        )
        title = session_title(session)
        when = for_user(session.starts_at, user, "d MMM y, HH:mm")
        subject = _subject(reason, title, when)
        neutral_subject = discreet.subject(reason.value, when)
    return queue_message(
        f"ical.{reason.method.lower()}",
        user,
        subject,
        discreet.INVITATION_TEMPLATE if hidden else "ical/invitation",
        discreet_subject=neutral_subject,
        idempotency_key=key,
        ics=ics,
        ics_method=reason.method,
        reason=reason.value,
        title=title,
        session=session,
        event=data,
        link=external_url(track_of(session.cohort).home_endpoint),
    )


def send(
    sessions: Sequence[CohortSession],
    recipients: Sequence[User],
    reason: Reason,
    now: datetime | None = None,
) -> int:
    """Queue one message per recipient per session; return how many were queued."""
    now = now or utcnow()
    history = _history(sessions, (u.id for u in recipients))
    queued = 0
    for session in sessions:
        organiser_ids = {f.id for f in session.cohort.facilitators[:1]}
        for user in recipients:
            key = _next_key(session, reason, user.id, history)
            if key is None or user.id in organiser_ids:  # the organiser is no attendee (M6)
                continue
            if _queue_one(session, user, reason, key, now) is not None:
                queued += 1
    log.info("queued %s iMIP %s message(s)", queued, reason.method)
    return queued


def _enrolled(cohort: Cohort) -> list[User]:
    return [e.user for e in seat_holders(cohort.id) if e.status == EnrolmentStatus.ENROLLED]


def _upcoming(cohort_id: int, now: datetime) -> list[CohortSession]:
    """Planned sessions of the cohort that have not started yet."""
    return list(
        db.session.scalars(
            select(CohortSession)
            .where(
                CohortSession.cohort_id == cohort_id,
                CohortSession.status == SessionStatus.SCHEDULED,
                CohortSession.starts_at > now,
            )
            .options(selectinload(CohortSession.cohort).selectinload(Cohort.facilitators))
            .order_by(CohortSession.position)
        )
    )


def enrolment_changed(enrolment: Enrolment) -> None:
    """Invite a newly enrolled participant, or take a leaving one's sessions out (M9)."""
    now = utcnow()
    if enrolment.status == EnrolmentStatus.ENROLLED:
        send(_upcoming(enrolment.cohort_id, now), [enrolment.user], Reason.NEW, now)
    elif enrolment.status in (EnrolmentStatus.WITHDRAWN, EnrolmentStatus.DROPPED_OUT):
        send(_upcoming(enrolment.cohort_id, now), [enrolment.user], Reason.WITHDRAWN, now)


def sessions_changed(cohort: Cohort, sessions: Sequence[CohortSession], reason: Reason) -> None:
    """Send planned, changed or cancelled sessions to every enrolled participant."""
    send(sessions, _enrolled(cohort), reason)
