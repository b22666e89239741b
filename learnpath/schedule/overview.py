"""All my cohorts at a glance: the sessions of every cohort and manager-track group a
facilitator runs, one week or one month at a time, with overlapping sessions marked.

One query whatever the number of cohorts (sessions joined to their cohorts through the
facilitator's rows); conflicts are found by one sweep over the sessions sorted by start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from learnpath.accounts.models import User
from learnpath.cohorts.models import Cohort, CohortSession, cohort_facilitators
from learnpath.extensions import db
from learnpath.schedule.services import MAX_DURATION
from learnpath.timefmt import to_utc


class Span(StrEnum):
    WEEK = "week"
    MONTH = "maand"


@dataclass
class Item:
    session: CohortSession
    #: The other sessions (of any of the facilitator's cohorts) that overlap this one.
    conflicts: list[CohortSession] = field(default_factory=list)


@dataclass
class Day:
    day: date
    items: list[Item]


@dataclass(frozen=True)
class Overview:
    span: Span
    first: date  #: first day shown (local)
    last: date  #: last day shown (local, inclusive)
    days: list[Day]
    previous: date
    next: date

    @property
    def conflict_count(self) -> int:
        return sum(1 for d in self.days for i in d.items if i.conflicts)

    @property
    def session_count(self) -> int:
        return sum(len(d.items) for d in self.days)


def parse_span(value: str | None) -> Span:
    try:
        return Span(value or Span.WEEK)
    except ValueError:
        return Span.WEEK


def parse_day(value: str | None, today: date) -> date:
    """A date from the query string (YYYY-MM-DD); today when absent or not a date."""
    if not value or len(value) > 10:
        return today
    try:
        return date.fromisoformat(value)
    except ValueError:
        return today


def period(span: Span, anchor: date) -> tuple[date, date, date, date]:
    """(first, last, previous anchor, next anchor) of the week (Monday to Sunday) or month."""
    if span == Span.WEEK:
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=6), first - timedelta(days=7), first + timedelta(7)
    first = anchor.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return first, following - timedelta(days=1), previous, following


def _utc_midnight(day: date, zone: ZoneInfo) -> datetime:
    moment = to_utc(day, time(0, 0), zone)
    if moment is None:  # no zone skips midnight in Europe; be safe elsewhere
        moment = to_utc(day, time(1, 0), zone)
    assert moment is not None
    return moment


def facilitated_sessions(user: User, since: datetime, until: datetime) -> list[CohortSession]:
    """Sessions (cancelled ones too) of every cohort the user facilitates that start in
    [since, until), with their cohort: one query."""
    return list(
        db.session.scalars(
            select(CohortSession)
            .join(Cohort, CohortSession.cohort_id == Cohort.id)
            .join(cohort_facilitators, cohort_facilitators.c.cohort_id == Cohort.id)
            .where(
                cohort_facilitators.c.user_id == user.id,
                CohortSession.starts_at >= since,
                CohortSession.starts_at < until,
            )
            .options(contains_eager(CohortSession.cohort))
            .order_by(CohortSession.starts_at, CohortSession.id)
        ).unique()
    )


def conflicts(sessions: list[CohortSession]) -> dict[int, list[CohortSession]]:
    """Session id -> the planned sessions it overlaps (cancelled ones overlap nothing).

    ``sessions`` sorted by start: a sweep keeps the sessions still running at each start.
    """
    found: dict[int, list[CohortSession]] = {}
    running: list[CohortSession] = []
    for session in sessions:
        if session.is_cancelled:
            continue
        running = [r for r in running if r.ends_at > session.starts_at]
        for other in running:
            found.setdefault(session.id, []).append(other)
            found.setdefault(other.id, []).append(session)
        running.append(session)
    return found


def overview(user: User, span: Span, anchor: date) -> Overview:
    """The week or month around ``anchor`` in the facilitator's organisation's zone."""
    zone = ZoneInfo(user.organisation.timezone)
    first, last, previous, following = period(span, anchor)
    since = _utc_midnight(first, zone)
    until = _utc_midnight(last + timedelta(days=1), zone)
    # Sessions that began before the period but still run into it count for conflicts.
    sessions = facilitated_sessions(user, since - timedelta(minutes=MAX_DURATION), until)
    overlapping = conflicts(sessions)
    days: dict[date, list[Item]] = {}
    for session in sessions:
        if session.starts_at < since:
            continue
        local_day = session.starts_at.astimezone(zone).date()
        days.setdefault(local_day, []).append(Item(session, overlapping.get(session.id, [])))
    return Overview(
        span=span,
        first=first,
        last=last,
        days=[Day(day, items) for day, items in sorted(days.items())],
        previous=previous,
        next=following,
    )
