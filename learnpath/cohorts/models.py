"""Cohorts and enrolments.

A cohort is a group that meets in scheduled sessions. The cohort is one aggregate: the cohort,
its enrolments, its sessions with their attendance and its change history live here; planning
the sessions (rules, notices, reminders) is the schedule feature's. ``kind`` says which: a participant
programme cohort, a manager workshop group or an intervision group, so that enrolment,
waitlist, scheduling and calendars are one implementation for all of them (what differs per
kind is in learnpath/cohorts/tracks.py).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnpath.accounts.models import Department, Network, Organisation, User
from learnpath.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from learnpath.enums import LabelledEnum
from learnpath.extensions import Model


class CohortKind(enum.StrEnum):
    PROGRAMME = "programme"  #: participants; programme_slug names the programme
    WORKSHOP = "workshop"  #: managers; programme_slug names the workshop series
    INTERVISION = "intervision"  #: managers; sessions are planned one by one


class SignupMode(enum.StrEnum):
    OPEN = "open"  #: every employee of the organisations it is open to may sign up
    INVITATION = "invitation"  #: only people a facilitator invited


class CohortStatus(enum.StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class EnrolmentStatus(LabelledEnum):
    INVITED = "invited", _l("Invited")
    #: Holds a seat until the manager decides.
    PENDING_APPROVAL = "pending_approval", _l("Waiting for manager approval")
    #: Promoted from the waitlist, holds a seat until the claim deadline.
    OFFERED = "offered", _l("Place offered, to be confirmed")
    ENROLLED = "enrolled", _l("Enrolled")
    WAITLISTED = "waitlisted", _l("On the waitlist")
    WITHDRAWN = "withdrawn", _l("Withdrawn")
    COMPLETED = "completed", _l("Completed")
    DROPPED_OUT = "dropped_out", _l("Dropped out")


#: Statuses that take one of the cohort's seats.
SEAT_STATUSES = frozenset(
    {EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED, EnrolmentStatus.PENDING_APPROVAL}
)
#: Statuses in which a participant is "in" a cohort (at most one programme cohort at a time).
ACTIVE_STATUSES = SEAT_STATUSES | {EnrolmentStatus.WAITLISTED}


class DropoutReason(LabelledEnum):
    """Why someone left a cohort: chosen by the facilitator, counted in the report."""

    WORKLOAD = "workload", _l("Workload or lack of time")
    PERSONAL = "personal", _l("Personal circumstances")
    HEALTH = "health", _l("Health")
    NEW_JOB = "new_job", _l("Found another job")
    NOT_A_FIT = "not_a_fit", _l("Programme does not fit")
    OTHER = "other", _l("Other")


class CohortAction(LabelledEnum):
    """What a line of a cohort's change history records (the stored ``CohortChange.action``)."""

    CREATED = "created", _l("Cohort created")
    CAPACITY = "capacity", _l("Capacity changed")
    SCHEDULED = "scheduled", _l("Session planned")
    RESCHEDULED = "rescheduled", _l("Session changed")
    SESSION_CANCELLED = "session_cancelled", _l("Session cancelled")
    REPLACED = "replaced", _l("Replacement for a cancelled session planned")
    COHORT_CANCELLED = "cohort_cancelled", _l("Cohort cancelled")
    REMOVED = "removed", _l("Participant removed")
    MOVED_OUT = "moved_out", _l("Participant moved to another cohort")
    MOVED_IN = "moved_in", _l("Participant moved in from another cohort")
    COMPLETED = "completed", _l("Cohort completed")
    LTI_BOUND = "lti_bound", _l("Link from the learning platform bound")
    WITHDRAWN = "withdrawn", _l("Participant withdrew")
    PROMOTED = "promoted", _l("Promoted from the waitlist")
    OFFER_EXPIRED = "offer_expired", _l("Offered place expired")


cohort_organisations = Table(
    "cohort_organisations",
    Model.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), primary_key=True),
)

