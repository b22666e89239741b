"""Demo data for a first run: one municipality, every role, participants for two cohorts.

Idempotent: records are looked up by their natural key (slug, name, email) before creation.
Every start page has something to show: deelnemer01 reports to manager@ (so "share with my
manager" lands in the inbox of the account printed), and deelnemer04 (also manager@'s) has work
handed in (one with feedback, one waiting for it), a finalised plan shared with manager@ and
times proposed for the career conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from learnpath.accounts import mfa
from learnpath.accounts.models import (
    Department,
    Network,
    NetworkCoordinator,
    NetworkMembership,
    Organisation,
    Role,
    User,
)
from learnpath.accounts.services import hash_password, set_roles
from learnpath.action_plans import services as plans
from learnpath.assignments import services as assignments
from learnpath.assignments.services import AssignmentError
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import Cohort, CohortKind, Enrolment, EnrolmentStatus
from learnpath.cohorts.tracks import track_of
from learnpath.content.schema import (
    CAREER_PROGRAMME,
    Assignment,
    ListBlock,
    RatingBlock,
    TextBlock,
)
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.manager_tracks import services as manager_tracks
from learnpath.opportunities import services as kansen
from learnpath.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    TimeUnit,
)
from learnpath.schedule import services as schedule

DEMO_PASSWORD = "leerpad-demo"
#: The authenticator key of the demo's administrator and HR (they need two-step verification):
#: add it to an authenticator app, or compute a code with ``pyotp.TOTP(DEMO_TOTP_SECRET).now()``.
DEMO_TOTP_SECRET = "LEERPADDEMOTOTP2FA234567"
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
    db.session.flush()
    for local in ("beheer", "hr"):  # their roles require a second factor (accounts.mfa)
        mfa.enrol_with_secret(staff[local], DEMO_TOTP_SECRET)
    managers = [staff["manager"], staff["manager2"], staff["manager3"]]
    staff["manager"].manager = staff["directeur"]
    for i, name in enumerate(_participant_names(), start=1):
        user = ensure(
            f"deelnemer{i:02d}@rivierstad.example", name, {Role.PARTICIPANT}, departments[i % 4]
        )
        # deelnemer01, 04, 07, ... report to manager@, the manager whose login is printed.
        user.manager = managers[(i - 1) % 3]
    db.session.flush()
    _cohorts(org, staff["coach"], staff["coach2"], existing)
    _workshop(org, staff["coach2"], [*managers, staff["directeur"]])
    _progress(existing[f"deelnemer{PROGRESSED:02d}@rivierstad.example"], staff["coach"])
    _network(org, staff["beheer"], existing, password_hash)
    return [
        ("participant", "deelnemer01@rivierstad.example"),
        ("facilitator", "coach@rivierstad.example"),
        ("manager", "manager@rivierstad.example"),
        ("hr", "hr@rivierstad.example"),
        ("admin", "beheer@rivierstad.example"),
    ]


NETWORK_SLUG = "rivierland"
PARTNER_SLUG = "beekdal"
#: The partner organisation's people: (email local part, name, roles).
PARTNER_STAFF = (
    ("beheer", "Bram Bosman", {Role.ADMIN}),
    ("hr", "Hester Hoekstra", {Role.HR}),
    ("manager", "Mila Mulder", {Role.MANAGER}),
    ("collega", "Kim Kramer", {Role.PARTICIPANT}),
)
PARTNER_PARTICIPANTS = (
    "Eva Evers",
    "Olaf Oosting",
    "Nadia Nijhuis",
    "Rik Roelofs",
    "Lotte Lammers",
    "Wessel Wolters",
)


def _network(org: Organisation, admin: User, existing: dict[str, User], password_hash: str) -> None:
    """A regional network of Rivierstad and a second municipality, Beekdal, with both
    administrators' consent and a coordinator at Rivierstad (the network cohorts are made by
    the coordinator, from the network's page)."""
    partner = db.session.scalar(select(Organisation).where(Organisation.slug == PARTNER_SLUG))
    if partner is None:
        partner = Organisation(
            slug=PARTNER_SLUG, name="Gemeente Beekdal", timezone="Europe/Amsterdam"
        )
        db.session.add(partner)
        db.session.flush()

    def ensure(email: str, name: str, roles: set[Role], where: Organisation) -> User:
        user = existing.get(email)
        if user is None:
            user = User(organisation=where, email=email, name=name, password_hash=password_hash)
            db.session.add(user)
            existing[email] = user
        set_roles(user, roles | user.roles)
        return user

    people = {
        local: ensure(f"{local}@beekdal.example", name, roles, partner)
        for local, name, roles in PARTNER_STAFF
    }
    for i, name in enumerate(PARTNER_PARTICIPANTS, start=1):
        person = ensure(f"deelnemer{i:02d}@beekdal.example", name, {Role.PARTICIPANT}, partner)
        person.manager = people["manager"]
    people["collega"].manager = people["manager"]
    coordinator = ensure("netwerk@rivierstad.example", "Noor Netwerk", {Role.FACILITATOR}, org)
    db.session.flush()
    for local in ("beheer", "hr"):  # their roles require a second factor (accounts.mfa)
        mfa.enrol_with_secret(people[local], DEMO_TOTP_SECRET)
    network = db.session.scalar(select(Network).where(Network.slug == NETWORK_SLUG))
    if network is None:
        network = Network(slug=NETWORK_SLUG, name="Mobiliteitsnetwerk Rivierland")
        db.session.add(network)
        db.session.flush()
    members = {
        m.organisation_id: m
        for m in db.session.scalars(
            select(NetworkMembership).where(NetworkMembership.network_id == network.id)
        )
    }
    now = utcnow()
    for member, by in ((org, admin), (partner, people["beheer"])):
        if member.id not in members:
            db.session.add(
                NetworkMembership(
                    network=network, organisation=member, consent_at=now, consent_by_id=by.id
                )
            )
    if db.session.get(NetworkCoordinator, (network.id, coordinator.id)) is None:
        db.session.add(NetworkCoordinator(network=network, user=coordinator))
    db.session.flush()
    _kansenbank(network, people["collega"], existing["manager2@rivierstad.example"])


