"""Demo data for a first run: one municipality, every role, participants for two cohorts.

Idempotent: records are looked up by their natural key (slug, name, email) before creation.
"""

from __future__ import annotations

from sqlalchemy import select

from learnpath.accounts.models import Department, Organisation, Role, User
from learnpath.accounts.services import hash_password, set_roles
from learnpath.extensions import db

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
    return [
        ("participant", "deelnemer01@rivierstad.example"),
        ("facilitator", "coach@rivierstad.example"),
        ("manager", "manager@rivierstad.example"),
        ("hr", "hr@rivierstad.example"),
        ("admin", "beheer@rivierstad.example"),
    ]
