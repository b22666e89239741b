"""Helpers to build cohorts and schedules in tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from learnpath.accounts.models import Organisation, User
from learnpath.cohorts import services
from learnpath.cohorts.models import Cohort, SignupMode
from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.schedule import services as schedule
from learnpath.schedule.models import CohortSession


def make_cohort(
    organisation: Organisation,
    facilitator: User,
    *,
    capacity: int = 12,
    name: str = "Voorjaar",
    mode: SignupMode = SignupMode.OPEN,
    approval: bool = False,
    claim_hours: int | None = None,
    open_to: list[Organisation] | None = None,
) -> Cohort:
    now = utcnow()
    data = services.CohortData(
        name=name,
        capacity=capacity,
        signup_opens_at=now - timedelta(days=1),
        signup_closes_at=now + timedelta(days=30),
        signup_mode=mode,
        requires_manager_approval=approval,
        claim_window_hours=claim_hours,
        open_to=open_to or [organisation],
        facilitators=[facilitator],
    )
    cohort = services.create_cohort(
        organisation, CAREER_PROGRAMME, get_content().version, data, facilitator
    )
    db.session.commit()
    return cohort


def future_monday(weeks: int = 3) -> date:
    today = utcnow().date()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks)


def schedule_inputs(first: date | None = None) -> list[schedule.SessionInput]:
    first = first or future_monday()
    programme = get_content().programme(CAREER_PROGRAMME)
    return [
        schedule.SessionInput(
            blueprint_slug=b.slug,
            day=first + timedelta(days=14 * i),
            start=time(9, 30),
            duration_minutes=b.duration_minutes,
            meeting_url="https://teams.microsoft.com/l/meetup-join/abc",
        )
        for i, b in enumerate(programme.sessions)
    ]


def plan(cohort: Cohort, facilitator: User, first: date | None = None) -> list[CohortSession]:
    sessions = schedule.schedule_sessions(
        cohort, get_content().programme(CAREER_PROGRAMME), schedule_inputs(first), facilitator
    )
    db.session.commit()
    return sessions


def local(session: CohortSession) -> datetime:
    from zoneinfo import ZoneInfo

    return session.starts_at.astimezone(ZoneInfo("Europe/Amsterdam"))
