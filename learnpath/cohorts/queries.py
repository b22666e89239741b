"""Read-only queries about enrolments."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.cohorts.models import SEAT_STATUSES, Enrolment, EnrolmentStatus
from learnpath.extensions import db


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1-based position of a waitlisted enrolment, or None."""
    if enrolment.status != EnrolmentStatus.WAITLISTED or enrolment.waitlist_rank is None:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.cohort_id == enrolment.cohort_id,
            Enrolment.status == EnrolmentStatus.WAITLISTED,
            (Enrolment.waitlist_rank < enrolment.waitlist_rank)
            | (
                (Enrolment.waitlist_rank == enrolment.waitlist_rank) & (Enrolment.id < enrolment.id)
            ),
        )
    )
    return (ahead or 0) + 1


#: Statuses of people who are (or were, until the end) part of the group that meets.
ROSTER_STATUSES = SEAT_STATUSES | {EnrolmentStatus.COMPLETED, EnrolmentStatus.DROPPED_OUT}


def roster_user_ids(cohort_id: int) -> list[int]:
    """Users who attend (or attended) the cohort's sessions."""
    return list(
        db.session.scalars(
            select(Enrolment.user_id).where(
                Enrolment.cohort_id == cohort_id, Enrolment.status.in_(ROSTER_STATUSES)
            )
        )
    )


def seat_holders(cohort_id: int) -> list[Enrolment]:
    """Enrolments that hold a seat now (they receive schedule notices)."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort_id, Enrolment.status.in_(SEAT_STATUSES))
            .options(selectinload(Enrolment.user).selectinload(User.organisation))
        )
    )
