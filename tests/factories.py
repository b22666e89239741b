"""Build test data through the services, the way the app does: cohorts, schedules, enrolments,
action plan contents. Plain functions; the fixtures built on them are in shared_fixtures.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from learnpath.accounts.models import Organisation, User
from learnpath.cohorts import services
from learnpath.cohorts.models import Cohort, CohortSession, Enrolment, EnrolmentStatus, SignupMode
from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.schedule import services as schedule


def make_cohort(
    organisation: Organisation,
    facilitator: User | Sequence[User],
    *,
    capacity: int = 12,
    name: str = "Voorjaar",
    mode: SignupMode = SignupMode.OPEN,
    approval: bool = False,
    claim_hours: int | None = None,
    open_to: list[Organisation] | None = None,
    signup_days: int = 30,
) -> Cohort:
    """A career-programme cohort with sign-up open now (committed); the first facilitator
    creates it."""
    facilitators = [facilitator] if isinstance(facilitator, User) else list(facilitator)
    now = utcnow()
    data = services.CohortData(
        name=name,
        capacity=capacity,
        signup_opens_at=now - timedelta(days=1),
        signup_closes_at=now + timedelta(days=signup_days),
        signup_mode=mode,
        requires_manager_approval=approval,
        claim_window_hours=claim_hours,
        open_to=open_to or [organisation],
        facilitators=facilitators,
    )
    cohort = services.create_cohort(
        organisation, CAREER_PROGRAMME, get_content().version, data, facilitators[0]
    )
    db.session.commit()
    return cohort


def enrol(cohort: Cohort, user: User) -> Enrolment:
    """Sign ``user`` up (committed); the cohort must have a free seat."""
    enrolment = services.sign_up(cohort, user)
    db.session.commit()
    assert enrolment.status == EnrolmentStatus.ENROLLED
    return enrolment


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
    return session.starts_at.astimezone(ZoneInfo("Europe/Amsterdam"))


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


@dataclass
class Setup:
    participant: User
    manager: User
    facilitator: User
    enrolment_id: int
    cohort_id: int


def hand_in(enrolment: Enrolment, slug: str) -> None:
    """Record a handed-in submission of ``slug`` for ``enrolment`` (no answers)."""
    from learnpath.assignments.models import Submission, SubmissionStatus

    db.session.add(
        Submission(
            enrolment_id=enrolment.id,
            cohort_id=enrolment.cohort_id,
            user_id=enrolment.user_id,
            assignment_slug=slug,
            content_version=get_content().version,
            answers={},
            status=SubmissionStatus.SUBMITTED,
        )
    )
    db.session.commit()


def network_cohort(
    organisations: Sequence[Organisation],
    facilitator: User | Sequence[User],
    *,
    coordinators: Sequence[User] = (),
    network_name: str = "Netwerk Zuid",
    capacity: int = 12,
    name: str = "Netwerkgroep",
    mode: SignupMode = SignupMode.OPEN,
    approval: bool = False,
) -> Cohort:
    """A network cohort (committed): a network of ``organisations`` (every membership
    consented), ``coordinators`` as its coordinators, and a career-programme cohort of the
    first organisation with ``network_id`` set, open to all of them. Reuses a network of that
    name when it exists (so several cohorts can share one network)."""
    from sqlalchemy import select

    from learnpath.accounts.models import Network, NetworkCoordinator, NetworkMembership

    network = db.session.scalar(select(Network).where(Network.name == network_name))
    if network is None:
        slug = network_name.lower().replace(" ", "-")
        network = Network(slug=f"{slug}-{organisations[0].id}", name=network_name)
        db.session.add(network)
        db.session.flush()
    members = set(
        db.session.scalars(
            select(NetworkMembership.organisation_id).where(
                NetworkMembership.network_id == network.id
            )
        )
    )
    for organisation in organisations:
        if organisation.id not in members:
            db.session.add(
                NetworkMembership(
                    network_id=network.id, organisation_id=organisation.id, consent_at=utcnow()
                )
            )
    for coordinator in coordinators:
        if db.session.get(NetworkCoordinator, (network.id, coordinator.id)) is None:
            db.session.add(NetworkCoordinator(network_id=network.id, user_id=coordinator.id))
    db.session.commit()
    cohort = make_cohort(
        organisations[0],
        facilitator,
        capacity=capacity,
        name=name,
        mode=mode,
        approval=approval,
        open_to=list(organisations),
    )
    cohort.network_id = network.id
    db.session.commit()
    return cohort