#: (title, team, kind, time, unit, what one learns, for the whole network)
KANSEN = (
    (
        "Meeloopdag bij Vergunningen",
        "Team Vergunningen en Handhaving",
        OpportunityKind.SHADOWING,
        1,
        TimeUnit.DAYS,
        "Hoe een aanvraag van binnenkomst tot besluit loopt, en wat het werk van een "
        "vergunningverlener vraagt.",
        True,
    ),
    (
        "Oriënterend gesprek over data-analyse",
        "Data & Informatie",
        OpportunityKind.INTERVIEW,
        1,
        TimeUnit.HOURS,
        "Wat een data-analist bij de gemeente doet, en welke opleiding daarbij past.",
        False,
    ),
)


def _kansenbank(network: Network, partner_offerer: User, own_offerer: User) -> None:
    """Two opportunities: a job-shadowing day in Beekdal for the whole network, and an
    informational interview within Rivierstad."""
    competencies = get_content().competencies
    exploration = "werkexploratie" if "werkexploratie" in competencies else next(iter(competencies))
    titles = set(db.session.scalars(select(Opportunity.title)))
    for (title, team, kind, amount, unit, learns, shared), offerer in zip(
        KANSEN, (partner_offerer, own_offerer), strict=True
    ):
        if title in titles:
            continue
        kansen.offer(
            offerer,
            kansen.OfferData(
                kind=kind,
                title=title,
                team=team,
                time_amount=amount,
                time_unit=unit,
                starts_on=None,
                ends_on=None,
                learns=learns,
                competency=exploration,
                network_id=network.id if shared else None,
                status=OpportunityStatus.OPEN,
                places=2,
            ),
            competencies,
        )


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


#: The demo participant with work handed in, a shared plan and a proposed conversation.
PROGRESSED = 4
#: Assignments the progressed participant has handed in; the first has feedback.
HANDED_IN = ("loopbaanvraag", "piekmomenten")


def answers_for(assignment: Assignment) -> dict[str, Any]:
    """Answers that pass the hand-in checks for text and rating blocks."""
    answers: dict[str, Any] = {}
    for block in assignment.blocks:
        if isinstance(block, TextBlock):
            text = "Hoe kan ik mijn analytische kwaliteiten meer inzetten in een nieuwe rol?"
            answers[block.slug] = {"value": text[: block.max_length or len(text)]}
        elif isinstance(block, RatingBlock) and not block.rows_from_participant:
            answers[block.slug] = {"scores": [3] * len(block.rows)}
        elif isinstance(block, ListBlock):
            answers[block.slug] = {
                "items": [
                    {"item": f"Moment {n} waarop alles klopte", "example": "Ik kon analyseren."}
                    for n in range(1, max(block.min_items, 1) + 1)
                ]
            }
    return answers


