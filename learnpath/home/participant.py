"""What a participant sees first: where they stand (not signed up, invited, waiting, enrolled),
the next session with its join button, what is due before it, and their progress.

A fixed number of queries whatever the programme holds (no query per session or assignment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import false, func, select

from learnpath.accounts.models import User
from learnpath.action_plans.models import ActionPlan, PlanShare
from learnpath.action_plans.plan_data import SECTION_TITLES, SECTIONS
from learnpath.assignments import queries as assignment_queries
from learnpath.assignments import selfassessment
from learnpath.assignments.models import AssessmentMoment
from learnpath.assignments.next_steps import DueItem, next_steps, timeline_sessions
from learnpath.assignments.queries import CellState
from learnpath.cohorts import queries as cohort_queries
from learnpath.cohorts.join import JoinWindow, can_join, join_window, may_see_link
from learnpath.cohorts.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortKind,
    CohortSession,
    Enrolment,
    EnrolmentStatus,
    SignupMode,
)
from learnpath.cohorts.presenters import seat_counts
from learnpath.content.schema import Content
from learnpath.extensions import db
from learnpath.live.models import AbsenceNotice

#: The participant's situation, one per kind of start page.
NOT_SIGNED_UP = "not_signed_up"
WAITING = "waiting"  # waitlisted
RESERVED = "reserved"  # a seat waiting for the manager's approval or the person's confirmation
ENROLLED = "enrolled"
COMPLETED = "completed"


@dataclass(frozen=True)
class OpenGroup:
    cohort: Cohort
    free_seats: int
    first_session: CohortSession | None


@dataclass(frozen=True)
class Progress:
    sessions_attended: int
    sessions_past: int
    sessions_total: int
    handed_in: int
    assignments_total: int


@dataclass
class ParticipantPanel:
    state: str
    enrolment: Enrolment | None = None
    invitations: list[Enrolment] = field(default_factory=list)
    waitlist_position: int | None = None
    #: Groups open to the person with a free seat (to sign up, or to switch to from a waitlist).
    open_groups: list[OpenGroup] = field(default_factory=list)
    next_session: CohortSession | None = None
    join: JoinWindow | None = None
    can_join: bool = False
    shows_link: bool = False
    #: The person said "ik kan niet komen" for the next session.
    absence_noted: bool = False
    #: Due before the next session (all open work when no session is ahead), deadline order.
    due: list[DueItem] = field(default_factory=list)
    #: Open work not in ``due``.
    more_open: int = 0
    catch_up: list[object] = field(default_factory=list)
    progress: Progress | None = None
    plan: ActionPlan | None = None
    share: PlanShare | None = None
    shared_titles: list[str] = field(default_factory=list)

    @property
    def plan_status(self) -> str | None:
        return None if self.plan is None else self.plan.status.value


def participant_panel(user: User, content: Content, now: datetime) -> ParticipantPanel:
    enrolments = cohort_queries.participant_enrolments(user)
    active = next((e for e in enrolments if e.active_user_id is not None), None)
    invitations = [e for e in enrolments if e.status == EnrolmentStatus.INVITED]
    if active is None:
        completed = next((e for e in enrolments if e.status == EnrolmentStatus.COMPLETED), None)
        if completed is not None:
            panel = ParticipantPanel(COMPLETED, completed, invitations)
            _fill_programme(panel, completed, content, now)
            return panel
        panel = ParticipantPanel(NOT_SIGNED_UP, None, invitations)
        panel.open_groups = _open_groups(user, now, exclude=None)
        return panel
    if active.status == EnrolmentStatus.WAITLISTED:
        panel = ParticipantPanel(WAITING, active, invitations)
        panel.waitlist_position = cohort_queries.waitlist_position(active)
        panel.open_groups = _open_groups(user, now, exclude=active.cohort_id)
        panel.next_session = _first_upcoming(cohort_queries.sessions_of(active.cohort), now)
        return panel
    if active.status != EnrolmentStatus.ENROLLED:
        panel = ParticipantPanel(RESERVED, active, invitations)
        panel.next_session = _first_upcoming(cohort_queries.sessions_of(active.cohort), now)
        return panel
    panel = ParticipantPanel(ENROLLED, active, invitations)
    _fill_programme(panel, active, content, now)
    return panel


def _first_upcoming(sessions: list[CohortSession], now: datetime) -> CohortSession | None:
    return next((s for s in sessions if not s.is_cancelled and s.ends_at > now), None)


def _fill_programme(
    panel: ParticipantPanel, enrolment: Enrolment, content: Content, now: datetime
) -> None:
    cohort = enrolment.cohort
    timeline = assignment_queries.timeline(enrolment, content, now)
    sessions = timeline_sessions(timeline)
    done = selfassessment.find(enrolment.user_id, cohort.id)
    steps = next_steps(
        timeline,
        now,
        selfassessment.windows(cohort, content, sessions),
        AssessmentMoment.START in done,
        AssessmentMoment.FOLLOW_UP in done,
    )
    upcoming = timeline.next_session
    panel.next_session = upcoming
    if upcoming is not None:
        panel.join = join_window(upcoming)
        panel.shows_link = may_see_link(enrolment, upcoming)
        panel.can_join = can_join(enrolment, upcoming, now)
        panel.due = steps.due_before(upcoming.starts_at)
        # The intake self-assessment closes at the end of the intro: it belongs to that session.
        panel.due += [i for i in steps.items if i.is_self_assessment and i not in panel.due]
        panel.due.sort(key=lambda i: (not i.is_overdue, i.due is None, i.due or now))
    else:
        panel.due = list(steps.items)
    panel.more_open = len(steps.items) - len(panel.due) + steps.later
    # The timeline holds the catch-up work already (``Timeline.catch_up``).
    panel.catch_up = list(timeline.catch_up)
    planned = [s for s in sessions if not s.is_cancelled]
    assignments = [
        item
        for step in timeline.steps
        for item in step.assignments
        if not item.assignment.is_action_plan
    ]
    attended, panel.absence_noted = _attendance(
        enrolment.user_id, [s.id for s in planned], upcoming.id if upcoming else None
    )
    panel.progress = Progress(
        sessions_attended=attended,
        sessions_past=sum(1 for s in planned if s.ends_at <= now),
        sessions_total=len(planned),
        handed_in=sum(
            1 for i in assignments if i.cell.state not in (CellState.NOT_STARTED, CellState.DRAFT)
        ),
        assignments_total=len(assignments),
    )
    panel.plan, panel.share = _plan_and_share(enrolment.user_id, cohort.id)
    if panel.share is not None:
        panel.shared_titles = [
            str(SECTION_TITLES[k]) for k in SECTIONS if k in (panel.share.sections or [])
        ]


def _attendance(user_id: int, session_ids: list[int], upcoming_id: int | None) -> tuple[int, bool]:
    """Sessions attended (confirmed present) of ``session_ids``, and whether the person said
    "ik kan niet komen" for the upcoming session: one query, also with nothing to count."""
    present = (
        select(func.count())
        .select_from(Attendance)
        .where(
            Attendance.user_id == user_id,
            Attendance.session_id.in_(session_ids),
            Attendance.status == AttendanceStatus.PRESENT,
        )
        .scalar_subquery()
    )
    noted = (
        select(AbsenceNotice.id)
        .where(AbsenceNotice.session_id == upcoming_id, AbsenceNotice.user_id == user_id)
        .exists()
        if upcoming_id is not None
        else false()
    )
    count, absent = db.session.execute(select(present, noted)).one()
    return int(count or 0), bool(absent)


def _plan_and_share(user_id: int, cohort_id: int) -> tuple[ActionPlan | None, PlanShare | None]:
    """The person's plan in the cohort and its latest share not revoked, in one query."""
    latest = (
        select(PlanShare.id)
        .where(PlanShare.plan_id == ActionPlan.id, PlanShare.revoked_at.is_(None))
        .order_by(PlanShare.created_at.desc(), PlanShare.id.desc())
        .limit(1)
        .correlate(ActionPlan)
        .scalar_subquery()
    )
    row = db.session.execute(
        select(ActionPlan, PlanShare)
        .outerjoin(PlanShare, PlanShare.id == latest)
        .where(ActionPlan.user_id == user_id, ActionPlan.cohort_id == cohort_id)
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


def _open_groups(user: User, now: datetime, exclude: int | None) -> list[OpenGroup]:
    """Open-sign-up programme groups open to the user, sign-up open now, with a free seat."""
    cohorts = [
        c
        for c in cohort_queries.open_cohorts(user, now)
        if c.id != exclude
        and c.kind == CohortKind.PROGRAMME
        and c.signup_mode == SignupMode.OPEN
        and c.signup_opens_at <= now
    ]
    if not cohorts:
        return []
    counts = seat_counts([c.id for c in cohorts])
    firsts: dict[int, CohortSession] = {}
    for s in db.session.scalars(
        select(CohortSession)
        .where(CohortSession.cohort_id.in_([c.id for c in cohorts]))
        .order_by(CohortSession.position)
    ):
        if not s.is_cancelled:
            firsts.setdefault(s.cohort_id, s)
    return [
        OpenGroup(c, c.capacity - counts[c.id][0], firsts.get(c.id))
        for c in cohorts
        if c.capacity - counts[c.id][0] > 0
    ]