cohort_facilitators = Table(
    "cohort_facilitators",
    Model.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class Cohort(TimestampMixin, Model):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CohortKind] = mapped_column(str_enum(CohortKind), default=CohortKind.PROGRAMME)
    #: The organisation that runs the cohort (its time zone is used for the schedule).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Slug of the programme (or workshop series) in content, and the content version the
    #: cohort started with.
    programme_slug: Mapped[str] = mapped_column(String(80))
    content_version: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int] = mapped_column(Integer, default=12)
    signup_mode: Mapped[SignupMode] = mapped_column(str_enum(SignupMode), default=SignupMode.OPEN)
    signup_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    signup_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requires_manager_approval: Mapped[bool] = mapped_column(default=False)
    #: Hours a person promoted from the waitlist has to confirm; None: promotion is final.
    claim_window_hours: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[CohortStatus] = mapped_column(
        str_enum(CohortStatus), default=CohortStatus.ACTIVE
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: A network cohort: run by the network's coordinators for (a subset of) its member
    #: organisations, with seat quotas per organisation (CohortQuota); None: the organisation's own.
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id"), index=True)
    #: From this moment the quotas no longer hold: unused seats are free for every organisation
    #: the cohort is open to. None: the quotas hold until sign-up closes.
    quota_release_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    network: Mapped[Network | None] = relationship()
    quotas: Mapped[list[CohortQuota]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )
    open_to: Mapped[list[Organisation]] = relationship(secondary=cohort_organisations)
    facilitators: Mapped[list[User]] = relationship(
        secondary=cohort_facilitators, order_by="User.name"
    )
    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="cohort", foreign_keys="Enrolment.cohort_id"
    )

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.name!r}>"

    @property
    def is_cancelled(self) -> bool:
        return self.status == CohortStatus.CANCELLED


class CohortQuota(Model):
    """At most ``seats`` of a network cohort's seats for people of one organisation (until the
    cohort's ``quota_release_at``). An organisation the cohort is open to without a row has no
    quota of its own."""

    __tablename__ = "cohort_quotas"
    __table_args__ = (CheckConstraint("seats >= 0", name="seats_not_negative"),)

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    seats: Mapped[int] = mapped_column(Integer)

    cohort: Mapped[Cohort] = relationship(back_populates="quotas")
    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<CohortQuota {self.cohort_id}:{self.organisation_id} {self.seats}>"


class Enrolment(TimestampMixin, Model):
    """One person's place (or wish for a place) in one cohort, with its history in columns."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(str_enum(EnrolmentStatus), index=True)
    #: Equals user_id while this enrolment is one of ACTIVE_STATUSES in a cohort of an
    #: exclusive track kind (the programme), else NULL. Unique: a participant can never
    #: hold two active programme places, even when two sign-ups race (NULLs do not collide).
    active_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    #: Place in the waitlist (lower goes first); arrival order unless a facilitator reorders.
    waitlist_rank: Mapped[int | None] = mapped_column(Integer)
    #: When this person asked for a place (sign-up or accepted invitation).
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dropout_reason: Mapped[DropoutReason | None] = mapped_column(str_enum(DropoutReason))
    #: Set when a facilitator moved the participant to another cohort.
    moved_to_cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    #: When the retention job removed this trajectory's personal content (it is done once).
    retention_applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    cohort: Mapped[Cohort] = relationship(back_populates="enrolments", foreign_keys=[cohort_id])
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<Enrolment {self.id} user={self.user_id} cohort={self.cohort_id} {self.status}>"

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_STATUSES


class CohortChange(Model):
    """Who changed what and when, shown to facilitators as the cohort's history."""

    __tablename__ = "schedule_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("cohort_sessions.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: A CohortAction value (kept as a plain string column: no data migration, old rows load).
    action: Mapped[str] = mapped_column(String(40))
    #: The change's values as JSON (ids, numbers, ISO times in UTC), not sentences.
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User | None] = relationship()
    session: Mapped[CohortSession | None] = relationship("CohortSession")

    def __repr__(self) -> str:
        return f"<CohortChange {self.action} cohort={self.cohort_id}>"


class CohortInvitation(Model):
    """An invitation to a cohort for an address that has no account yet: the person is asked
    to create one (sign-up by work address); once the account exists, it becomes an ordinary
    invitation (an INVITED enrolment) and this row is deleted."""

    __tablename__ = "cohort_invitations"
    __table_args__ = (UniqueConstraint("cohort_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254), index=True)
    #: The department from the invitation list (set on the new account).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    invited_by: Mapped[User] = relationship()
    department: Mapped[Department | None] = relationship()

    def __repr__(self) -> str:
        return f"<CohortInvitation {self.id} cohort={self.cohort_id}>"


# --- sessions and attendance -------------------------------------------------------------


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


class CohortTemplate(Model):
    """A cohort saved as a template of its organisation (learnpath/cohorts/copying.py): its
    settings and its sessions relative to the first one (days after it, local time), as JSON;
    no dates and no people other than the facilitators."""

    __tablename__ = "cohort_templates"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CohortKind] = mapped_column(str_enum(CohortKind), default=CohortKind.PROGRAMME)
    programme_slug: Mapped[str] = mapped_column(String(80))
    #: The pattern (copying.Pattern) as JSON: settings, sign-up window and sessions.
    pattern: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CohortTemplate {self.id} {self.name!r}>"
