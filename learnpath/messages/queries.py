"""Who reads which messages: the facilitator's archive and a member's messages (one query each)."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.cohorts.models import Cohort, Enrolment
from learnpath.extensions import db
from learnpath.messages.models import Audience, CohortMessage, MessageRecipient
from learnpath.messages.services import MEMBER_STATUSES


def archive(cohort: Cohort) -> list[CohortMessage]:
    """Every message of the cohort, newest first (for its facilitators)."""
    return list(
        db.session.scalars(
            select(CohortMessage)
            .where(CohortMessage.cohort_id == cohort.id)
            .options(selectinload(CohortMessage.author))
            .order_by(CohortMessage.created_at.desc(), CohortMessage.id.desc())
        )
    )


def visible_to(user: User, cohort_id: int) -> list[CohortMessage]:
    """The messages of a cohort that ``user`` may read, newest first: whole-cohort messages while
    they are (or were, to the end) in it, also those sent before they joined; other messages
    only if they received them."""
    member = (
        select(Enrolment.id)
        .where(
            Enrolment.cohort_id == CohortMessage.cohort_id,
            Enrolment.user_id == user.id,
            Enrolment.status.in_(MEMBER_STATUSES),
        )
        .exists()
    )
    received = (
        select(MessageRecipient.message_id)
        .where(MessageRecipient.message_id == CohortMessage.id, MessageRecipient.user_id == user.id)
        .exists()
    )
    return list(
        db.session.scalars(
            select(CohortMessage)
            .where(
                CohortMessage.cohort_id == cohort_id,
                or_(and_(CohortMessage.audience == Audience.COHORT, member), received),
            )
            .options(selectinload(CohortMessage.author))
            .order_by(CohortMessage.created_at.desc(), CohortMessage.id.desc())
        )
    )
