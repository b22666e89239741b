"""Build cohorts, schedules and enrolments for the calendar tests (through the services)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from learnpath.accounts.models import Organisation, User
from learnpath.cohorts.models import Cohort, CohortSession, Enrolment, EnrolmentStatus
from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.schedule import services as schedule
from tests.factories import enrol, make_cohort  # noqa: F401  (the calendar tests' factories too)

PROGRAMME = CAREER_PROGRAMME
MEETING_URL = "https://teams.microsoft.com/l/meetup-join/19%3Ameeting_abc,def"
#: Sessions are planned next year, so they are always in the future.
YEAR = utcnow().year + 1


def last_sunday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


#: Both DST change days (last Sunday of March and of October): sessions 10:00–13:00 local.
DST_DAYS = (last_sunday(YEAR, 3), last_sunday(YEAR, 10))
THIRD_DAY = date(YEAR, 11, 15)


def stamp(day: date, at: time) -> str:
    """Local date-time as written in DTSTART;TZID=...: e.g. 20270328T100000."""
    return f"{day:%Y%m%d}T{at:%H%M%S}"


def inputs(days: Sequence[date] = (*DST_DAYS, THIRD_DAY)) -> list[schedule.SessionInput]:
    """The three programme sessions on the given days, 10:00 local, three hours each."""
    programme = get_content().programme(PROGRAMME)
    return [
        schedule.SessionInput(
            blueprint_slug=blueprint.slug,
            day=day,
            start=time(10, 0),
            duration_minutes=180,
            meeting_url=MEETING_URL,
            notes="Camera on, please; bring a pen.\\ Thanks" if i == 0 else "",
        )
        for i, (blueprint, day) in enumerate(zip(programme.sessions, days, strict=True))
    ]


def plan(cohort: Cohort, facilitator: User) -> list[CohortSession]:
    sessions = schedule.schedule_sessions(
        cohort, get_content().programme(PROGRAMME), inputs(), facilitator
    )
    db.session.commit()
    return sessions


def reschedule(session: CohortSession, day: date, start: time, actor: User) -> None:
    item = schedule.SessionInput(
        blueprint_slug=session.blueprint_slug,
        day=day,
        start=start,
        duration_minutes=session.duration_minutes,
        meeting_url=session.meeting_url,
        notes=session.notes or "",
    )
    assert schedule.reschedule_session(session, get_content().programme(PROGRAMME), item, actor)
    db.session.commit()


def bulk_feed(user: User, organisation: Organisation, facilitators: Sequence[User], n: int) -> None:
    """Give ``user`` n sessions: enrolled in one cohort, finished in the others (models only).

    Every cohort has its own facilitator, so loading organisers is exercised across cohorts.
    """
    start = datetime(YEAR, 2, 1, 9, 0, tzinfo=UTC)
    slugs = [b.slug for b in get_content().programme(PROGRAMME).sessions]
    for index in range((n + 2) // 3):
        cohort = Cohort(
            organisation=organisation,
            name=f"Cohort {index}",
            programme_slug=PROGRAMME,
            content_version=get_content().version,
            signup_opens_at=start - timedelta(days=30),
            signup_closes_at=start,
            open_to=[organisation],
            facilitators=[facilitators[index % len(facilitators)]],
        )
        status = EnrolmentStatus.ENROLLED if index == 0 else EnrolmentStatus.COMPLETED
        db.session.add(
            Enrolment(
                cohort=cohort,
                user=user,
                status=status,
                active_user_id=user.id if index == 0 else None,
            )
        )
        for position, slug in enumerate(slugs[: min(3, n - 3 * index)], start=1):
            db.session.add(
                CohortSession(
                    cohort=cohort,
                    blueprint_slug=slug,
                    position=position,
                    starts_at=start + timedelta(days=7 * (3 * index + position)),
                    duration_minutes=90,
                    meeting_url=MEETING_URL,
                )
            )
    db.session.commit()
