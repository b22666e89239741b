"""Generated programme data for report tests, with the facts kept for independent checks."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from learnpath.accounts.models import Department, Organisation, Role, User
from learnpath.accounts.services import set_roles
from learnpath.assignments.models import (
    AssessmentMoment,
    SelfAssessment,
    Submission,
    SubmissionStatus,
)
from learnpath.cohorts.models import Cohort, DropoutReason, Enrolment, EnrolmentStatus
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.schedule.models import Attendance, AttendanceStatus, CohortSession

SLUGS = ("intro", "verdieping", "actie")
TOOK_PART = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.DROPPED_OUT)


@dataclass
class Fact:
    user: User
    dept: str | None
    cohort: Cohort
    status: EnrolmentStatus
    reason: DropoutReason | None = None
    attendance: dict[str, AttendanceStatus] = field(default_factory=dict)
    handed_in: set[str] = field(default_factory=set)
    start: dict[str, int] | None = None
    end: dict[str, int] | None = None


@dataclass
class Data:
    org: Organisation
    facilitator: User
    cohorts: list[Cohort]
    facts: list[Fact]
    departments: dict[str, Department]


def generate(
    org: Organisation,
    sizes: dict[str | None, int],
    *,
    cohorts: int = 3,
    seed: int = 7,
    start_days: int = -120,
) -> Data:
    """Create people per department (None: no department) spread over ``cohorts`` cohorts."""
    rng = random.Random(seed)
    content = get_content()
    inst = content.instruments["zelfscan-loopbaancompetenties"]
    items = [item.slug for scale in inst.scales for item in scale.items]
    assignments = [a.slug for a in content.assignments_for("loopbaantraject")]
    departments = {d.name: d for d in org.departments}
    for name in sizes:
        if name is not None and name not in departments:
            departments[name] = Department(organisation_id=org.id, name=name)
            db.session.add(departments[name])
            db.session.flush()
    facilitator = _user(org, None, Role.FACILITATOR, "begeleider")
    groups = [_cohort(org, facilitator, i, start_days) for i in range(cohorts)]
    sessions = {
        c.id: {
            s.blueprint_slug: s for s in db.session.query(CohortSession).filter_by(cohort_id=c.id)
        }
        for c in groups
    }
    facts = []
    n = 0
    for dept, size in sizes.items():
        for _ in range(size):
            n += 1
            user = _user(org, departments.get(dept) if dept else None, Role.PARTICIPANT, f"p{n}")
            cohort = groups[n % len(groups)]
            fact = _enrol(rng, user, dept, cohort, sessions[cohort.id], items, assignments)
            facts.append(fact)
    db.session.commit()
    return Data(org, facilitator, groups, facts, departments)


_counter = [0]


def _user(org: Organisation, dept: Department | None, role: Role, tag: str) -> User:
    _counter[0] += 1
    n = _counter[0]
    user = User(
        organisation=org,
        department=dept,
        email=f"gen{n}-{tag}@example.org",
        name=f"Generated Person {n:04d}",
        password_hash="x",
    )
    db.session.add(user)
    set_roles(user, {role})
    return user


def _cohort(org: Organisation, facilitator: User, i: int, start_days: int) -> Cohort:
    now = utcnow()
    cohort = Cohort(
        organisation=org,
        name=f"Groep {i + 1}",
        programme_slug="loopbaantraject",
        content_version="test",
        capacity=14,
        signup_opens_at=now - timedelta(days=200),
        signup_closes_at=now - timedelta(days=150),
        facilitators=[facilitator],
        open_to=[org],
    )
    db.session.add(cohort)
    first = now + timedelta(days=start_days)
    for position, slug in enumerate(SLUGS):
        db.session.add(
            CohortSession(
                cohort=cohort,
                blueprint_slug=slug,
                position=position,
                starts_at=first + timedelta(days=14 * position),
                duration_minutes=90,
                meeting_url="https://example.org/m",
            )
        )
    db.session.flush()
    return cohort


def _enrol(rng, user, dept, cohort, sessions, items, assignments) -> Fact:
    status = rng.choices(
        [
            EnrolmentStatus.COMPLETED,
            EnrolmentStatus.DROPPED_OUT,
            EnrolmentStatus.ENROLLED,
            EnrolmentStatus.WAITLISTED,
            EnrolmentStatus.WITHDRAWN,
        ],
        weights=[5, 2, 2, 1, 1],
    )[0]
    fact = Fact(user, dept, cohort, status)
    if status == EnrolmentStatus.DROPPED_OUT:
        fact.reason = rng.choice(list(DropoutReason))
    enrolment = Enrolment(
        cohort=cohort,
        user=user,
        status=status,
        dropout_reason=fact.reason,
        requested_at=utcnow(),
        note=f"note about {user.name}",
    )
    db.session.add(enrolment)
    db.session.flush()
    if status not in TOOK_PART:
        return fact
    for slug in SLUGS:
        att = rng.choice(list(AttendanceStatus))
        fact.attendance[slug] = att
        db.session.add(Attendance(session_id=sessions[slug].id, user_id=user.id, status=att))
    for slug in assignments:
        state = rng.choice(
            [None, SubmissionStatus.DRAFT, SubmissionStatus.SUBMITTED, SubmissionStatus.REVIEWED]
        )
        if state is None:
            continue
        if state != SubmissionStatus.DRAFT:
            fact.handed_in.add(slug)
        db.session.add(
            Submission(
                enrolment_id=enrolment.id,
                cohort_id=cohort.id,
                user_id=user.id,
                assignment_slug=slug,
                content_version="test",
                status=state,
                answers={"b": {"type": "text", "text": f"secret answer of {user.email} {slug}"}},
            )
        )
    if rng.random() < 0.8:
        fact.start = {i: rng.randint(1, 5) for i in items}
        db.session.add(_assessment(user, cohort, AssessmentMoment.START, fact.start))
        if rng.random() < 0.8:
            fact.end = {i: rng.randint(1, 5) for i in items}
            db.session.add(_assessment(user, cohort, AssessmentMoment.END, fact.end))
    return fact


def _assessment(user, cohort, moment, answers) -> SelfAssessment:
    return SelfAssessment(
        user_id=user.id,
        cohort_id=cohort.id,
        moment=moment,
        instrument_slug="zelfscan-loopbaancompetenties",
        content_version="test",
        answers=answers,
    )
