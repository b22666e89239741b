"""The kansenbank: short opportunities people of an organisation offer (a job-shadowing day, an
informational interview, a short assignment), and the responses of participants.

An opportunity is visible to its own organisation, or, when ``network_id`` is set, to every
organisation that is an active member of that network together with the offering one
(learnpath.opportunities.queries.visible_filter). A response holds only what the participant
sends the offerer: a short motivation. Whether an accepted opportunity shows in the plan the
participant shares with their manager is the participant's choice (``show_in_plan``).
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnpath.accounts.models import Network, Organisation, User
from learnpath.db import TimestampMixin, UTCDateTime, str_enum
from learnpath.enums import LabelledEnum
from learnpath.extensions import Model


class OpportunityKind(LabelledEnum):
    SHADOWING = "shadowing", _l("Job-shadowing day")
    INTERVIEW = "interview", _l("Informational interview")
    TASK = "task", _l("Short assignment")


class TimeUnit(LabelledEnum):
    HOURS = "hours", _l("hours")
    DAYS = "days", _l("days")


class OpportunityStatus(LabelledEnum):
    OPEN = "open", _l("Open")
    CLOSED = "closed", _l("Closed")


class ResponseStatus(LabelledEnum):
    PENDING = "pending", _l("Awaiting an answer")
    ACCEPTED = "accepted", _l("Accepted")
    DECLINED = "declined", _l("Declined")
    WITHDRAWN = "withdrawn", _l("Withdrawn")


class Opportunity(TimestampMixin, Model):
    """One short opportunity offered by a person of an organisation."""

    __tablename__ = "opportunities"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    offered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[OpportunityKind] = mapped_column(str_enum(OpportunityKind))
    title: Mapped[str] = mapped_column(String(200))
    team: Mapped[str] = mapped_column(String(200))
    time_amount: Mapped[int] = mapped_column(Integer)
    time_unit: Mapped[TimeUnit] = mapped_column(str_enum(TimeUnit))
    #: The dates; both None: "in overleg" (to be agreed).
    starts_on: Mapped[date | None] = mapped_column(Date())
    ends_on: Mapped[date | None] = mapped_column(Date())
    learns: Mapped[str] = mapped_column(Text)
    #: A competency slug of the content (e.g. "werkexploratie").
    competency: Mapped[str] = mapped_column(String(80), index=True)
    #: None: visible to the own organisation only; else to the network's active members.
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id"), index=True)
    status: Mapped[OpportunityStatus] = mapped_column(
        str_enum(OpportunityStatus), default=OpportunityStatus.OPEN
    )
    places: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship()
    offered_by: Mapped[User] = relationship()
    network: Mapped[Network | None] = relationship()

    @property
    def to_be_agreed(self) -> bool:
        return self.starts_on is None

    def __repr__(self) -> str:
        return f"<Opportunity {self.id} {self.title!r}>"


class OpportunityResponse(TimestampMixin, Model):
    """A participant's response to an opportunity: the motivation they send, its status."""

    __tablename__ = "opportunity_responses"
    __table_args__ = (UniqueConstraint("opportunity_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    motivation: Mapped[str] = mapped_column(Text)
    status: Mapped[ResponseStatus] = mapped_column(
        str_enum(ResponseStatus), default=ResponseStatus.PENDING
    )
    #: The participant shows this (accepted) opportunity in the plan they share.
    show_in_plan: Mapped[bool] = mapped_column(default=False, server_default=false())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    opportunity: Mapped[Opportunity] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<OpportunityResponse {self.opportunity_id}:{self.user_id} {self.status}>"
