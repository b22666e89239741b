"""Read-only queries about cohorts and enrolments (the cohort pages ask here; views hold no SQL)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from learnpath.accounts.models import Organisation, Role, User, UserRole
from learnpath.cohorts.models import (
    SEAT_STATUSES,
    Cohort,
    CohortSession,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
    cohort_facilitators,
    cohort_organisations,
)
from learnpath.cohorts.tracks import kinds_for_role, open_kinds_for_hr
from learnpath.extensions import db


@cache
def _ahead_statement() -> Select[int]:
    """Built once (every sign-up to a waitlist asks): the waitlisted ahead of a place."""
    rank: Any = bindparam("lp_rank")
    own_id: Any = bindparam("lp_id")
    return (
        select(func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.cohort_id == bindparam("lp_cohort_id"),
            Enrolment.status == EnrolmentStatus.WAITLISTED,
            (Enrolment.waitlist_rank < rank)
            | ((Enrolment.waitlist_rank == rank) & (Enrolment.id < own_id)),
        )
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1-based position of a waitlisted enrolment, or None."""
    if enrolment.status != EnrolmentStatus.WAITLISTED or enrolment.waitlist_rank is None:
        return None
    ahead = db.session.scalar(
        _ahead_statement(),
        {
            "lp_cohort_id": enrolment.cohort_id,
            "lp_rank": enrolment.waitlist_rank,
            "lp_id": enrolment.id,
        },
    )
    return (ahead or 0) + 1


@cache
def _cohort_with_open_to_statement() -> Select[Cohort]:
    return (
        select(Cohort)
        .where(Cohort.id == bindparam("lp_cohort_id"))
        .options(joinedload(Cohort.open_to))
    )


def cohort_with_open_to(cohort_id: int) -> Cohort | None:
    """The cohort with the organisations it is open to, in one statement (a sign-up asks)."""
    return (
        db.session.execute(_cohort_with_open_to_statement(), {"lp_cohort_id": cohort_id})
        .unique()
        .scalar_one_or_none()
    )


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


# --- for the cohort pages ------------------------------------------------------------------


def organisations_with_ids(ids: Iterable[int]) -> list[Organisation]:
    """The organisations with these ids (unknown ids are left out)."""
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(list(ids)))))


def users_with_ids(ids: Iterable[int]) -> list[User]:
    """The users with these ids (unknown ids are left out)."""
    return list(db.session.scalars(select(User).where(User.id.in_(list(ids)))))


def facilitators_in(organisation_ids: Iterable[int]) -> list[User]:
    """Users with the facilitator role in these organisations, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(
                UserRole.role == Role.FACILITATOR,
                User.organisation_id.in_(list(organisation_ids)),
            )
            .order_by(User.name)
        )
    )


#: Addresses per query in users_by_email (an upload may hold tens of thousands; databases limit
#: the number of bound parameters of one statement).
EMAIL_BATCH = 5000


def users_by_email(emails: Iterable[str]) -> dict[str, User]:
    """Normalised email address -> user, for the addresses that have an account (one query per
    EMAIL_BATCH addresses)."""
    wanted = sorted(set(emails))
    found: dict[str, User] = {}
    for start in range(0, len(wanted), EMAIL_BATCH):
        batch = wanted[start : start + EMAIL_BATCH]
        found.update(
            (u.email, u) for u in db.session.scalars(select(User).where(User.email.in_(batch)))
        )
    return found


def open_cohorts(user: User, now: datetime) -> list[Cohort]:
    """Active participant cohorts open to the user's organisation whose sign-up has not closed,
    by sign-up opening and name (invitation-only ones included; the page decides what to show)."""
    return list(
        db.session.scalars(
            select(Cohort)
            .join(cohort_organisations)
            .where(
                cohort_organisations.c.organisation_id == user.organisation_id,
                Cohort.kind.in_(kinds_for_role(Role.PARTICIPANT)),
                Cohort.status == CohortStatus.ACTIVE,
                Cohort.signup_closes_at > now,
            )
            .order_by(Cohort.signup_opens_at, Cohort.name)
        )
    )


def enrolments_in(user: User, cohort_ids: Iterable[int]) -> dict[int, Enrolment]:
    """Cohort id -> the user's enrolment, for those of these cohorts the user is enrolled in."""
    return {
        e.cohort_id: e
        for e in db.session.scalars(
            select(Enrolment).where(
                Enrolment.user_id == user.id, Enrolment.cohort_id.in_(list(cohort_ids))
            )
        )
    }


