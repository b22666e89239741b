"""Copies and templates of cohorts: what a cohort is made of without its dates and people.

A :class:`Pattern` holds a cohort's settings (kind, programme, capacity, who may sign up,
approval, claim window, the organisations it is open to, its facilitators) and its sessions
relative to the first one: days after the first session's local date, and the local time of
day. Shifting a pattern to a new first date gives every session the same weekday and the same
wall-clock time in the organisation's zone, whatever the clocks do in between (DST-safe: the
local date and time are converted to UTC per session, not a UTC offset added).

Templates (``CohortTemplate``) store a pattern per organisation. Planning the shifted sessions
is the schedule feature's (``schedule.copies``), so that they are validated like any plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnpath.accounts.models import Organisation, User
from learnpath.cohorts.models import (
    Cohort,
    CohortKind,
    CohortSession,
    CohortTemplate,
    SignupMode,
)
from learnpath.cohorts.queries import sessions_of
from learnpath.cohorts.services import CohortError
from learnpath.extensions import db

#: A copy's first session is suggested at least this far ahead (time to sign up).
LEAD_TIME = timedelta(days=28)


@dataclass(frozen=True)
class SessionPattern:
    slug: str
    day_offset: int  #: days after the first session's local date
    start: time  #: local time of day
    minutes: int
    meeting_url: str
    notes: str = ""


@dataclass(frozen=True)
class LocalMoment:
    """A moment relative to the first session: days after its local date, local time."""

    day_offset: int
    at: time


@dataclass(frozen=True)
class Pattern:
    kind: CohortKind
    programme_slug: str
    capacity: int
    signup_mode: SignupMode
    requires_manager_approval: bool
    claim_window_hours: int | None
    open_to_ids: tuple[int, ...]
    facilitator_ids: tuple[int, ...]
    signup_opens: LocalMoment
    signup_closes: LocalMoment
    sessions: tuple[SessionPattern, ...]
    #: The source cohort's first local session day; None for a template (it has no dates).
    first_day: date | None = None

    @property
    def weekday(self) -> int | None:
        return self.first_day.weekday() if self.first_day else None


@dataclass(frozen=True)
class ShiftedSession:
    slug: str
    day: date
    start: time
    minutes: int
    meeting_url: str
    notes: str


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def _relative(moment: datetime, first_day: date, zone: ZoneInfo) -> LocalMoment:
    local = _local(moment, zone)
    return LocalMoment((local.date() - first_day).days, local.time().replace(tzinfo=None))


def pattern_of(cohort: Cohort, sessions: list[CohortSession] | None = None) -> Pattern:
    """The cohort's pattern: settings and every session (a cancelled one at its planned time).

    Without sessions, the sign-up window is kept relative to the day sign-up closes.
    """
    zone = ZoneInfo(cohort.organisation.timezone)
    sessions = sessions_of(cohort) if sessions is None else sessions
    ordered = sorted(sessions, key=lambda s: (s.position, s.id))
    if ordered:
        first_day = _local(min(s.starts_at for s in ordered), zone).date()
    else:
        first_day = _local(cohort.signup_closes_at, zone).date()
    return Pattern(
        kind=cohort.kind,
        programme_slug=cohort.programme_slug,
        capacity=cohort.capacity,
        signup_mode=cohort.signup_mode,
        requires_manager_approval=cohort.requires_manager_approval,
        claim_window_hours=cohort.claim_window_hours,
        open_to_ids=tuple(sorted(o.id for o in cohort.open_to)),
        facilitator_ids=tuple(u.id for u in cohort.facilitators),
        signup_opens=_relative(cohort.signup_opens_at, first_day, zone),
        signup_closes=_relative(cohort.signup_closes_at, first_day, zone),
        sessions=tuple(
            SessionPattern(
                slug=s.blueprint_slug,
                day_offset=(_local(s.starts_at, zone).date() - first_day).days,
                start=_local(s.starts_at, zone).time().replace(tzinfo=None),
                minutes=s.duration_minutes,
                meeting_url=s.meeting_url,
                notes=s.notes or "",
            )
            for s in ordered
        ),
        first_day=first_day if ordered else None,
    )


# --- shifting ------------------------------------------------------------------------------


def suggested_first_day(pattern: Pattern, today: date) -> date:
    """The first date at least LEAD_TIME ahead on the source's weekday (a Monday for a
    template without one)."""
    earliest = today + LEAD_TIME
    weekday = pattern.weekday if pattern.weekday is not None else 0
    return earliest + timedelta(days=(weekday - earliest.weekday()) % 7)


def weekday_error(pattern: Pattern, first_day: date) -> str | None:
    """Sessions keep their weekdays: the new first date must fall on the source's weekday."""
    if pattern.first_day is None or not pattern.sessions:
        return None
    if first_day.weekday() == pattern.first_day.weekday():
        return None
    return str(
        _l(
            "Choose a date on the same weekday as the first session of the cohort you copy "
            "(%(weekday)s), so that every session keeps its weekday.",
            weekday=weekday_name(pattern.first_day),
        )
    )


