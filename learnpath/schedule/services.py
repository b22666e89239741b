"""Scheduling the live sessions of a cohort, changing them, and attendance.

Times arrive as wall-clock dates and times in the organisation's zone and are stored in UTC.
Every change that attendees must see bumps the session's SEQUENCE and ``changed_at`` (the
calendar feeds and invitations use both) and is written to the cohort's change history.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnpath.accounts.models import User
from learnpath.cohorts.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortAction,
    CohortSession,
    CohortStatus,
    SessionStatus,
)
from learnpath.cohorts.queries import roster_user_ids, sessions_of
from learnpath.cohorts.services import CohortError, lock_cohort, record_change
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.schedule import notices
from learnpath.timefmt import to_utc

log = logging.getLogger(__name__)

#: Sessions start no earlier and end no later than these local times.
EARLIEST_START = time(7, 0)
LATEST_END = time(22, 0)
MIN_DURATION = 15
MAX_DURATION = 8 * 60


class Spacing(Protocol):
    """What the sequence rules need of a cohort's plan (a Programme or a track's SessionPlan)."""

    @property
    def min_gap_days(self) -> int: ...


@dataclass(frozen=True)
class SessionInput:
    """What a facilitator enters for one session (local date and time)."""

    blueprint_slug: str
    day: date | None
    start: time | None
    duration_minutes: int | None
    meeting_url: str
    notes: str = ""


def valid_meeting_url(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme == "https" and bool(parts.hostname) and "." in (parts.hostname or "")


def links_are_optional(organisation_id: int) -> bool:
    """Whether sessions may be planned without a link of their own: the organisation has rooms
    made for it (Jitsi, Teams). A link given is still checked, and used when a room fails."""
    from learnpath.rooms.queries import makes_rooms  # rooms listens to schedule's signals

    return makes_rooms(organisation_id)


def validate_session(
    item: SessionInput, zone: ZoneInfo, now: datetime, *, link_required: bool = True
) -> tuple[dict[str, str], datetime | None]:
    """Check one session on its own; return field errors and the UTC start if valid."""
    errors: dict[str, str] = {}
    if item.day is None:
        errors["day"] = str(_l("Enter a date."))
    if item.start is None:
        errors["start"] = str(_l("Enter a start time."))
    duration = item.duration_minutes
    if duration is None or not MIN_DURATION <= duration <= MAX_DURATION:
        errors["duration_minutes"] = str(
            _l("The duration must be %(lo)s to %(hi)s minutes.", lo=MIN_DURATION, hi=MAX_DURATION)
        )
    if (link_required or item.meeting_url.strip()) and not valid_meeting_url(item.meeting_url):
        errors["meeting_url"] = str(
            _l("Enter the meeting link as a full https:// address (Teams, Zoom, Jitsi, ...).")
        )
    if item.day is None or item.start is None:
        return errors, None
    starts_at = to_utc(item.day, item.start, zone)
    if starts_at is None:
        errors["start"] = str(_l("This time does not exist on that day (clocks change)."))
        return errors, None
    if starts_at <= now:
        errors["day"] = str(_l("This moment has already passed."))
    if item.start < EARLIEST_START:
        errors["start"] = str(
            _l("Sessions start at %(t)s at the earliest.", t=EARLIEST_START.strftime("%H:%M"))
        )
    elif duration and (
        (starts_at + timedelta(minutes=duration)).astimezone(zone).time() > LATEST_END
        or (starts_at + timedelta(minutes=duration)).astimezone(zone).date() != item.day
    ):
        errors["duration_minutes"] = str(
            _l("Sessions end at %(t)s at the latest.", t=LATEST_END.strftime("%H:%M"))
        )
    return errors, starts_at


@dataclass(frozen=True)
class Planned:
    blueprint_slug: str
    starts_at: datetime
    duration_minutes: int


def validate_sequence(
    planned: Sequence[Planned], min_gap_days: int, zone: ZoneInfo
) -> dict[str, dict[str, str]]:
    """Check the sessions against each other: in order, no overlap, enough days between."""
    errors: dict[str, dict[str, str]] = {}
    for before, after in zip(planned, planned[1:], strict=False):
        before_end = before.starts_at + timedelta(minutes=before.duration_minutes)
        gap = after.starts_at.astimezone(zone).date() - before.starts_at.astimezone(zone).date()
        if after.starts_at < before_end:
            message = _l("This session must start after the previous one has ended.")
        elif gap < timedelta(days=min_gap_days):
            message = _l(
                "Leave at least %(n)s days after the previous session, so the assignments fit.",
                n=min_gap_days,
            )
        else:
            continue
        errors.setdefault(after.blueprint_slug, {})["day"] = str(message)
    return errors


def validate_schedule(
    items: Sequence[SessionInput],
    programme: Spacing,
    zone: ZoneInfo,
    now: datetime,
    *,
    link_required: bool = True,
) -> tuple[dict[str, dict[str, str]], list[Planned]]:
    """Validate a whole schedule; return errors per session slug and field, and the plan."""
    errors: dict[str, dict[str, str]] = {}
    planned: list[Planned] = []
    for item in items:
        item_errors, starts_at = validate_session(item, zone, now, link_required=link_required)
        if item_errors:
            errors[item.blueprint_slug] = item_errors
        if starts_at is not None and item.duration_minutes:
            planned.append(Planned(item.blueprint_slug, starts_at, item.duration_minutes))
    if len(planned) == len(items):
        for slug, more in validate_sequence(planned, programme.min_gap_days, zone).items():
            errors.setdefault(slug, {}).update(more)
    return errors, planned


class ScheduleInvalid(CohortError):
    """Planned sessions break the rules; ``session_errors`` maps blueprint slug -> field -> message."""

    def __init__(self, errors: Mapping[str, Mapping[str, str]]) -> None:
        super().__init__(_l("The schedule is not valid."))
        self.session_errors = errors


def schedule_sessions(
    cohort: Cohort, programme: Spacing, items: Sequence[SessionInput], actor: User
) -> list[CohortSession]:
    """Plan all sessions of a cohort that has none yet."""
    cohort = lock_cohort(cohort.id)
    if sessions_of(cohort):
        raise CohortError(_l("The sessions are already scheduled; change them one by one."))
    return _add_sessions(cohort, programme, items, actor, [])


def add_session(
    cohort: Cohort, programme: Spacing, item: SessionInput, actor: User
) -> CohortSession:
    """Plan one more session after the cohort's last one (groups that meet open-ended)."""
    cohort = lock_cohort(cohort.id)
    existing = sessions_of(cohort)
    if any(s.blueprint_slug == item.blueprint_slug for s in existing):
        raise CohortError(_l("This session is already planned."))
    return _add_sessions(cohort, programme, [item], actor, existing)[0]


