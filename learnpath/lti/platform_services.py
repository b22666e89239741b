"""Calls to the platform: Names and Role Provisioning (roster) and Assignment and Grade Services.

Privacy: only enrolment, attendance and completion counts leave learnpath — never answers,
reflections, notes or action plan content.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector
from requests import RequestException
from sqlalchemy import func, select

from learnpath.accounts.models import Role, User
from learnpath.action_plans.models import ActionPlan, PlanStatus
from learnpath.assignments.models import Submission, SubmissionStatus
from learnpath.cohorts.models import (
    ACTIVE_STATUSES,
    Attendance,
    AttendanceStatus,
    CohortSession,
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
)
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.lti import adapter, fetching
from learnpath.lti.models import ResourceLink, ScorePost, UserLink
from learnpath.lti.services import LtiError, Person, place, resolve_user

log = logging.getLogger(__name__)

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
#: Tag of the line item learnpath creates per link.
COMPLETION_TAG = "learnpath-trajectory-completed"
#: Statuses whose progress is reported.
REPORTED_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


def _connector(link: ResourceLink) -> ServiceConnector:
    return ServiceConnector(adapter.to_library(link.registration), fetching.platform_session())


# --- roster (NRPS) ----------------------------------------------------------------------------


@dataclass
class RosterResult:
    seated: int = 0
    waitlisted: int = 0
    already: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)


def fetch_members(link: ResourceLink) -> list[dict[str, Any]]:
    """All members of the link's course according to the platform (every page)."""
    if not link.memberships_url:
        raise LtiError(_l("The learning platform did not offer the course roster for this link."))
    service = NamesRolesProvisioningService(
        _connector(link), {"context_memberships_url": link.memberships_url}
    )
    try:
        return [dict(member) for member in service.get_members()]
    except (LtiException, RequestException, ValueError) as exc:
        log.warning("roster of link %s failed: %s", link.id, exc)
        raise LtiError(
            "The learning platform did not hand over the roster. Try again later."
        ) from exc


def import_roster(link: ResourceLink, actor: User, members: list[dict[str, Any]]) -> RosterResult:
    """Place the active learners of the course in the link's cohort (seat or waitlist).

    Idempotent: people already in the cohort are counted, not placed again. Each person is
    placed in a savepoint, so one refusal (e.g. already in another cohort) does not undo others.
    """
    assert link.cohort is not None
    result = RosterResult()
    for member in members:
        person = Person.from_member(member, member.get("roles") or [], link.registration.admin_role)
        if member.get("status", "Active") != "Active" or Role.PARTICIPANT not in person.roles:
            continue
        _place_member(link, actor, person, result)
    return result


def _place_member(link: ResourceLink, actor: User, person: Person, result: RosterResult) -> None:
    assert link.cohort is not None
    try:
        with db.session.begin_nested():
            user = resolve_user(link.registration, link.deployment_id, person, launch=False)
            assert isinstance(user, User)  # a roster never asks for a confirmation
            existing = db.session.scalar(
                select(Enrolment).where(
                    Enrolment.cohort_id == link.cohort.id, Enrolment.user_id == user.id
                )
            )
            if existing is not None and existing.status in ACTIVE_STATUSES:
                result.already += 1
                return
            enrolment = place(link.cohort, user, actor)
    except LtiError as exc:
        result.refused.append((person.name, str(exc)))
        return
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        result.waitlisted += 1
    else:
        result.seated += 1


# --- progress (AGS) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    score_given: int  #: 0..100
    activity_progress: str  #: Initialized | InProgress | Completed


def _counts_by_user(query: Any) -> dict[int, int]:
    return {user_id: count for user_id, count in db.session.execute(query)}


