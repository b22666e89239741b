"""What a manager sees first: plans shared with them, the next career conversation, their
manager-track groups (each a single query; no per-row queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from learnpath.accounts.models import User
from learnpath.action_plans.models import ActionPlan, Conversation, PlanShare
from learnpath.extensions import db
from learnpath.manager_tracks.services import my_enrolments


@dataclass(frozen=True)
class ManagerPanel:
    shared_plans: int
    unacknowledged: int
    next_conversation: Conversation | None
    groups: int


def manager_panel(manager: User, now: datetime) -> ManagerPanel:
    """The counts and the next conversation for the manager's start page."""
    shared, unacknowledged = _counts(manager)
    next_conversation = db.session.scalar(
        select(Conversation)
        .join(PlanShare, Conversation.share_id == PlanShare.id)
        .where(
            PlanShare.manager_id == manager.id,
            PlanShare.revoked_at.is_(None),
            Conversation.starts_at > now,
        )
        .options(
            joinedload(Conversation.share).joinedload(PlanShare.plan).joinedload(ActionPlan.user)
        )
        .order_by(Conversation.starts_at)
        .limit(1)
    )
    return ManagerPanel(shared, unacknowledged, next_conversation, len(my_enrolments(manager)))


def _counts(manager: User) -> tuple[int, int]:
    row = db.session.execute(
        select(
            func.count(PlanShare.id),
            func.count(PlanShare.id).filter(PlanShare.acknowledged_at.is_(None)),
        ).where(PlanShare.manager_id == manager.id, PlanShare.revoked_at.is_(None))
    ).one()
    return int(row[0]), int(row[1])