def _add_sessions(
    cohort: Cohort,
    programme: Spacing,
    items: Sequence[SessionInput],
    actor: User,
    existing: Sequence[CohortSession],
) -> list[CohortSession]:
    """Validate ``items`` after the ``existing`` planned sessions and store them (cohort locked)."""
    if cohort.status != CohortStatus.ACTIVE:
        raise CohortError(_l("This cohort has been cancelled."))
    zone = ZoneInfo(cohort.organisation.timezone)
    errors, planned = validate_schedule(
        items,
        programme,
        zone,
        utcnow(),
        link_required=not links_are_optional(cohort.organisation_id),
    )
    before = [
        Planned(s.blueprint_slug, s.starts_at, s.duration_minutes)
        for s in existing
        if not s.is_cancelled
    ]
    if not errors and before:
        errors = validate_sequence(before[-1:] + planned, programme.min_gap_days, zone)
    if errors:
        raise ScheduleInvalid(errors)
    sessions = []
    for position, (item, plan) in enumerate(
        zip(items, planned, strict=True), start=len(existing) + 1
    ):
        session = CohortSession(
            cohort_id=cohort.id,
            blueprint_slug=item.blueprint_slug,
            position=position,
            starts_at=plan.starts_at,
            duration_minutes=plan.duration_minutes,
            meeting_url=item.meeting_url.strip(),
            notes=item.notes.strip() or None,
        )
        db.session.add(session)
        sessions.append(session)
    db.session.flush()
    for session in sessions:
        record_change(cohort, actor, CohortAction.SCHEDULED, session.id, **_describe(session))
    notices.sessions_scheduled(cohort, sessions)
    return sessions


def _describe(session: CohortSession) -> dict[str, str | int]:
    return {"start": session.starts_at.isoformat(), "minutes": session.duration_minutes}


def _bump(session: CohortSession) -> None:
    session.sequence += 1
    session.changed_at = utcnow()


def reschedule_session(
    session: CohortSession, programme: Spacing, item: SessionInput, actor: User
) -> bool:
    """Change one session's time, duration, link or notes; return whether anything changed."""
    cohort = lock_cohort(session.cohort_id)
    db.session.refresh(session)
    if session.is_cancelled or cohort.status != CohortStatus.ACTIVE:
        raise CohortError(_l("A cancelled session cannot be changed."))
    zone = ZoneInfo(cohort.organisation.timezone)
    item_errors, starts_at = validate_session(
        item, zone, utcnow(), link_required=not links_are_optional(cohort.organisation_id)
    )
    if item_errors:
        raise ScheduleInvalid({session.blueprint_slug: item_errors})
    assert starts_at is not None and item.duration_minutes is not None
    others = [s for s in sessions_of(cohort) if not s.is_cancelled]
    planned = [
        Planned(s.blueprint_slug, starts_at, item.duration_minutes)
        if s.id == session.id
        else Planned(s.blueprint_slug, s.starts_at, s.duration_minutes)
        for s in others
    ]
    sequence_errors = validate_sequence(planned, programme.min_gap_days, zone)
    if sequence_errors:
        raise ScheduleInvalid({session.blueprint_slug: next(iter(sequence_errors.values()))})
    before = _describe(session)
    old_start = session.starts_at
    changed = (
        starts_at != session.starts_at
        or item.duration_minutes != session.duration_minutes
        or item.meeting_url.strip() != session.meeting_url
        or (item.notes.strip() or None) != session.notes
    )
    if not changed:
        return False
    session.starts_at = starts_at
    session.duration_minutes = item.duration_minutes
    session.meeting_url = item.meeting_url.strip()
    session.notes = item.notes.strip() or None
    _bump(session)
    db.session.flush()
    record_change(
        cohort,
        actor,
        CohortAction.RESCHEDULED,
        session.id,
        old_start=before["start"],
        old_minutes=before["minutes"],
        **_describe(session),
    )
    notices.session_changed(session, old_start)
    return True


