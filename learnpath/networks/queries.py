"""What the network pages read: the network's cohorts with their seats per organisation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.cohorts.models import SEAT_STATUSES, Cohort, Enrolment
from learnpath.extensions import db


@dataclass(frozen=True)
class NetworkCohort:
    """A network cohort with its taken seats and quotas per organisation id."""

    cohort: Cohort
    seats: dict[int, int]
    quotas: dict[int, int]

    @property
    def taken(self) -> int:
        return sum(self.seats.values())


def network_cohorts(network_id: int) -> list[NetworkCohort]:
    """The network's cohorts, newest sign-up first, in three queries."""
    cohorts = list(
        db.session.scalars(
            select(Cohort)
            .where(Cohort.network_id == network_id)
            .options(selectinload(Cohort.quotas), selectinload(Cohort.open_to))
            .order_by(Cohort.signup_opens_at.desc(), Cohort.id.desc())
        )
    )
    seats: dict[int, dict[int, int]] = {}
    if cohorts:
        for cohort_id, organisation_id, n in db.session.execute(
            select(Enrolment.cohort_id, User.organisation_id, func.count())
            .join(User, User.id == Enrolment.user_id)
            .where(
                Enrolment.cohort_id.in_([c.id for c in cohorts]),
                Enrolment.status.in_(SEAT_STATUSES),
            )
            .group_by(Enrolment.cohort_id, User.organisation_id)
        ):
            seats.setdefault(cohort_id, {})[organisation_id] = n
    return [
        NetworkCohort(
            cohort=c,
            seats=seats.get(c.id, {}),
            quotas={q.organisation_id: q.seats for q in c.quotas},
        )
        for c in cohorts
    ]