def participant_enrolments(user: User) -> list[Enrolment]:
    """The user's enrolments in participant cohorts (with their cohort), latest change first."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .join(Cohort, Enrolment.cohort_id == Cohort.id)
            .where(
                Enrolment.user_id == user.id,
                Cohort.kind.in_(kinds_for_role(Role.PARTICIPANT)),
            )
            .options(selectinload(Enrolment.cohort))
            .order_by(Enrolment.updated_at.desc())
        )
    )


def overview_cohorts(user: User) -> list[Cohort]:
    """The cohort list of /cohorten, latest sign-up first: the cohorts a facilitator facilitates,
    and for HR every cohort of the organisation of a kind HR may see, and every cohort of
    another organisation (a network's) that the organisation's own people signed up for (HR
    sees the counts of its own people only: ``reports.services.cohort_overview``)."""
    conditions: list[ColumnElement[bool]] = []
    if user.has_role(Role.FACILITATOR):
        conditions.append(
            Cohort.id.in_(
                select(cohort_facilitators.c.cohort_id).where(
                    cohort_facilitators.c.user_id == user.id
                )
            )
        )
    if user.has_role(Role.HR):
        own_people = (
            select(Enrolment.cohort_id)
            .join(User, User.id == Enrolment.user_id)
            .where(
                User.organisation_id == user.organisation_id,
                Enrolment.status != EnrolmentStatus.INVITED,
            )
        )
        conditions.append(
            ((Cohort.organisation_id == user.organisation_id) | Cohort.id.in_(own_people))
            & Cohort.kind.in_(open_kinds_for_hr())
        )
    return list(
        db.session.scalars(
            select(Cohort).where(or_(*conditions)).order_by(Cohort.signup_opens_at.desc())
        )
    )


def facilitated_ids(user: User, cohort_ids: Iterable[int]) -> set[int]:
    """Those of these cohorts that the user facilitates."""
    return set(
        db.session.scalars(
            select(cohort_facilitators.c.cohort_id).where(
                cohort_facilitators.c.user_id == user.id,
                cohort_facilitators.c.cohort_id.in_(list(cohort_ids)),
            )
        )
    )


def move_targets(cohort: Cohort, user: User) -> list[Cohort]:
    """Other active cohorts of the same kind that the user facilitates, by name."""
    return list(
        db.session.scalars(
            select(Cohort)
            .join(cohort_facilitators)
            .where(
                cohort_facilitators.c.user_id == user.id,
                Cohort.id != cohort.id,
                Cohort.kind == cohort.kind,
                Cohort.status == CohortStatus.ACTIVE,
            )
            .order_by(Cohort.name)
        )
    )


def pending_approvals(manager: User) -> list[Enrolment]:
    """Sign-ups of the manager's direct reports that wait for approval (with user and cohort)."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .join(User, Enrolment.user_id == User.id)
            .where(
                User.manager_id == manager.id,
                User.organisation_id == manager.organisation_id,  # accounts.managers
                Enrolment.status == EnrolmentStatus.PENDING_APPROVAL,
            )
            .options(selectinload(Enrolment.user), selectinload(Enrolment.cohort))
        )
    )


def sessions_of(cohort: Cohort) -> list[CohortSession]:
    """The cohort's sessions in programme order (cancelled ones too)."""
    return list(
        db.session.scalars(
            select(CohortSession)
            .where(CohortSession.cohort_id == cohort.id)
            .order_by(CohortSession.position)
        )
    )
