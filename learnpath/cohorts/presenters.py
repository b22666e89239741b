"""Prepared values for cohort pages (templates only display)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.cohorts.models import (
    SEAT_STATUSES,
    Cohort,
    Enrolment,
    EnrolmentStatus,
)
from learnpath.extensions import db
from learnpath.schedule.models import CohortSession, ScheduleChange


@dataclass
class Roster:
    seated: list[Enrolment] = field(default_factory=list)
    waitlist: list[Enrolment] = field(default_factory=list)
    invited: list[Enrolment] = field(default_factory=list)
    ended: list[Enrolment] = field(default_factory=list)


def roster(cohort: Cohort) -> Roster:
    """All enrolments of a cohort in one query, grouped for display."""
    rows = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id)
        .options(selectinload(Enrolment.user).selectinload(User.department))
    ).all()
    result = Roster()
    for e in rows:
        if e.status in SEAT_STATUSES:
            result.seated.append(e)
        elif e.status == EnrolmentStatus.WAITLISTED:
            result.waitlist.append(e)
        elif e.status == EnrolmentStatus.INVITED:
            result.invited.append(e)
        else:
            result.ended.append(e)
    result.seated.sort(key=lambda e: e.user.name)
    result.waitlist.sort(key=lambda e: (e.waitlist_rank or 0, e.id))
    result.invited.sort(key=lambda e: e.user.name)
    result.ended.sort(key=lambda e: e.ended_at or e.updated_at, reverse=True)
    return result


def history(cohort: Cohort) -> list[ScheduleChange]:
    return list(
        db.session.scalars(
            select(ScheduleChange)
            .where(ScheduleChange.cohort_id == cohort.id)
            .options(selectinload(ScheduleChange.actor), selectinload(ScheduleChange.session))
            .order_by(ScheduleChange.created_at.desc(), ScheduleChange.id.desc())
        )
    )


def sessions_by_cohort(cohort_ids: list[int]) -> dict[int, list[CohortSession]]:
    result: dict[int, list[CohortSession]] = defaultdict(list)
    if not cohort_ids:
        return result
    for s in db.session.scalars(
        select(CohortSession)
        .where(CohortSession.cohort_id.in_(cohort_ids))
        .options(selectinload(CohortSession.cohort))
        .order_by(CohortSession.position)
    ):
        result[s.cohort_id].append(s)
    return result


def seat_counts(cohort_ids: list[int]) -> dict[int, tuple[int, int]]:
    """cohort id -> (seats taken, waitlist length), in one query."""
    from sqlalchemy import func

    counts: dict[int, tuple[int, int]] = {cid: (0, 0) for cid in cohort_ids}
    if not cohort_ids:
        return counts
    rows = db.session.execute(
        select(Enrolment.cohort_id, Enrolment.status, func.count())
        .where(Enrolment.cohort_id.in_(cohort_ids))
        .group_by(Enrolment.cohort_id, Enrolment.status)
    )
    for cohort_id, status, n in rows:
        seats, waiting = counts[cohort_id]
        if status in SEAT_STATUSES:
            seats += n
        elif status == EnrolmentStatus.WAITLISTED:
            waiting += n
        counts[cohort_id] = (seats, waiting)
    return counts


def local_input_value(value: datetime, zone: str) -> datetime:
    """A UTC datetime as naive local wall-clock time, for datetime-local inputs."""
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