def weekday_name(day: date) -> str:
    return format_date(day, "EEEE")


def shifted_sessions(pattern: Pattern, first_day: date) -> list[ShiftedSession]:
    """The sessions on the new dates: same offsets in days, same local times."""
    return [
        ShiftedSession(
            s.slug,
            first_day + timedelta(days=s.day_offset),
            s.start,
            s.minutes,
            s.meeting_url,
            s.notes,
        )
        for s in pattern.sessions
    ]


def shifted_window(pattern: Pattern, first_day: date) -> tuple[datetime, datetime]:
    """The sign-up window as naive local date-times for the new first date (form values)."""
    return tuple(  # type: ignore[return-value]
        datetime.combine(first_day + timedelta(days=m.day_offset), m.at)
        for m in (pattern.signup_opens, pattern.signup_closes)
    )


# --- JSON (templates) ----------------------------------------------------------------------


def to_json(pattern: Pattern) -> str:
    def moment(m: LocalMoment) -> list[Any]:
        return [m.day_offset, m.at.strftime("%H:%M")]

    return json.dumps(
        {
            "capacity": pattern.capacity,
            "signup_mode": pattern.signup_mode.value,
            "requires_manager_approval": pattern.requires_manager_approval,
            "claim_window_hours": pattern.claim_window_hours,
            "open_to": list(pattern.open_to_ids),
            "facilitators": list(pattern.facilitator_ids),
            "signup_opens": moment(pattern.signup_opens),
            "signup_closes": moment(pattern.signup_closes),
            "sessions": [
                {
                    "slug": s.slug,
                    "day": s.day_offset,
                    "start": s.start.strftime("%H:%M"),
                    "minutes": s.minutes,
                    "meeting_url": s.meeting_url,
                    "notes": s.notes,
                }
                for s in pattern.sessions
            ],
        },
        sort_keys=True,
    )


def from_template(template: CohortTemplate) -> Pattern:
    data = json.loads(template.pattern)

    def moment(value: list[Any]) -> LocalMoment:
        return LocalMoment(int(value[0]), time.fromisoformat(value[1]))

    return Pattern(
        kind=template.kind,
        programme_slug=template.programme_slug,
        capacity=int(data["capacity"]),
        signup_mode=SignupMode(data["signup_mode"]),
        requires_manager_approval=bool(data["requires_manager_approval"]),
        claim_window_hours=data["claim_window_hours"],
        open_to_ids=tuple(data["open_to"]),
        facilitator_ids=tuple(data["facilitators"]),
        signup_opens=moment(data["signup_opens"]),
        signup_closes=moment(data["signup_closes"]),
        sessions=tuple(
            SessionPattern(
                s["slug"],
                int(s["day"]),
                time.fromisoformat(s["start"]),
                int(s["minutes"]),
                s["meeting_url"],
                s.get("notes", ""),
            )
            for s in data["sessions"]
        ),
    )


# --- templates -----------------------------------------------------------------------------


def templates_of(
    organisation: Organisation, kind: CohortKind | None = None
) -> list[CohortTemplate]:
    """The organisation's templates by name (one query)."""
    query = select(CohortTemplate).where(CohortTemplate.organisation_id == organisation.id)
    if kind is not None:
        query = query.where(CohortTemplate.kind == kind)
    return list(db.session.scalars(query.order_by(CohortTemplate.name, CohortTemplate.id)))


def save_template(cohort: Cohort, name: str, actor: User) -> CohortTemplate:
    """Save the cohort's pattern as a template of its organisation under a new name."""
    name = name.strip()
    if not name:
        missing = _l("Give the template a name.")
        raise CohortError(missing, {"name": str(missing)})
    taken = db.session.scalar(
        select(CohortTemplate.id).where(
            CohortTemplate.organisation_id == cohort.organisation_id, CohortTemplate.name == name
        )
    )
    message = _l("Your organisation already has a template with this name.")
    if taken is not None:
        raise CohortError(message, {"name": str(message)})
    template = CohortTemplate(
        organisation_id=cohort.organisation_id,
        name=name,
        kind=cohort.kind,
        programme_slug=cohort.programme_slug,
        pattern=to_json(pattern_of(cohort)),
        created_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(template)
    except IntegrityError as exc:  # a racing save of the same name: the unique index says no
        raise CohortError(message, {"name": str(message)}) from exc
    return template


def delete_template(template: CohortTemplate) -> None:
    db.session.delete(template)
    db.session.flush()
