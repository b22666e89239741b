"""Manager track groups and intervision meetings.

Groups are cohorts of kind WORKSHOP or INTERVISION, created, filled and scheduled with the
cohort and schedule services; this module adds what only manager tracks have: creating a
group with its first members (hierarchy rule), the intervision meeting (method, rotating
roles, case, notes) and the counts HR may see.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from learnpath.accounts.models import Organisation, Role, User
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import (
    SEAT_STATUSES,
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortKind,
    CohortSession,
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
)
from learnpath.cohorts.services import CohortError
from learnpath.cohorts.tracks import for_kind
from learnpath.content import IntervisionMethod
from learnpath.content.schema import IntervisionRole, WorkshopSeries
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.manager_tracks import hierarchy, rotation
from learnpath.manager_tracks.models import IntervisionMeeting, MeetingRole, RotationWaiver

log = logging.getLogger(__name__)

MANAGER_KINDS = (CohortKind.WORKSHOP, CohortKind.INTERVISION)
#: Who reads an intervision group's cases and notes: people with a place, or who finished.
MEMBER_STATUSES = SEAT_STATUSES | {EnrolmentStatus.COMPLETED}
#: Statuses that make a group show on a manager's page.
SHOWN_STATUSES = MEMBER_STATUSES | {EnrolmentStatus.INVITED, EnrolmentStatus.WAITLISTED}
MAX_TEXT = 4000


# --- groups --------------------------------------------------------------------------------


def validate_group(
    data: cohorts.CohortData, series_slug: str, members: Sequence[User]
) -> dict[str, str]:
    """Field name -> message for every rule a new group breaks (cohort rules included)."""
    errors = cohorts.validate_cohort_data(data)
    if data.kind == CohortKind.WORKSHOP and series_slug not in get_content().workshop_series:
        errors["series"] = str(_l("Choose a workshop series."))
    if len(members) > data.capacity:
        errors["members"] = str(_l("More members than places."))
    elif any(Role.MANAGER not in m.roles for m in members):
        errors["members"] = str(_l("Only managers can take part in a manager track."))
    elif data.kind == CohortKind.INTERVISION:
        message = hierarchy_message(members)
        if message:
            errors["members"] = message
    return errors


def hierarchy_message(members: Sequence[User]) -> str | None:
    """A message naming every pair in one reporting line, or None when there is none."""
    by_id = {m.id: m for m in members}
    lines = hierarchy.reporting_lines({m.organisation_id for m in members})
    pairs = hierarchy.conflicting_pairs(by_id, lines)
    if not pairs:
        return None
    names = "; ".join(f"{by_id[a].name} – {by_id[b].name}" for a, b in pairs)
    return str(
        _l(
            "An intervision group has no hierarchy: these people are in one reporting line "
            "(manager and manager's manager, directly or indirectly): %(pairs)s.",
            pairs=names,
        )
    )


def create_group(
    organisation: Organisation,
    data: cohorts.CohortData,
    series_slug: str,
    members: Sequence[User],
    actor: User,
) -> Cohort:
    """Create a workshop or intervision group and invite its first members."""
    if data.kind not in MANAGER_KINDS:
        raise CohortError(_l("Choose a workshop group or an intervision group."))
    errors = validate_group(data, series_slug, members)
    if errors:
        raise CohortError(next(iter(errors.values())))
    slug = series_slug if data.kind == CohortKind.WORKSHOP else "intervision"
    cohort = cohorts.create_cohort(organisation, slug, get_content().version, data, actor)
    for member in members:
        cohorts.invite(cohort, member, actor)
    return cohort


def capacity_warning(kind: CohortKind, capacity: int) -> str | None:
    return for_kind(kind).capacity_warning(capacity)


def membership(user: User, cohort: Cohort) -> Enrolment | None:
    """The user's enrolment in a manager track group, if they are a member (or invited)."""
    if cohort.kind not in MANAGER_KINDS:
        return None
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.cohort_id == cohort.id,
            Enrolment.user_id == user.id,
            Enrolment.status.in_(SHOWN_STATUSES),
        )
    )


def is_member(user: User, cohort: Cohort) -> bool:
    """Whether the user may read the group's confidential content (cases, notes)."""
    enrolment = membership(user, cohort)
    return enrolment is not None and enrolment.status in MEMBER_STATUSES


def my_enrolments(user: User) -> list[Enrolment]:
    """The manager's groups (member, invited or waiting), newest first."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .join(Cohort, Enrolment.cohort_id == Cohort.id)
            .where(
                Enrolment.user_id == user.id,
                Enrolment.status.in_(SHOWN_STATUSES),
                Cohort.kind.in_(MANAGER_KINDS),
            )
            .order_by(Cohort.created_at.desc())
        )
    )


def members_of(cohort: Cohort) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(MEMBER_STATUSES))
            .order_by(User.name)
        )
    )


# --- workshop materials ------------------------------------------------------------------------


def workshop_series(cohort: Cohort) -> WorkshopSeries | None:
    """The workshop series a workshop group follows (None for intervision or unknown content)."""
    if cohort.kind != CohortKind.WORKSHOP:
        return None
    return get_content().workshop_series.get(cohort.programme_slug)


def may_open_materials(user: User, cohort: Cohort) -> bool:
    """Members of a workshop group (a place, or finished) and its facilitators read its
    materials; other managers, other groups' facilitators, HR and admins do not."""
    if cohort.kind != CohortKind.WORKSHOP:
        return False
    if Role.MANAGER in user.roles and is_member(user, cohort):
        return True
    return cohorts.can_manage(user, cohort)


