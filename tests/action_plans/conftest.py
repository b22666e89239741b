"""Fixtures for action plan tests: a participant in a planned cohort with a manager on record,
and helpers to fill in, finalise and share a plan through the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from learnpath.accounts.models import Role, User
from learnpath.action_plans import services
from learnpath.action_plans.models import ActionPlan, PlanShare
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from tests.assignments.conftest import content, group, make_group  # noqa: F401

FUTURE = (utcnow() + timedelta(days=120)).date().isoformat()


def full_plan_data() -> dict:
    """A plan with every section filled in, with Dutch diacritics and a euro sign."""
    return {
        "career_question": "Vraag-Q: welke rol past bij mij als coördinator in één team?",
        "ambition": "Ambitie-A: ik wil naar een rol met meer regie, ideeën uitwerken.",
        "insights": {
            "kwaliteitenreflectie": "Inzicht-K: analyseren en verbinden; naïef optimisme.",
            "motievenreflectie": "Inzicht-M: zelfstandigheid en erkenning.",
        },
        "goals": [
            {
                "description": "Doel-1: projectleiding oefenen in het café-overleg",
                "measurable": "twee projecten geleid",
                "achievable": "met steun van mijn team",
                "relevant": "past bij mijn ambitie",
                "target_date": FUTURE,
                "horizon": "short",
                "category": "development",
            },
            {
                "description": "Doel-2: opleiding volgen à € 1.500",
                "measurable": "certificaat behaald",
                "achievable": "budget aangevraagd",
                "relevant": "groei in mijn vak",
                "target_date": FUTURE,
                "horizon": "long",
                "category": "internal_move",
            },
        ],
        "actions": [
            {
                "what": "Actie-1: informatief gesprek",
                "who": "Zoë de Vries",
                "when": FUTURE,
                "result": "beeld van de rol",
            },
        ],
        "support": {
            "kinds": ["budget", "coaching"],
            "details": "Steun-S: opleidingsbudget € 1.500",
        },
        "topics": "Onderwerp-T: mijn ambitie en de mogelijkheden in het team.",
        "follow_up_on": FUTURE,
    }


@dataclass
class Setup:
    participant: User
    manager: User
    facilitator: User
    enrolment_id: int
    cohort_id: int


@pytest.fixture
def setup(make_group, make_user) -> Setup:  # noqa: F811
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
        from learnpath.cohorts.models import Enrolment

        enrolment = db.session.get(Enrolment, setup.enrolment_id)
        plan = services.start_plan(enrolment, get_content(), "nl")
        services.save_plan(plan, data or full_plan_data(), utcnow().date(), final=True)
        db.session.commit()
        return plan

    return make


@pytest.fixture
def shared(setup, final_plan) -> Callable[..., PlanShare]:
    def make(sections: list[str], manager: User | None = None) -> PlanShare:
        plan = final_plan()
        row = services.share(plan, manager or setup.manager, sections)
        db.session.commit()
        return row

    return make
