"""Attendance with care: who is listed (enrolled people only, not an unconfirmed offer or a
seat waiting for approval), and what the form starts from (the facilitator's earlier marks,
then the join clicks and "ik kan niet komen" notices, or "iedereen aanwezig")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.cohorts.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    Enrolment,
    EnrolmentStatus,
)
from learnpath.extensions import db
from learnpath.live.queries import AttendanceHints

#: Who the attendance form lists: people who are (or were, at the end) in the group.
LISTED_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


def attendance_people(cohort: Cohort) -> list[Enrolment]:
    """The enrolled participants of the cohort, by name (one query)."""
    return sorted(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(LISTED_STATUSES))
            .options(selectinload(Enrolment.user).selectinload(User.department))
        ),
        key=lambda e: e.user.name,
    )


def prefill(
    user_ids: Sequence[int],
    recorded: Mapping[int, Attendance],
    hints: AttendanceHints,
    *,
    everyone_present: bool = False,
) -> dict[int, AttendanceStatus]:
    """The status each row starts with: a facilitator's mark already stored; else present for
    a join, excused for a notice; with ``everyone_present`` present for everyone else too."""
    result: dict[int, AttendanceStatus] = {}
    for user_id in user_ids:
        row = recorded.get(user_id)
        if row is not None and row.recorded_by_id != user_id:
            result[user_id] = row.status
        elif user_id in hints.joined:
            result[user_id] = AttendanceStatus.PRESENT
        elif row is not None or user_id in hints.absent:
            result[user_id] = AttendanceStatus.EXCUSED
        elif everyone_present:
            result[user_id] = AttendanceStatus.PRESENT
    return result
