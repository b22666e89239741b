"""Build manager track groups in tests through the real services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta

from learnpath.accounts.models import Organisation, User
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import Cohort, CohortKind, CohortSession, Enrolment
from learnpath.cohorts.tracks import track_of
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.manager_tracks import services
from learnpath.schedule import services as schedule
from tests.factories import future_monday

SERIES = "het-goede-loopbaangesprek"
URL = "https://teams.microsoft.com/l/meetup-join/abc"


def group_data(
    org: Organisation, facilitator: User, kind: CohortKind, capacity: int = 6, name: str = "Groep A"
) -> cohorts.CohortData:
    now = utcnow()
    return cohorts.CohortData(
        name=name,
        capacity=capacity,
        signup_opens_at=now - timedelta(days=1),
        signup_closes_at=now + timedelta(days=30),
        open_to=[org],
        facilitators=[facilitator],
        kind=kind,
    )


def make_group(
    org: Organisation,
    facilitator: User,
    members: Sequence[User] = (),
    *,
    kind: CohortKind = CohortKind.INTERVISION,
    capacity: int = 6,
    name: str = "Groep A",
    accept: bool = True,
) -> Cohort:
    """A group whose members were invited (and, with ``accept``, signed up)."""
    cohort = services.create_group(
        org, group_data(org, facilitator, kind, capacity, name), SERIES, members, facilitator
    )
    if accept:
        for member in members:
            cohorts.sign_up(cohort, member)
    db.session.commit()
    return cohort


def item(
    slug: str, day: date, minutes: int = 120, start: time = time(13, 0)
) -> schedule.SessionInput:
    return schedule.SessionInput(slug, day, start, minutes, URL)


def plan_next(cohort: Cohort, actor: User, day: date | None = None) -> CohortSession:
    """Plan the next intervision meeting (7 weeks after the previous, or in 3 weeks)."""
    existing = schedule.sessions_of(cohort)
    plan = track_of(cohort).plan(cohort)
    slot = plan.next_slot(len(existing))
    day = day or (
        existing[-1].starts_at.date() + timedelta(weeks=7) if existing else future_monday()
    )
    session = schedule.add_session(cohort, plan, item(slot.slug, day), actor)
    db.session.commit()
    return session


def plan_workshop(cohort: Cohort, actor: User) -> list[CohortSession]:
    plan = track_of(cohort).plan(cohort)
    first = future_monday()
    items = [
        item(slot.slug, first + timedelta(weeks=2 * i), slot.duration_minutes, time(9, 30))
        for i, slot in enumerate(plan.slots)
    ]
    sessions = schedule.schedule_sessions(cohort, plan, items, actor)
    db.session.commit()
    return sessions


def enrolment(cohort: Cohort, user: User) -> Enrolment:
    found = db.session.scalar(
        db.select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id)
    )
    assert found is not None
    return found
