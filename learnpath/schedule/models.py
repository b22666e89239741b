"""Sessions of a cohort and attendance (the change history is cohorts.models.CohortChange)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnpath.cohorts.models import Cohort
from learnpath.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from learnpath.enums import LabelledEnum
from learnpath.extensions import Model


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


def new_uid() -> str:
    """A calendar UID: random, stable for the session's life, without personal data."""
    return f"{uuid.uuid4()}@learnpath"


class CohortSession(TimestampMixin, Model):
    """One live online meeting of a cohort, e.g. the intro session."""

    __tablename__ = "cohort_sessions"
    __table_args__ = (UniqueConstraint("cohort_id", "blueprint_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    #: The session blueprint in content (e.g. "intro") and its order in the programme.
    blueprint_slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    meeting_url: Mapped[str] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[SessionStatus] = mapped_column(
        str_enum(SessionStatus), default=SessionStatus.SCHEDULED
    )
    #: Calendar UID, shared by feeds and email invitations; never changes.
    uid: Mapped[str] = mapped_column(String(100), unique=True, default=new_uid)
    #: iCalendar SEQUENCE: bumped on every change that attendees must see; only increases.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    #: When the session last changed in a way calendars must show (DTSTAMP / LAST-MODIFIED).
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    cohort: Mapped[Cohort] = relationship()

    def __repr__(self) -> str:
        return f"<CohortSession {self.id} {self.blueprint_slug} {self.starts_at:%Y-%m-%d %H:%M}Z>"

    @property
    def ends_at(self) -> datetime:
        # An end is start + duration in UTC, never by wall clock (DST-safe).
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class AttendanceStatus(LabelledEnum):
    PRESENT = "present", _l("Present")
    EXCUSED = "excused", _l("Absent (excused)")
    ABSENT = "absent", _l("Absent")


class Attendance(Model):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Attendance session={self.session_id} user={self.user_id} {self.status}>"