def _progress(user: User, coach: User) -> None:
    """Hand in two assignments (feedback on one), finalise and share the plan, propose times."""
    content = get_content()
    enrolment = db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ENROLLED
        )
    )
    if enrolment is None or user.manager is None or plans.find_plan(enrolment) is not None:
        return
    now = utcnow()
    for number, slug in enumerate(HANDED_IN):
        assignment = content.assignments[slug]
        try:
            submission = assignments.submit(
                enrolment, assignment, content, answers_for(assignment), None, now
            )
        except AssignmentError:
            continue  # the content changed: the demo goes on without this hand-in
        if number == 0:
            assignments.give_feedback(
                submission,
                assignment,
                coach,
                "Een heldere, open vraag. Neem hem mee naar de verdiepingssessie.",
            )
    plan = plans.start_plan(enrolment, content, "nl")
    plans.save_plan(plan, _plan_data(now.date()), now.date(), final=True)
    share = plans.share(plan, user.manager, ["question", "goals", "support", "topics"])
    plans.propose_times(share, _proposals(now), 60, now)


def _plan_data(today: date) -> dict[str, Any]:
    later = (today + timedelta(days=120)).isoformat()
    return {
        "career_question": "Hoe kan ik mijn analytische kwaliteiten meer inzetten?",
        "ambition": "Over twee jaar werk ik als adviseur informatievoorziening.",
        "insights": {},
        "goals": [
            {
                "description": "Meelopen met het team informatievoorziening",
                "measurable": "drie dagdelen meegelopen",
                "achievable": "mijn leidinggevende geeft de uren",
                "relevant": "zo weet ik of de rol bij me past",
                "target_date": later,
                "horizon": "short",
                "category": "development",
            }
        ],
        "actions": [
            {
                "what": "Afspraak maken met de teamleider informatievoorziening",
                "who": "ik",
                "when": later,
                "result": "een datum om mee te lopen",
            }
        ],
        "support": {"kinds": ["coaching"], "details": "Twee gesprekken met een loopbaancoach."},
        "topics": "Ruimte om mee te lopen en een opleiding in data-analyse.",
        "follow_up_on": later,
    }


def _proposals(now: datetime) -> list[datetime]:
    day = _next_monday(now.date()) + timedelta(days=1)
    zone = ZoneInfo("Europe/Amsterdam")
    return [
        datetime.combine(day, time(10, 0), tzinfo=zone).astimezone(UTC),
        datetime.combine(day + timedelta(days=2), time(14, 0), tzinfo=zone).astimezone(UTC),
    ]


@dataclass(frozen=True)
class DemoPeople:
    """Who is where in the demo programme (for the first-run message)."""

    enrolled: list[tuple[str, str]]
    waitlisted: list[tuple[str, str]]
    not_signed_up: list[str]
    #: Who reports to whom, for the participants worth signing in as first.
    notes: list[str]


def demo_people() -> DemoPeople:
    """The demo participants by their place in the programme cohorts (email addresses)."""
    rows = db.session.execute(
        select(User.email, Enrolment.status, Cohort.name)
        .join(Enrolment, Enrolment.user_id == User.id)
        .join(Cohort, Enrolment.cohort_id == Cohort.id)
        .where(
            User.email.like("deelnemer%@rivierstad.example"),
            Cohort.kind == CohortKind.PROGRAMME,
            Enrolment.active_user_id.is_not(None),
        )
        .order_by(User.email)
    ).all()
    placed = {email for email, _status, _cohort in rows}
    everyone = db.session.scalars(
        select(User.email)
        .where(User.email.like("deelnemer%@rivierstad.example"))
        .order_by(User.email)
    ).all()
    notes = []
    for number, what in ((1, "a fresh start"), (PROGRESSED, "work, a shared plan, proposed times")):
        user = db.session.scalar(
            select(User).where(User.email == f"deelnemer{number:02d}@rivierstad.example")
        )
        if user is not None and user.manager is not None:
            notes.append(f"{user.email} ({what}) reports to {user.manager.email}")
    return DemoPeople(
        notes=notes,
        enrolled=[(e, c) for e, st, c in rows if st == EnrolmentStatus.ENROLLED],
        waitlisted=[(e, c) for e, st, c in rows if st == EnrolmentStatus.WAITLISTED],
        not_signed_up=[e for e in everyone if e not in placed],
    )