def replace_session(
    session: CohortSession, programme: Spacing, item: SessionInput, actor: User
) -> datetime:
    """Plan a cancelled session again, at a new moment; return the cancelled start.

    The replacement is the same programme meeting (same blueprint, attendance and assignment
    deadlines hang on it), so it keeps its row and calendar UID and gets a higher SEQUENCE
    (../shared/CALENDAR.md F5, F7): a REQUEST after the CANCEL puts it back in calendars at the
    new time. Deadlines derived from it follow the new date; it is validated like any plan
    (its place among the other planned sessions included) and announced like a planned one.
    """
    cohort = lock_cohort(session.cohort_id)
    db.session.refresh(session)
    if cohort.status != CohortStatus.ACTIVE:
        raise CohortError(_l("This cohort has been cancelled."))
    if not session.is_cancelled:
        raise CohortError(_l("Only a cancelled session can be replaced."))
    zone = ZoneInfo(cohort.organisation.timezone)
    item_errors, starts_at = validate_session(
        item, zone, utcnow(), link_required=not links_are_optional(cohort.organisation_id)
    )
    if item_errors:
        raise ScheduleInvalid({session.blueprint_slug: item_errors})
    assert starts_at is not None and item.duration_minutes is not None
    planned = [
        Planned(s.blueprint_slug, starts_at, item.duration_minutes)
        if s.id == session.id
        else Planned(s.blueprint_slug, s.starts_at, s.duration_minutes)
        for s in sessions_of(cohort)
        if s.id == session.id or not s.is_cancelled
    ]
    sequence_errors = validate_sequence(planned, programme.min_gap_days, zone)
    if sequence_errors:
        raise ScheduleInvalid({session.blueprint_slug: next(iter(sequence_errors.values()))})
    cancelled_start = session.starts_at
    session.status = SessionStatus.SCHEDULED
    session.starts_at = starts_at
    session.duration_minutes = item.duration_minutes
    session.meeting_url = item.meeting_url.strip()
    session.notes = item.notes.strip() or None
    _bump(session)
    db.session.flush()
    record_change(
        cohort,
        actor,
        CohortAction.REPLACED,
        session.id,
        old_start=cancelled_start.isoformat(),
        **_describe(session),
    )
    notices.session_replaced(session, cancelled_start)
    return cancelled_start


def cancel_session(session: CohortSession, actor: User) -> None:
    """Cancel one session; attendees are told and calendars show it as cancelled."""
    cohort = lock_cohort(session.cohort_id)
    db.session.refresh(session)
    if session.is_cancelled:
        raise CohortError(_l("This session has already been cancelled."))
    _cancel(session)
    record_change(cohort, actor, CohortAction.SESSION_CANCELLED, session.id, **_describe(session))
    notices.session_cancelled(session)


def _cancel(session: CohortSession) -> None:
    session.status = SessionStatus.CANCELLED
    _bump(session)
    db.session.flush()


def cancel_cohort(cohort: Cohort, actor: User) -> None:
    """Cancel a cohort and all its sessions that are still planned."""
    cohort = lock_cohort(cohort.id)
    if cohort.status == CohortStatus.CANCELLED:
        raise CohortError(_l("This cohort has already been cancelled."))
    cohort.status = CohortStatus.CANCELLED
    cancelled = [s for s in sessions_of(cohort) if not s.is_cancelled]
    for session in cancelled:
        _cancel(session)
    record_change(cohort, actor, CohortAction.COHORT_CANCELLED, count=len(cancelled))
    notices.cohort_cancelled(cohort, cancelled)


def record_attendance(
    session: CohortSession, marks: Mapping[int, AttendanceStatus], actor: User
) -> None:
    """Store present / excused / absent per participant of the session's cohort."""
    allowed = set(roster_user_ids(session.cohort_id))
    if not set(marks) <= allowed:
        raise CohortError(_l("Attendance can only be registered for participants of the cohort."))
    existing = {
        a.user_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }
    now = utcnow()
    for user_id, status in marks.items():
        row = existing.get(user_id)
        if row is None:
            db.session.add(
                Attendance(
                    session_id=session.id,
                    user_id=user_id,
                    status=status,
                    recorded_by_id=actor.id,
                    recorded_at=now,
                )
            )
        elif row.status != status:
            row.status = status
            row.recorded_by_id = actor.id
            row.recorded_at = now
    db.session.flush()
