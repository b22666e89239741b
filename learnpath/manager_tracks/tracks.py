"""The two manager track kinds: what differs from the participant programme.

Both take managers (not participants) and do not count as "the one active programme" of a
person. A workshop group meets in the meetings of a workshop series from content; an
intervision group plans its meetings one at a time, about every 6–8 weeks, and keeps its
reporting lines apart (see hierarchy.py).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnpath.accounts.models import Role, User
from learnpath.cohorts.models import (
    ACTIVE_STATUSES,
    Cohort,
    CohortKind,
    CohortSession,
    Enrolment,
    EnrolmentStatus,
)
from learnpath.cohorts.tracks import SessionPlan, Slot, Track, Wording, register
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.manager_tracks import hierarchy

#: Intervision groups: 4–8 people, 5–6 is best.
INTERVISION_MIN, INTERVISION_MAX = 4, 8
INTERVISION_IDEAL = range(5, 7)
#: Intervision meetings are planned about every 6–8 weeks; closer than 4 weeks is refused.
INTERVISION_MIN_GAP_DAYS = 28
INTERVISION_MINUTES = 120
#: Workshop meetings of a series at least a week apart, so there is time to practise.
WORKSHOP_MIN_GAP_DAYS = 7
#: Statuses of people who are (or are about to be) in a group, for the hierarchy rule.
MEMBER_STATUSES = ACTIVE_STATUSES | {EnrolmentStatus.INVITED}


_PAGE = _l("your manager tracks page")
WORKSHOP_WORDING = Wording(
    invited=_l("You are invited to a workshop series for managers"),
    enrolled=_l("You have a place in the workshop series"),
    waitlisted=_l("You are on the waitlist of the workshop series"),
    no_longer=_l("You are no longer signed up for the workshop series"),
    scheduled=_l("The meetings of your workshop series are planned"),
    session_changed=_l("A meeting of your workshop series has changed"),
    session_cancelled=_l("A meeting of your workshop series has been cancelled"),
    cancelled=_l("Your workshop series has been cancelled"),
    page=_PAGE,
)
INTERVISION_WORDING = Wording(
    invited=_l("You are invited to an intervision group"),
    enrolled=_l("You have a place in the intervision group"),
    waitlisted=_l("You are on the waitlist of the intervision group"),
    no_longer=_l("You are no longer signed up for the intervision group"),
    scheduled=_l("A meeting of your intervision group is planned"),
    session_changed=_l("A meeting of your intervision group has changed"),
    session_cancelled=_l("A meeting of your intervision group has been cancelled"),
    cancelled=_l("Your intervision group has been cancelled"),
    page=_PAGE,
)


class ManagerTrack(Track):
    member_role = Role.MANAGER
    wrong_role_message = _l("Only managers can take part in a manager track.")
    exclusive = False
    home_endpoint = "manager_tracks.mine"
    has_assignments = False


class WorkshopTrack(ManagerTrack):
    kind = CohortKind.WORKSHOP
    wording = WORKSHOP_WORDING
    max_capacity = 20
    #: A short reflection after each meeting (assignments of the workshop series).
    has_assignments = True

    def plan(self, cohort: Cohort) -> SessionPlan:
        """The meetings of the group's workshop series, planned together."""
        series = get_content().workshop_series[cohort.programme_slug]
        slots = tuple(
            Slot(f"meeting-{m.order}", m.name, m.purpose, m.duration_minutes)
            for m in sorted(series.meetings, key=lambda m: m.order)
        )
        return SessionPlan(WORKSHOP_MIN_GAP_DAYS, slots)


class IntervisionTrack(ManagerTrack):
    kind = CohortKind.INTERVISION
    wording = INTERVISION_WORDING
    min_capacity = INTERVISION_MIN
    max_capacity = INTERVISION_MAX
    is_confidential = True

    def plan(self, cohort: Cohort) -> SessionPlan:
        """Open-ended: the group plans one meeting at a time."""
        return SessionPlan(INTERVISION_MIN_GAP_DAYS, (), INTERVISION_MINUTES)

    def unnamed_session(self, session: CohortSession) -> str:
        return _("Intervision meeting %(n)s", n=session.position)

    def admission_error(self, cohort: Cohort, user: User) -> str | None:
        """Refuse someone whose manager (or report, at any level) is already in the group."""
        members = set(
            db.session.scalars(
                select(Enrolment.user_id).where(
                    Enrolment.cohort_id == cohort.id,
                    Enrolment.status.in_(MEMBER_STATUSES),
                    Enrolment.user_id != user.id,
                )
            )
        )
        if not members:
            return None
        lines = hierarchy.reporting_lines({user.organisation_id} | {o.id for o in cohort.open_to})
        if hierarchy.first_conflict(user.id, members, lines) is None:
            return None
        return str(
            _l(
                "%(name)s cannot join this intervision group: someone in the same reporting "
                "line (their manager, or someone who reports to them, directly or indirectly) "
                "is already in it. Intervision groups have no hierarchy.",
                name=user.name,
            )
        )

    def capacity_warning(self, capacity: int) -> str | None:
        """Advise 5–6 people (4 and 7–8 are allowed)."""
        if capacity in INTERVISION_IDEAL:
            return None
        return str(_l("Intervision works best with 5 or 6 people."))


register(WorkshopTrack())
register(IntervisionTrack())
