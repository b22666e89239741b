"""Write a message to a cohort, its waitlist or selected people: one outbox row per recipient.

``send`` is one unit of work: the archived message, its recipients and their mails are
committed together or not at all (a crash sends nothing, the outbox sends all). The form's
token is the message's idempotency key, so a repeated submit (a double click, a retried POST)
finds the message already sent and sends nothing again, also when two requests race.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from learnpath.accounts.models import User
from learnpath.cohorts.models import SEAT_STATUSES, Cohort, Enrolment, EnrolmentStatus
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.messages.models import Audience, BodyFormat, CohortMessage, MessageRecipient
from learnpath.messages.render import render_body
from learnpath.notifications.services import queue_message

log = logging.getLogger(__name__)

#: Who is "in the group": gets whole-cohort messages and reads them (also earlier ones) later.
MEMBER_STATUSES = SEAT_STATUSES | {EnrolmentStatus.COMPLETED}
#: Whom a facilitator can pick one by one.
SELECTABLE_STATUSES = MEMBER_STATUSES | {EnrolmentStatus.WAITLISTED}
MAX_SUBJECT = 200
MAX_BODY = 20_000


class MessageError(Refusal):
    """A rule refused the message; str(exc) is a message for the user."""


@dataclass(frozen=True)
class Draft:
    audience: Audience
    subject: str
    body: str
    body_format: BodyFormat
    #: User ids picked by the facilitator (only for Audience.SELECTED).
    selected: tuple[int, ...] = ()


def selectable(cohort: Cohort) -> list[Enrolment]:
    """The enrolments a facilitator can pick as recipients (one query, users loaded)."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .join(Enrolment.user)
            .options(contains_eager(Enrolment.user))
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(SELECTABLE_STATUSES))
            .order_by(User.name, User.id)
        )
    )


def recipients(cohort: Cohort, audience: Audience, selected: Sequence[int] = ()) -> list[User]:
    """The people a message to ``audience`` reaches now, in one query."""
    query = select(User).join(Enrolment, Enrolment.user_id == User.id)
    query = query.where(Enrolment.cohort_id == cohort.id)
    if audience == Audience.COHORT:
        query = query.where(Enrolment.status.in_(MEMBER_STATUSES))
    elif audience == Audience.WAITLIST:
        query = query.where(Enrolment.status == EnrolmentStatus.WAITLISTED)
    else:
        ids = list(selected)
        if not ids:
            return []
        query = query.where(Enrolment.status.in_(SELECTABLE_STATUSES), User.id.in_(ids))
    return list(db.session.scalars(query.order_by(User.name, User.id)))


def already_sent(key: str) -> CohortMessage | None:
    return db.session.scalar(select(CohortMessage).where(CohortMessage.idempotency_key == key))


def send(cohort: Cohort, author: User, draft: Draft, key: str) -> CohortMessage | None:
    """Archive the message and queue one mail per recipient, Reply-To the author.

    Returns None when a message with this key was sent before (nothing is sent again).
    """
    if already_sent(key) is not None:
        return None
    people = recipients(cohort, draft.audience, draft.selected)
    if not people:
        raise MessageError(
            _l("Nobody would receive this message."), {"audience": _l("Nobody is in this group.")}
        )
    message = CohortMessage(
        cohort_id=cohort.id,
        author_id=author.id,
        audience=draft.audience,
        subject=draft.subject.strip()[:MAX_SUBJECT],
        body=draft.body[:MAX_BODY],
        body_format=draft.body_format,
        idempotency_key=key,
        recipient_count=len(people),
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        # Another request with the same form token won the race: it sends the message.
        log.info("cohort message %s was sent concurrently; skipped", key)
        return None
    db.session.add_all(MessageRecipient(message_id=message.id, user_id=p.id) for p in people)
    html = render_body(message.body, message.body_format)
    for person in people:
        queue_message(
            "cohorts.message",
            person,
            message.subject,
            "messages/cohort_message",
            reply_to=author.email,
            message=message,
            cohort=cohort,
            author=author,
            body_html=html,
        )
    db.session.flush()
    return message
