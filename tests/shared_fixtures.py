"""Fixtures shared by several test packages (registered in tests/conftest.py): a planned
cohort with enrolled participants, a participant with a manager, and their action plan."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from learnpath.accounts.models import Role, User
from learnpath.action_plans import services as plan_services
from learnpath.action_plans.models import ActionPlan, PlanShare
from learnpath.cohorts import services as cohort_services
from learnpath.cohorts.models import Enrolment
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from tests.factories import Group, Setup, full_plan_data, make_cohort, plan


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


@pytest.fixture
def setup(make_group, make_user) -> Setup:
    manager = make_user(Role.MANAGER, name="Manon Leidinggevende")
    g = make_group(size=1)
    participant = g.participants[0]
    participant.manager = manager
    db.session.commit()
    return Setup(participant, manager, g.facilitator, g.enrolments[0].id, g.cohort.id)


@pytest.fixture
def final_plan(setup) -> Callable[..., ActionPlan]:
    """Start, fill in and finalise the participant's plan (through the services)."""

    def make(data: dict | None = None) -> ActionPlan:
        enrolment = db.session.get(Enrolment, setup.enrolment_id)
        action_plan = plan_services.start_plan(enrolment, get_content(), "nl")
        plan_services.save_plan(action_plan, data or full_plan_data(), utcnow().date(), final=True)
        db.session.commit()
        return action_plan

    return make


@pytest.fixture
def shared(setup, final_plan) -> Callable[..., PlanShare]:
    def make(sections: list[str], manager: User | None = None) -> PlanShare:
        action_plan = final_plan()
        row = plan_services.share(action_plan, manager or setup.manager, sections)
        db.session.commit()
        return row

    return make


@pytest.fixture
def clock(app, tmp_path):
    """Freeze the time pages use (the browser tests' hook, TEST_CLOCK_FILE)."""
    path = tmp_path / "clock"
    app.config["TEST_CLOCK_FILE"] = str(path)

    def set_to(moment):
        path.write_text(moment.isoformat(), encoding="utf-8")

    return set_to