# --- intervision meetings ---------------------------------------------------------------------


def method_of(meeting: IntervisionMeeting) -> IntervisionMethod | None:
    if meeting.method_slug is None:
        return None
    return get_content().intervision_methods.get(meeting.method_slug)


def roles_needed(meeting: IntervisionMeeting) -> tuple[str, ...]:
    method = method_of(meeting)
    return method.roles if method else rotation.DEFAULT_ROLES


def _not_present(session_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(session id, user id) of everyone marked excused or absent in these sessions."""
    if not session_ids:
        return set()
    rows = db.session.execute(
        select(Attendance.session_id, Attendance.user_id).where(
            Attendance.session_id.in_(session_ids),
            Attendance.status != AttendanceStatus.PRESENT,
        )
    )
    return {(s, u) for s, u in rows}


def present_members(session: CohortSession) -> list[int]:
    """Members with a seat, except those already marked excused or absent for this meeting."""
    away = {u for _s, u in _not_present([session.id])}
    seated = db.session.scalars(
        select(Enrolment.user_id).where(
            Enrolment.cohort_id == session.cohort_id, Enrolment.status.in_(SEAT_STATUSES)
        )
    )
    return [u for u in seated if u not in away]


def history_before(session: CohortSession) -> list[dict[str, int]]:
    """Roles actually held in the group's earlier meetings (absent role-holders left out)."""
    meetings = db.session.scalars(
        select(IntervisionMeeting)
        .join(CohortSession, IntervisionMeeting.session_id == CohortSession.id)
        .where(
            CohortSession.cohort_id == session.cohort_id,
            CohortSession.position < session.position,
            CohortSession.status == SessionStatus.SCHEDULED,
        )
        .order_by(CohortSession.position)
    ).all()
    away = _not_present([m.session_id for m in meetings])
    return [
        {r.role: r.user_id for r in m.roles if (m.session_id, r.user_id) not in away}
        for m in meetings
    ]


def _store_roles(meeting: IntervisionMeeting, assignment: Mapping[str, int]) -> None:
    meeting.roles.clear()
    db.session.flush()  # delete the old rows before the unique keys are reused
    meeting.roles.extend(MeetingRole(role=r, user_id=u) for r, u in assignment.items())
    db.session.flush()


def propose(meeting: IntervisionMeeting) -> None:
    """(Re)fill the roles by the rotation, unless the chair has confirmed them."""
    if meeting.roles_confirmed:
        return
    session = meeting.session
    proposal = rotation.propose_roles(
        present_members(session),
        {w.user_id for w in meeting.waivers},
        history_before(session),
        roles_needed(meeting),
    )
    _store_roles(meeting, proposal)


def meeting_for(session: CohortSession) -> IntervisionMeeting:
    """The meeting of an intervision session, created with proposed roles on first use."""
    meeting = db.session.scalar(
        select(IntervisionMeeting).where(IntervisionMeeting.session_id == session.id)
    )
    if meeting is not None:
        return meeting
    try:
        with db.session.begin_nested():
            meeting = IntervisionMeeting(session=session)
            db.session.add(meeting)
            db.session.flush()
    except IntegrityError:  # another request created it first
        return db.session.scalars(
            select(IntervisionMeeting).where(IntervisionMeeting.session_id == session.id)
        ).one()
    propose(meeting)
    return meeting


def lock_meeting(meeting: IntervisionMeeting) -> None:
    """Hold the meeting's row lock until commit and re-read it (with its roles and waivers).

    Every change to a meeting starts here: two members acting on one meeting at once (both
    passing their turn, one choosing the method while another passes) would otherwise both
    rewrite the roles from the same old state and collide on their unique keys. The second
    waits for the first to commit and then sees its result. (SQLite serialises writers by
    BEGIN IMMEDIATE anyway; see learnpath/db.py.)
    """
    db.session.refresh(meeting, with_for_update=True)


def _require_member(meeting: IntervisionMeeting, user: User) -> None:
    if not is_member(user, meeting.session.cohort):
        raise CohortError(_l("Only members of the group can do this."))


def _require_open(meeting: IntervisionMeeting) -> None:
    if meeting.session.is_cancelled:
        raise CohortError(_l("This meeting has been cancelled."))


def choose_method(meeting: IntervisionMeeting, slug: str, actor: User) -> None:
    """The group picks the method; unconfirmed roles follow the method's roles."""
    lock_meeting(meeting)
    _require_member(meeting, actor)
    _require_open(meeting)
    if slug not in get_content().intervision_methods:
        raise CohortError(_l("Choose one of the methods."))
    meeting.method_slug = slug
    db.session.flush()
    propose(meeting)


def waive(meeting: IntervisionMeeting, user: User, waiving: bool) -> None:
    """A member passes (or takes back passing) their turn as case-bringer for this meeting."""
    lock_meeting(meeting)
    _require_member(meeting, user)
    _require_open(meeting)
    current = {w.user_id for w in meeting.waivers}
    if waiving and user.id not in current:
        meeting.waivers.append(RotationWaiver(user_id=user.id))
    elif not waiving and user.id in current:
        meeting.waivers[:] = [w for w in meeting.waivers if w.user_id != user.id]
    db.session.flush()
    propose(meeting)


def set_roles(
    meeting: IntervisionMeeting, assignment: Mapping[str, int | None], actor: User
) -> None:
    """The chair confirms or changes the roles (members only, one role per person)."""
    lock_meeting(meeting)
    _require_open(meeting)
    if meeting.role_map.get(IntervisionRole.CHAIR) != actor.id:
        raise CohortError(_l("Only the chair of this meeting can change the roles."))
    members = {u.id for u in members_of(meeting.session.cohort)}
    problem = rotation.validate_roles(assignment, members)
    if problem == "not_member":
        raise CohortError(_l("Roles can only go to members of the group."))
    if problem == "collision":
        raise CohortError(_l("One person cannot have two roles in the same meeting."))
    if any(role not in roles_needed(meeting) for role in assignment):
        raise CohortError(_l("This role is not part of the method."))
    chosen = {role: user_id for role, user_id in assignment.items() if user_id is not None}
    if chosen.get(IntervisionRole.CHAIR) is None:
        raise CohortError(_l("Every meeting needs a chair."))
    _store_roles(meeting, chosen)
    meeting.roles_confirmed = True
    db.session.flush()


def submit_case(meeting: IntervisionMeeting, text: str, actor: User) -> None:
    """The case-bringer describes the case beforehand (read by group members only)."""
    lock_meeting(meeting)
    _require_open(meeting)
    if meeting.role_map.get(IntervisionRole.CASE_BRINGER) != actor.id:
        raise CohortError(_l("Only the case-bringer of this meeting can describe the case."))
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise CohortError(_l("Write 1 to %(n)s characters.", n=MAX_TEXT))
    meeting.case_description = text
    meeting.case_submitted_at = utcnow()
    db.session.flush()


def save_notes(meeting: IntervisionMeeting, text: str, actor: User) -> None:
    """A member records the notes of the meeting once it has started (members only)."""
    lock_meeting(meeting)
    _require_member(meeting, actor)
    if meeting.session.starts_at > utcnow():
        raise CohortError(_l("Notes can be written once the meeting has started."))
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise CohortError(_l("Write 1 to %(n)s characters.", n=MAX_TEXT))
    meeting.notes = text or None
    meeting.notes_by_id = actor.id
    meeting.notes_at = utcnow()
    db.session.flush()


# --- what HR sees -----------------------------------------------------------------------------


@dataclass
class GroupCounts:
    """A manager track group as HR sees it: numbers only."""

    cohort: Cohort
    members: int = 0
    #: Per held session, in order: how many were present.
    present: list[int] = field(default_factory=list)


def counts_for_hr(organisation: Organisation) -> list[GroupCounts]:
    """Manager track groups of the organisation with member and attendance counts (3 queries)."""
    groups = db.session.scalars(
        select(Cohort)
        .where(Cohort.organisation_id == organisation.id, Cohort.kind.in_(MANAGER_KINDS))
        .order_by(Cohort.created_at.desc())
    ).all()
    result = {c.id: GroupCounts(c) for c in groups}
    if not result:
        return []
    for cohort_id, n in db.session.execute(
        select(Enrolment.cohort_id, func.count())
        .where(Enrolment.cohort_id.in_(result), Enrolment.status.in_(MEMBER_STATUSES))
        .group_by(Enrolment.cohort_id)
    ):
        result[cohort_id].members = n
    present = (
        select(
            CohortSession.cohort_id,
            CohortSession.position,
            func.count(Attendance.id),
        )
        .outerjoin(
            Attendance,
            (Attendance.session_id == CohortSession.id)
            & (Attendance.status == AttendanceStatus.PRESENT),
        )
        .where(
            CohortSession.cohort_id.in_(result),
            CohortSession.status == SessionStatus.SCHEDULED,
            CohortSession.starts_at <= utcnow(),
        )
        .group_by(CohortSession.cohort_id, CohortSession.position)
        .order_by(CohortSession.cohort_id, CohortSession.position)
    )
    for cohort_id, _position, n in db.session.execute(present):
        result[cohort_id].present.append(n)
    return list(result.values())
