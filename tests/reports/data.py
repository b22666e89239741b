"""Generated programme data for report tests, with the facts kept for independent checks."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from learnpath.accounts.models import Department, Organisation, Role, User
from learnpath.accounts.services import set_roles
from learnpath.action_plans.models import (
    ActionPlan,
    Conversation,
    PlanFollowUp,
    PlanGoal,
    PlanShare,
    PlanStatus,
    PlanVersion,
)
from learnpath.action_plans.outcomes import Achievement, GoalCategory, TrajectoryResult
from learnpath.assignments.models import (
    AssessmentMoment,
    SelfAssessment,
    Submission,
    SubmissionStatus,
)
from learnpath.cohorts.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortKind,
    CohortSession,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
)
from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db

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
    plan: PlanFact | None = None


@dataclass
class PlanFact:
    finalised: bool = False
    #: Shared with a manager and not revoked.
    shared: bool = False
    discussed: bool = False
    #: (category or None, achievement or None) per goal of the final version.
    goals: list[tuple[str | None, str | None]] = field(default_factory=list)
    #: Trajectory result recorded at follow-up, or None.
    result: str | None = None


@dataclass
class ManagerFact:
    user: User
    dept: str | None
    #: track kind -> (enrolment status, attendance per meeting held by the group; empty for
    #: someone who withdrew)
    groups: dict[str, tuple[EnrolmentStatus, dict[int, AttendanceStatus]]] = field(
        default_factory=dict
    )


@dataclass
class Data:
    org: Organisation
    facilitator: User
    cohorts: list[Cohort]
    facts: list[Fact]
    departments: dict[str, Department]
    managers: list[ManagerFact] = field(default_factory=list)


def generate(
    org: Organisation,
    sizes: dict[str | None, int],
    *,
    cohorts: int = 3,
    seed: int = 7,
    start_days: int = -120,
    managers: int = 0,
) -> Data:
    """Create people per department (None: no department) spread over ``cohorts`` cohorts,
    with action plans, goals and follow-ups, and ``managers`` managers in manager tracks."""
    rng = random.Random(seed)
    # A second generator for what was added later, so the older figures stay as they were.
    plan_rng = random.Random(seed + 1000)
    content = get_content()
    inst = content.instruments["zelfscan-loopbaancompetenties"]
    items = [item.slug for scale in inst.scales for item in scale.items]
    assignments = [a.slug for a in content.assignments_for(CAREER_PROGRAMME)]
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
    boss = _user(org, None, Role.MANAGER, "boss")
    for dept, size in sizes.items():
        for _ in range(size):
            n += 1
            user = _user(org, departments.get(dept) if dept else None, Role.PARTICIPANT, f"p{n}")
            cohort = groups[n % len(groups)]
            fact = _enrol(rng, user, dept, cohort, sessions[cohort.id], items, assignments)
            if fact.status in TOOK_PART:
                fact.plan = _plan(plan_rng, user, cohort, boss)
            facts.append(fact)
    data = Data(org, facilitator, groups, facts, departments)
    if managers:
        _manager_tracks(plan_rng, data, [d for d in sizes], managers, start_days)
    db.session.commit()
    return data


def _plan(rng: random.Random, user: User, cohort: Cohort, boss: User) -> PlanFact | None:
    """An action plan in some state; texts carry the person's e-mail (erasure must blank them)."""
    if rng.random() < 0.15:
        return None
    fact = PlanFact(finalised=rng.random() < 0.8)
    goals = [
        {
            "description": f"goal {i} of {user.email}",
            "category": rng.choice([c.value for c in GoalCategory] + [""]),
            "horizon": "short",
        }
        for i in range(rng.randint(1, 3))
    ]
    data = {"career_question": f"question of {user.email}", "goals": goals}
    plan = ActionPlan(
        user_id=user.id,
        cohort_id=cohort.id,
        content_version="test",
        data=data,
        status=PlanStatus.FINAL if fact.finalised else PlanStatus.DRAFT,
    )
    db.session.add(plan)
    db.session.flush()
    if not fact.finalised:
        return fact
    db.session.add(PlanVersion(plan_id=plan.id, number=1, data=data))
    followed = rng.random() < 0.6
    for position, goal in enumerate(goals):
        category = goal["category"] or None
        achievement = rng.choice([a.value for a in Achievement]) if followed else None
        if followed and rng.random() < 0.1:
            achievement = None  # looked back, but left this goal open
        fact.goals.append((category, achievement))
        db.session.add(
            PlanGoal(
                plan_id=plan.id,
                position=position,
                category=GoalCategory(category) if category else None,
                achievement=Achievement(achievement) if achievement else None,
            )
        )
    if followed:
        fact.result = rng.choice([r.value for r in TrajectoryResult])
        db.session.add(
            PlanFollowUp(plan_id=plan.id, result=TrajectoryResult(fact.result), version_number=1)
        )
    if rng.random() < 0.7:
        revoked = rng.random() < 0.15
        fact.shared = not revoked
        share = PlanShare(
            plan_id=plan.id,
            manager_id=boss.id,
            sections=["goals"],
            revoked_at=utcnow() if revoked else None,
        )
        db.session.add(share)
        db.session.flush()
        if rng.random() < 0.6:
            fact.discussed = True
            plan.status = PlanStatus.DISCUSSED
            db.session.add(
                Conversation(
                    share_id=share.id,
                    starts_at=utcnow() - timedelta(days=10),
                    agreements=f"agreements with {user.email}",
                    manager_notes="",
                    checklist={},
                    discussed_at=utcnow() - timedelta(days=10),
                )
            )
    return fact


