"""Action plans: the participant's plan with its finalised versions, shares with a manager
(per section, revocable) and the career conversation that follows.

The plan's content is one JSON document (see ``plan_data.py`` for its shape), so a finalised
version is a plain copy of it. A manager only ever sees the sections of a share, taken from the
latest *finalised* version: work in progress after a reopen stays private until finalised.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnpath.accounts.models import User
from learnpath.action_plans.outcomes import Achievement, GoalCategory, TrajectoryResult
from learnpath.cohorts.models import Cohort
from learnpath.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from learnpath.extensions import Model


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    FINAL = "final"
    #: A career conversation about the plan has been held and recorded.
    DISCUSSED = "discussed"


class ActionPlan(TimestampMixin, Model):
    """A participant's action plan in one cohort; ``data`` is the version being worked on."""

    __tablename__ = "action_plans"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    #: The content version the plan was started against.
    content_version: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: What pre-fill last wrote per field ("career_question", "ambition", "insights.<slug>");
    #: a field the participant changed is null here and is never filled again (prefill.py).
    prefilled: Mapped[dict[str, str | None]] = mapped_column(JSON, default=dict)
    status: Mapped[PlanStatus] = mapped_column(
        str_enum(PlanStatus, length=20), default=PlanStatus.DRAFT
    )
    #: Number the next (or current, when final) version gets; starts at 1.
    version: Mapped[int] = mapped_column(Integer, default=1)

    user: Mapped[User] = relationship()
    cohort: Mapped[Cohort] = relationship()
    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.number"
    )

    def __repr__(self) -> str:
        return f"<ActionPlan {self.id} user={self.user_id} v{self.version} {self.status}>"


class PlanVersion(Model):
    """A finalised version of a plan: a frozen copy of its data."""

    __tablename__ = "action_plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    finalised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    plan: Mapped[ActionPlan] = relationship(back_populates="versions")

    def __repr__(self) -> str:
        return f"<PlanVersion plan={self.plan_id} v{self.number}>"


class PlanShare(Model):
    """The sections of a plan a participant shares with one manager, until revoked."""

    __tablename__ = "action_plan_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: Section keys (see plan_data.SECTIONS) the manager may see; changed by the participant.
    sections: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set when the participant revokes; access (pages and exports) ends at once.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    plan: Mapped[ActionPlan] = relationship()
    manager: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<PlanShare {self.id} plan={self.plan_id} manager={self.manager_id}>"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Conversation(TimestampMixin, Model):
    """The career conversation about a shared plan ("het goede gesprek")."""

    __tablename__ = "career_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("action_plan_shares.id"), unique=True)
    #: The accepted time (UTC); None while times are proposed.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    #: Where: a room or an online-meeting link, chosen by the manager with the times; it is the
    #: LOCATION of both calendar invitations and of both personal feeds.
    location: Mapped[str] = mapped_column(String(500), default="", server_default="")
    #: Bumped with every change of the accepted time (calendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    #: The manager's private preparation; never shown to the participant or a facilitator.
    manager_notes: Mapped[str] = mapped_column(Text, default="")
    #: Ticked preparation items per side: {"participant": [slug], "manager": [slug]}.
    checklist: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    #: Agreements (who, what, when, support); visible to both.
    agreements: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    discussed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    share: Mapped[PlanShare] = relationship()
    proposals: Mapped[list[ConversationProposal]] = relationship(
        back_populates="conversation",
        order_by="ConversationProposal.starts_at",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Conversation {self.id} share={self.share_id}>"

    def has_begun(self, now: datetime) -> bool:
        """The agreed time has come: only then can it be recorded as held."""
        return self.starts_at is not None and self.starts_at <= now


class ConversationProposal(Model):
    """A time the manager proposes for the conversation."""

    __tablename__ = "career_conversation_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("career_conversations.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())

    conversation: Mapped[Conversation] = relationship(back_populates="proposals")

    def __repr__(self) -> str:
        return f"<ConversationProposal {self.id} {self.starts_at:%Y-%m-%d %H:%M}>"


class PlanGoal(Model):
    """The countable facts of one goal of the latest finalised version, and its follow-up.

    Written when the plan is finalised (the goal's text stays in the plan's JSON). Only
    slugs and dates live here, so erasing the participant keeps the figures intact.
    """

    __tablename__ = "action_plan_goals"
    __table_args__ = (UniqueConstraint("plan_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id"), index=True)
    #: Index of the goal in the finalised version's ``goals`` (0-based).
    position: Mapped[int] = mapped_column(Integer)
    #: None for goals finalised before categories existed.
    category: Mapped[GoalCategory | None] = mapped_column(str_enum(GoalCategory))
    #: Set by the participant at follow-up; None until then.
    achievement: Mapped[Achievement | None] = mapped_column(str_enum(Achievement))
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<PlanGoal plan={self.plan_id} #{self.position} {self.category} {self.achievement}>"


class PlanFollowUp(TimestampMixin, Model):
    """The participant's look back on the trajectory: its overall result (never shared)."""

    __tablename__ = "action_plan_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id"), unique=True)
    result: Mapped[TrajectoryResult] = mapped_column(str_enum(TrajectoryResult))
    #: The finalised version the participant looked back on.
    version_number: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<PlanFollowUp plan={self.plan_id} {self.result}>"


__all__ = [
    "ActionPlan",
    "Conversation",
    "ConversationProposal",
    "PlanFollowUp",
    "PlanGoal",
    "PlanShare",
    "PlanStatus",
    "PlanVersion",
]
