"""Demo data for a first run: one municipality, every role, participants for two cohorts.

Idempotent: records are looked up by their natural key (slug, name, email) before creation.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from learnpath.accounts.models import Department, Organisation, Role, User
from learnpath.accounts.services import hash_password, set_roles
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import Cohort, CohortKind
from learnpath.cohorts.tracks import track_of
from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.manager_tracks import services as manager_tracks
from learnpath.schedule import services as schedule

DEMO_PASSWORD = "leerpad-demo"
ORG_SLUG = "rivierstad"
DEPARTMENTS = ("Bedrijfsvoering", "Maatschappelijk domein", "Ruimtelijk domein", "Publiekszaken")

FIRST_NAMES = [
    "Anouk",
    "Bram",
    "Chantal",
    "Daan",
    "Eva",
    "Fatima",
    "Gijs",
    "Hanneke",
    "Imane",
    "Jeroen",
    "Karin",
    "Lars",
    "Mila",
    "Noah",
    "Olga",
    "Pieter",
    "Quinten",
    "Rosa",
    "Sven",
    "Tess",
    "Umut",
    "Vera",
    "Wouter",
    "Yara",
    "Zeynep",
    "Bas",
    "Ellen",
    "Ruben",
    "Sanne",
    "Thijs",
]
LAST_NAMES = (
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Berg",
    "van der Linden",
    "El Amrani",
    "Yılmaz",
    "Verhoeven",
)

#: (email local part, name, roles, department index or None)
STAFF = (
    ("beheer", "Bea Beheer", {Role.ADMIN}, 0),
    ("hr", "Hanna Hofman", {Role.HR}, 0),
    ("coach", "Carla Coach", {Role.FACILITATOR}, None),
    ("coach2", "Kees Koster", {Role.FACILITATOR}, None),
    ("manager", "Marco Manager", {Role.MANAGER}, 1),
    ("manager2", "Mirjam Molenaar", {Role.MANAGER}, 2),
    ("manager3", "Martin Mertens", {Role.MANAGER}, 3),
    ("directeur", "Dina Directeur", {Role.MANAGER}, 0),
)


def _participant_names() -> list[str]:
    return [f"{first} {last}" for first, last in zip(FIRST_NAMES, LAST_NAMES, strict=True)]


def _get_or_create_org() -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.slug == ORG_SLUG))
    if org is None:
        org = Organisation(slug=ORG_SLUG, name="Gemeente Rivierstad", timezone="Europe/Amsterdam")
        db.session.add(org)
        db.session.flush()
    return org


def _departments(org: Organisation) -> list[Department]:
    existing = {
        d.name: d
        for d in db.session.scalars(select(Department).where(Department.organisation_id == org.id))
    }
    for name in DEPARTMENTS:
        if name not in existing:
            existing[name] = Department(organisation=org, name=name)
            db.session.add(existing[name])
    db.session.flush()
    return [existing[name] for name in DEPARTMENTS]


def seed() -> list[tuple[str, str]]:
    """Create or complete the demo data; return one (role, email) login per role."""
    org = _get_or_create_org()
    departments = _departments(org)
    existing = {u.email: u for u in db.session.scalars(select(User))}
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all demo users: fast seeding

    def ensure(email: str, name: str, roles: set[Role], department: Department | None) -> User:
        user = existing.get(email)
        if user is None:
            user = User(organisation=org, email=email, name=name, password_hash=password_hash)
            db.session.add(user)
            existing[email] = user
        user.department = department
        set_roles(user, roles | user.roles)
        return user

    staff = {
        local: ensure(
            f"{local}@rivierstad.example", name, roles, None if d is None else departments[d]
        )
        for local, name, roles, d in STAFF
    }
    managers = [staff["manager"], staff["manager2"], staff["manager3"]]
    staff["manager"].manager = staff["directeur"]
    for i, name in enumerate(_participant_names(), start=1):
        user = ensure(
            f"deelnemer{i:02d}@rivierstad.example", name, {Role.PARTICIPANT}, departments[i % 4]
        )
        user.manager = managers[i % 3]
    db.session.flush()
    _cohorts(org, staff["coach"], staff["coach2"], existing)
    _workshop(org, staff["coach2"], [*managers, staff["directeur"]])
    return [
        ("participant", "deelnemer01@rivierstad.example"),
        ("facilitator", "coach@rivierstad.example"),
        ("manager", "manager@rivierstad.example"),
        ("hr", "hr@rivierstad.example"),
        ("admin", "beheer@rivierstad.example"),
    ]


#: (name, facilitator key, number of the first and last demo participant to sign up)
DEMO_COHORTS = (
    ("Loopbaantraject voorjaar – groep 1", 1, 15),
    ("Loopbaantraject voorjaar – groep 2", 16, 21),
)


def _cohorts(org: Organisation, coach: User, coach2: User, users: dict[str, User]) -> None:
    """Two cohorts with planned sessions: the first full with a waitlist, the second open."""

    content = get_content()
    programme = content.programme(CAREER_PROGRAMME)
    now = utcnow()
    for index, (name, first, last) in enumerate(DEMO_COHORTS):
        if db.session.scalar(select(Cohort.id).where(Cohort.name == name)) is not None:
            continue
        data = cohorts.CohortData(
            name=name,
            capacity=12,
            signup_opens_at=now - timedelta(days=1),
            signup_closes_at=now + timedelta(days=21),
            open_to=[org],
            facilitators=[coach] if index == 0 else [coach, coach2],
        )
        cohort = cohorts.create_cohort(org, programme.slug, content.version, data, coach)
        start = _next_monday(now.date()) + timedelta(weeks=3 + index)
        schedule.schedule_sessions(
            cohort,
            programme,
            [
                schedule.SessionInput(
                    blueprint_slug=b.slug,
                    day=start + timedelta(days=14 * i),
                    start=time(9, 30) if b.duration_minutes <= 90 else time(9, 0),
                    duration_minutes=b.duration_minutes,
                    meeting_url=f"https://meet.jit.si/rivierstad-loopbaan-{index + 1}",
                )
                for i, b in enumerate(programme.sessions)
            ],
            coach,
        )
        for number in range(first, last + 1):
            cohorts.sign_up(cohort, users[f"deelnemer{number:02d}@rivierstad.example"], now)


WORKSHOP_GROUP = "Het goede loopbaangesprek – leidinggevenden"


def _workshop(org: Organisation, coach: User, managers: list[User]) -> None:
    """A workshop group for the demo managers, its three meetings planned, everyone signed up."""

    if db.session.scalar(select(Cohort.id).where(Cohort.name == WORKSHOP_GROUP)) is not None:
        return
    now = utcnow()
    data = cohorts.CohortData(
        name=WORKSHOP_GROUP,
        capacity=12,
        signup_opens_at=now - timedelta(days=1),
        signup_closes_at=now + timedelta(days=14),
        open_to=[org],
        facilitators=[coach],
        kind=CohortKind.WORKSHOP,
    )
    group = manager_tracks.create_group(org, data, "het-goede-loopbaangesprek", managers, coach)
    plan = track_of(group).plan(group)
    start = _next_monday(now.date()) + timedelta(weeks=2)
    schedule.schedule_sessions(
        group,
        plan,
        [
            schedule.SessionInput(
                blueprint_slug=slot.slug,
                day=start + timedelta(days=14 * i),
                start=time(13, 30),
                duration_minutes=slot.duration_minutes,
                meeting_url="https://meet.jit.si/rivierstad-loopbaangesprek",
            )
            for i, slot in enumerate(plan.slots)
        ],
        coach,
    )
    for manager in managers:
        cohorts.sign_up(group, manager, now)


def _next_monday(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7 or 7)
