"""What a facilitator sees first: this week's sessions across their cohorts, work waiting for
feedback, cohorts still filling with their waitlists, and participants falling behind.

A fixed number of queries for any number of cohorts, participants and assignments.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from learnpath.accounts.models import Role, User
from learnpath.assignments.models import Submission, SubmissionStatus
from learnpath.cohorts.models import (
    SEAT_STATUSES,
    Cohort,
    CohortSession,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
    cohort_facilitators,
)
from learnpath.cohorts.tracks import kinds_for_role
from learnpath.content.schema import Content
from learnpath.extensions import db
from learnpath.home.work import open_work

#: Open assignments past their deadline from which a participant counts as falling behind.
BEHIND_FROM = 2
#: At most this many names in the "falling behind" list (the rest is a count).
BEHIND_SHOWN = 10


@dataclass(frozen=True)
class Filling:
    cohort: Cohort
    seats_taken: int
    waitlist: int


@dataclass(frozen=True)
class Behind:
    enrolment: Enrolment
    overdue: int


@dataclass
class FacilitatorPanel:
    week_start: datetime
    week_end: datetime
    sessions: list[CohortSession] = field(default_factory=list)
    #: cohort -> handed-in submissions without feedback, for cohorts that have some.
    to_review: list[tuple[Cohort, int]] = field(default_factory=list)
    filling: list[Filling] = field(default_factory=list)
    behind: list[Behind] = field(default_factory=list)
    behind_more: int = 0


def week_of(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 of the local week that holds ``now``, in UTC."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday, time(0, 0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0, 0), tzinfo=zone)
    return start.astimezone(now.tzinfo), end.astimezone(now.tzinfo)


def facilitator_panel(user: User, content: Content, now: datetime) -> FacilitatorPanel:
    start, end = week_of(now, ZoneInfo(user.organisation.timezone))
    panel = FacilitatorPanel(start, end)
    cohorts = list(
        db.session.scalars(
            select(Cohort)
            .join(cohort_facilitators, cohort_facilitators.c.cohort_id == Cohort.id)
            .where(cohort_facilitators.c.user_id == user.id, Cohort.status == CohortStatus.ACTIVE)
            .options(joinedload(Cohort.organisation))
            .order_by(Cohort.name)
        )
    )
    if not cohorts:
        return panel
    by_id = {c.id: c for c in cohorts}
    ids = list(by_id)
    sessions = list(
        db.session.scalars(
            select(CohortSession)
            .where(CohortSession.cohort_id.in_(ids))
            .order_by(CohortSession.starts_at)
        )
    )
    panel.sessions = [s for s in sessions if not s.is_cancelled and start <= s.starts_at < end]
    reviews = {
        cohort_id: int(n)
        for cohort_id, n in db.session.execute(
            select(Submission.cohort_id, func.count())
            .where(
                Submission.cohort_id.in_(ids),
                Submission.status == SubmissionStatus.SUBMITTED,
            )
            .group_by(Submission.cohort_id)
        )
    }
    panel.to_review = [(by_id[cid], n) for cid, n in sorted(reviews.items()) if n]
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for cohort_id, status, n in db.session.execute(
        select(Enrolment.cohort_id, Enrolment.status, func.count())
        .where(Enrolment.cohort_id.in_(ids))
        .group_by(Enrolment.cohort_id, Enrolment.status)
    ):
        key = "seat" if status in SEAT_STATUSES else status.value
        counts[cohort_id][key] += n
    panel.filling = [
        Filling(c, counts[c.id]["seat"], counts[c.id][EnrolmentStatus.WAITLISTED.value])
        for c in cohorts
        if c.signup_closes_at > now or counts[c.id][EnrolmentStatus.WAITLISTED.value]
    ]
    participant_kinds = kinds_for_role(Role.PARTICIPANT)
    enrolled = list(
        db.session.scalars(
            select(Enrolment)
            .join(User, Enrolment.user_id == User.id)
            .where(
                Enrolment.cohort_id.in_([c.id for c in cohorts if c.kind in participant_kinds]),
                Enrolment.status == EnrolmentStatus.ENROLLED,
            )
            # Their names are shown, not their roles.
            .options(contains_eager(Enrolment.user).lazyload(User.role_rows))
            .order_by(User.name, User.id)
        )
    )
    planned = [s for s in sessions if not s.is_cancelled]
    overdue: Counter[int] = Counter(
        w.enrolment.id for w in open_work(enrolled, content, planned) if w.is_overdue(now)
    )
    behind = [Behind(e, overdue[e.id]) for e in enrolled if overdue[e.id] >= BEHIND_FROM]
    behind.sort(key=lambda b: (-b.overdue, b.enrolment.user.name))
    panel.behind = behind[:BEHIND_SHOWN]
    panel.behind_more = max(0, len(behind) - BEHIND_SHOWN)
    return panel
