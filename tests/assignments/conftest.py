"""Fixtures for assignment tests: a planned cohort with enrolled participants."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from learnpath.accounts.models import Role, User
from learnpath.cohorts import services as cohort_services
from learnpath.cohorts.models import Cohort, Enrolment
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.schedule.models import CohortSession
from tests.cohorts.helpers import make_cohort, plan


@dataclass
class Group:
    cohort: Cohort
    facilitator: User
    participants: list[User]
    enrolments: list[Enrolment]
    sessions: list[CohortSession]

    def session(self, slug: str) -> CohortSession:
        return next(s for s in self.sessions if s.blueprint_slug == slug)

    def move_sessions(self, first_start: datetime, gap: timedelta = timedelta(days=14)) -> None:
        """Put the sessions at first_start, first_start + gap, ... (UTC), e.g. in the past."""
        for i, s in enumerate(sorted(self.sessions, key=lambda s: s.position)):
            s.starts_at = first_start + i * gap
        db.session.commit()


@pytest.fixture
def make_group(org, make_user) -> Callable[..., Group]:
    def make(size: int = 2, facilitator: User | None = None, planned: bool = True) -> Group:
        facilitator = facilitator or make_user(Role.FACILITATOR)
        cohort = make_cohort(org, facilitator, capacity=max(size, 4))
        sessions = plan(cohort, facilitator) if planned else []
        participants, enrolments = [], []
        for i in range(size):
            user = make_user(Role.PARTICIPANT, name=f"Deelnemer{i:02d} Achternaam")
            enrolments.append(cohort_services.sign_up(cohort, user))
            participants.append(user)
        db.session.commit()
        return Group(cohort, facilitator, participants, enrolments, sessions)

    return make


@pytest.fixture
def group(make_group) -> Group:
    return make_group()


@pytest.fixture
def content(app):
    return get_content()
