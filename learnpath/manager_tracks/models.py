"""Intervision meetings: the method the group chose, the roles, the case and the notes.

A meeting belongs to one session of an intervision group (a cohort of kind INTERVISION); the
session itself (time, link, cancellation, attendance, calendar) is the shared CohortSession.
Case descriptions and notes are confidential: only members of the group read them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnpath.accounts.models import User
from learnpath.cohorts.models import CohortSession
from learnpath.db import TimestampMixin, UTCDateTime
from learnpath.extensions import Model
from learnpath.manager_tracks import tracks as _tracks  # noqa: F401  (registers the track kinds)


class IntervisionMeeting(TimestampMixin, Model):
    __tablename__ = "intervision_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id"), unique=True)
    #: Slug of the intervision method in content; None until the group chose one.
    method_slug: Mapped[str | None] = mapped_column(String(80))
    #: Set when the chair confirmed or changed the proposed roles; until then they follow
    #: the rotation (waivers, excused members and the method's roles).
    roles_confirmed: Mapped[bool] = mapped_column(default=False)
    #: Short description of the case, written by the case-bringer beforehand (members only).
    case_description: Mapped[str | None] = mapped_column(Text)
    case_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Notes after the meeting (members only).
    notes: Mapped[str | None] = mapped_column(Text)
    notes_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    session: Mapped[CohortSession] = relationship()
    roles: Mapped[list[MeetingRole]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", lazy="selectin"
    )
    waivers: Mapped[list[RotationWaiver]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<IntervisionMeeting {self.id} session={self.session_id} {self.method_slug}>"

    @property
    def role_map(self) -> dict[str, int]:
        """role -> user id."""
        return {r.role: r.user_id for r in self.roles}


class MeetingRole(Model):
    """One role in one meeting. Unique per role and per person: roles never collide."""

    __tablename__ = "intervision_roles"
    __table_args__ = (
        UniqueConstraint("meeting_id", "role"),
        UniqueConstraint("meeting_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("intervision_meetings.id", ondelete="CASCADE"), index=True
    )
    #: An IntervisionRole value (learnpath.content.schema).
    role: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    meeting: Mapped[IntervisionMeeting] = relationship(back_populates="roles")
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<MeetingRole meeting={self.meeting_id} {self.role}={self.user_id}>"


class RotationWaiver(Model):
    """A member passes their turn as case-bringer for one meeting."""

    __tablename__ = "intervision_waivers"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("intervision_meetings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)

    def __repr__(self) -> str:
        return f"<RotationWaiver meeting={self.meeting_id} user={self.user_id}>"