def progress_of_cohort(cohort_id: int, programme_slug: str) -> dict[int, Progress]:
    """Progress per reported participant: sessions attended + assignments handed in (the
    action plan once finalised)."""
    enrolments = db.session.execute(
        select(Enrolment.user_id, Enrolment.status).where(
            Enrolment.cohort_id == cohort_id, Enrolment.status.in_(REPORTED_STATUSES)
        )
    ).all()
    sessions = (
        db.session.scalar(
            select(func.count())
            .select_from(CohortSession)
            .where(
                CohortSession.cohort_id == cohort_id,
                CohortSession.status == SessionStatus.SCHEDULED,
            )
        )
        or 0
    )
    steps = sessions + len(get_content().assignments_for(programme_slug))
    handed_in = _counts_by_user(
        select(Submission.user_id, func.count())
        .where(Submission.cohort_id == cohort_id, Submission.status != SubmissionStatus.DRAFT)
        .group_by(Submission.user_id)
    )
    attended = _counts_by_user(
        select(Attendance.user_id, func.count())
        .join(CohortSession, CohortSession.id == Attendance.session_id)
        .where(CohortSession.cohort_id == cohort_id, Attendance.status == AttendanceStatus.PRESENT)
        .group_by(Attendance.user_id)
    )
    # The action plan counts as handed in once it is finalised (it has no Submission row).
    plans = set(
        db.session.scalars(
            select(ActionPlan.user_id).where(
                ActionPlan.cohort_id == cohort_id,
                ActionPlan.status.in_((PlanStatus.FINAL, PlanStatus.DISCUSSED)),
            )
        )
    )
    result: dict[int, Progress] = {}
    for user_id, status in enrolments:
        if status == EnrolmentStatus.COMPLETED:
            result[user_id] = Progress(100, "Completed")
            continue
        done = handed_in.get(user_id, 0) + attended.get(user_id, 0) + (user_id in plans)
        percent = min(99, round(100 * done / steps)) if steps else 0
        result[user_id] = Progress(percent, "InProgress" if done else "Initialized")
    return result


def _lineitem(service: AssignmentsGradesService, link: ResourceLink) -> LineItem:
    if link.lineitem_url:
        return LineItem({"id": link.lineitem_url})
    wanted = (
        LineItem()
        .set_tag(COMPLETION_TAG)
        .set_label("Traject afgerond / Trajectory completed")
        .set_score_maximum(100)
        .set_resource_link_id(link.resource_link_id)
    )
    lineitem = service.find_or_create_lineitem(wanted)
    link.lineitem_url = lineitem.get_id()
    return lineitem


def _grade(sub: str, progress: Progress, now: datetime) -> Grade:
    return (
        Grade()
        .set_user_id(sub)
        .set_score_given(progress.score_given)
        .set_score_maximum(100)
        .set_activity_progress(progress.activity_progress)
        .set_grading_progress("FullyGraded")
        .set_timestamp(now.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
    )


def sync_link(link: ResourceLink) -> int:
    """Post changed progress of the link's cohort to its line item; return how many scores."""
    if link.cohort is None or not link.lineitems_url or SCORE_SCOPE not in link.ags_scopes:
        return 0
    progress = progress_of_cohort(link.cohort.id, link.cohort.programme_slug)
    subs: dict[int, str] = {
        user_id: sub
        for user_id, sub in db.session.execute(
            select(UserLink.user_id, UserLink.sub).where(
                UserLink.registration_id == link.registration_id,
                UserLink.deployment_id == link.deployment_id,
                UserLink.user_id.in_(list(progress)),
            )
        )
    }
    posted = {
        p.user_id: p
        for p in db.session.scalars(select(ScorePost).where(ScorePost.resource_link_id == link.id))
    }
    changed = [
        user_id
        for user_id, p in progress.items()
        if user_id in subs
        and (
            user_id not in posted
            or (posted[user_id].score_given, posted[user_id].activity_progress)
            != (p.score_given, p.activity_progress)
        )
    ]
    if not changed:
        return 0
    service = AssignmentsGradesService(
        _connector(link),
        {"scope": link.ags_scopes, "lineitems": link.lineitems_url},  # type: ignore[typeddict-item]
    )
    lineitem = _lineitem(service, link)
    now = utcnow()
    for user_id in changed:
        service.put_grade(_grade(subs[user_id], progress[user_id], now), lineitem)
        row = posted.get(user_id) or ScorePost(resource_link_id=link.id, user_id=user_id)
        row.score_given = progress[user_id].score_given
        row.activity_progress = progress[user_id].activity_progress
        row.posted_at = now
        db.session.add(row)
    db.session.flush()
    return len(changed)


def sync_scores() -> int:
    """Post changed progress for every bound link; a failing platform does not stop the others."""
    total = 0
    links = db.session.scalars(
        select(ResourceLink).where(
            ResourceLink.cohort_id.is_not(None), ResourceLink.lineitems_url.is_not(None)
        )
    ).all()
    for link in links:
        try:
            with db.session.begin_nested():
                total += sync_link(link)
        except (LtiException, RequestException, ValueError) as exc:
            log.warning("posting scores for link %s failed: %s", link.id, exc)
    return total