def _manager_tracks(
    rng: random.Random, data: Data, depts: list[str | None], count: int, start_days: int
) -> None:
    """Managers in workshop groups (three meetings) and intervision groups (two held, one to
    come, one cancelled), with attendance of the meetings held."""
    from learnpath.cohorts.models import SessionStatus

    people = [
        ManagerFact(
            _user(data.org, data.departments.get(d) if d else None, Role.MANAGER, "m"),
            d,
        )
        for i in range(count)
        for d in [depts[i % len(depts)]]
    ]
    now = utcnow()
    for kind, size, offsets in (
        (CohortKind.WORKSHOP, 12, (0, 14, 28)),
        (CohortKind.INTERVISION, 6, (0, 45, 400)),
    ):
        members = [
            m for m in people if rng.random() < (0.7 if kind == CohortKind.WORKSHOP else 0.5)
        ]
        for g, start in enumerate(range(0, len(members), size)):
            cohort = Cohort(
                organisation=data.org,
                kind=kind,
                name=f"{kind.value} {g + 1}",
                programme_slug="het-goede-loopbaangesprek" if kind == CohortKind.WORKSHOP else "",
                content_version="test",
                capacity=20 if kind == CohortKind.WORKSHOP else 8,
                signup_opens_at=now - timedelta(days=200),
                signup_closes_at=now - timedelta(days=150),
                facilitators=[data.facilitator],
                open_to=[data.org],
            )
            db.session.add(cohort)
            meetings = []
            for position, offset in enumerate(offsets):
                meetings.append(
                    CohortSession(
                        cohort=cohort,
                        blueprint_slug=f"meeting-{position + 1}",
                        position=position,
                        starts_at=now + timedelta(days=start_days + offset),
                        duration_minutes=120,
                        meeting_url="https://example.org/m",
                    )
                )
            cancelled = CohortSession(
                cohort=cohort,
                blueprint_slug="meeting-x",
                position=len(offsets),
                starts_at=now + timedelta(days=start_days + 7),
                duration_minutes=120,
                meeting_url="https://example.org/m",
                status=SessionStatus.CANCELLED,
            )
            db.session.add_all([*meetings, cancelled])
            db.session.flush()
            held = [s for s in meetings if s.starts_at <= now]
            group_members = members[start : start + size]
            for member in group_members:
                status = rng.choices(
                    [
                        EnrolmentStatus.ENROLLED,
                        EnrolmentStatus.COMPLETED,
                        EnrolmentStatus.WITHDRAWN,
                    ],
                    weights=[5, 3, 1],
                )[0]
                db.session.add(
                    Enrolment(cohort=cohort, user=member.user, status=status, requested_at=now)
                )
                record: dict[int, AttendanceStatus] = {}
                if status != EnrolmentStatus.WITHDRAWN:
                    for meeting in held:
                        att = rng.choice(list(AttendanceStatus))
                        record[meeting.id] = att
                        db.session.add(
                            Attendance(session_id=meeting.id, user_id=member.user.id, status=att)
                        )
                    db.session.add(
                        Attendance(
                            session_id=cancelled.id,
                            user_id=member.user.id,
                            status=AttendanceStatus.ABSENT,
                        )
                    )
                member.groups[kind.value] = (status, record)
    data.managers = people
    db.session.flush()


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
        programme_slug=CAREER_PROGRAMME,
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
