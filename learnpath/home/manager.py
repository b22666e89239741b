"""What a manager sees first: plans waiting for acknowledgement, the next career conversation,
the next workshop or intervision meeting and any reflection due (a fixed number of queries; no
per-row queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from learnpath.accounts.models import User
from learnpath.action_plans.models import ActionPlan, Conversation, PlanShare
from learnpath.cohorts.models import Cohort, CohortSession, Enrolment, EnrolmentStatus
from learnpath.content.schema import Content
from learnpath.extensions import db
from learnpath.home.work import OpenWork, open_work
from learnpath.manager_tracks.services import my_enrolments


@dataclass
class ManagerPanel:
    shared_plans: int
    unacknowledged: int
    #: Active shares not yet acknowledged, oldest first (with plan and participant loaded).
    waiting: list[PlanShare]
    next_conversation: Conversation | None
    #: Conversations with proposed times that the participant has not chosen from yet.
    proposed: int
    groups: int
    next_meeting: CohortSession | None
    #: Reflections not handed in, earliest deadline first.
    reflections: list[OpenWork] = field(default_factory=list)


def manager_panel(manager: User, now: datetime, content: Content | None = None) -> ManagerPanel:
    """The counts, lists and next dates for the manager's start page."""
    shared, unacknowledged = _counts(manager)
    waiting = list(
        db.session.scalars(
            select(PlanShare)
            .where(
                PlanShare.manager_id == manager.id,
                PlanShare.revoked_at.is_(None),
                PlanShare.acknowledged_at.is_(None),
            )
            .options(
                joinedload(PlanShare.plan).joinedload(ActionPlan.user).lazyload(User.role_rows)
            )
            .order_by(PlanShare.created_at)
            .limit(10)
        )
    )
    next_conversation = db.session.scalar(
        select(Conversation)
        .join(PlanShare, Conversation.share_id == PlanShare.id)
        .where(
            PlanShare.manager_id == manager.id,
            PlanShare.revoked_at.is_(None),
            Conversation.starts_at > now,
        )
        .options(
            joinedload(Conversation.share)
            .joinedload(PlanShare.plan)
            .joinedload(ActionPlan.user)
            .lazyload(User.role_rows)
        )
        .order_by(Conversation.starts_at)
        .limit(1)
    )
    proposed = int(
        db.session.scalar(
            select(func.count(Conversation.id))
            .join(PlanShare, Conversation.share_id == PlanShare.id)
            .where(
                PlanShare.manager_id == manager.id,
                PlanShare.revoked_at.is_(None),
                Conversation.starts_at.is_(None),
                Conversation.discussed_at.is_(None),
            )
        )
        or 0
    )
    groups = my_enrolments(manager)
    member = [e for e in groups if e.status in (EnrolmentStatus.ENROLLED,)]
    next_meeting = None
    reflections: list[OpenWork] = []
    if member:
        cohort_ids = [e.cohort_id for e in member]
        sessions = list(
            db.session.scalars(
                select(CohortSession)
                .where(CohortSession.cohort_id.in_(cohort_ids))
                .options(selectinload(CohortSession.cohort).joinedload(Cohort.organisation))
                .order_by(CohortSession.starts_at)
            )
        )
        next_meeting = next((s for s in sessions if not s.is_cancelled and s.ends_at > now), None)
        if content is not None:
            # The cohorts came with their sessions; only a group without sessions is read here.
            held = {s.cohort_id for s in sessions}
            _load_cohorts([e for e in member if e.cohort_id not in held])
            planned = [s for s in sessions if not s.is_cancelled]
            reflections = [w for w in open_work(member, content, planned) if w.due is not None]
            reflections.sort(key=lambda w: w.due or now)
    return ManagerPanel(
        shared,
        unacknowledged,
        waiting,
        next_conversation,
        proposed,
        len(groups),
        next_meeting,
        reflections,
    )


def _load_cohorts(enrolments: list[Enrolment]) -> None:
    """Load the enrolments' cohorts with their organisations in one query (none without
    enrolments), each kept on its enrolment (the session holds loaded rows only weakly)."""
    if not enrolments:
        return
    cohorts = {
        c.id: c
        for c in db.session.scalars(
            select(Cohort)
            .where(Cohort.id.in_({e.cohort_id for e in enrolments}))
            .options(joinedload(Cohort.organisation))
        )
    }
    for enrolment in enrolments:
        set_committed_value(enrolment, "cohort", cohorts[enrolment.cohort_id])


def _counts(manager: User) -> tuple[int, int]:
    row = db.session.execute(
        select(
            func.count(PlanShare.id),
            func.count(PlanShare.id).filter(PlanShare.acknowledged_at.is_(None)),
        ).where(PlanShare.manager_id == manager.id, PlanShare.revoked_at.is_(None))
    ).one()
    return int(row[0]), int(row[1])
