"""Assignments between sessions: submissions, feedback, notes, extensions, feedback requests,
and self-assessments (reads of them are audited: privacy.models.AuditEvent).

Answers are stored as structured JSON (see ``answers.py`` for the shape per block type),
together with the content version they were written against, so they stay readable when the
content changes later.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnpath.accounts.models import User
from learnpath.cohorts.models import Enrolment
from learnpath.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from learnpath.extensions import Model


class SubmissionStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"


class Submission(TimestampMixin, Model):
    """A participant's work on one assignment in one cohort (draft until handed in)."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "assignment_slug"),
        # The reports count hand-ins per assignment of an organisation's enrolments from this
        # index alone (an index-only scan per enrolment, never the country's submissions).
        Index("ix_submissions_enrolment_status_slug", "enrolment_id", "status", "assignment_slug"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    #: Denormalised from the enrolment, so the matrix and privacy checks need no join.
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assignment_slug: Mapped[str] = mapped_column(String(80))
    #: The content version the answers were last saved against.
    content_version: Mapped[str] = mapped_column(String(64))
    #: {block slug: {"type": ..., ...}}; answers of blocks that later left the content stay.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[SubmissionStatus] = mapped_column(
        str_enum(SubmissionStatus, length=20), default=SubmissionStatus.DRAFT
    )
    #: First hand-in; revisions before the due moment keep it on time.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Handed in after the due moment (including any extension) at that time.
    is_late: Mapped[bool] = mapped_column(default=False)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    enrolment: Mapped[Enrolment] = relationship()
    user: Mapped[User] = relationship()
    feedback: Mapped[list[Feedback]] = relationship(
        back_populates="submission", order_by="Feedback.created_at"
    )

    def __repr__(self) -> str:
        return f"<Submission {self.id} {self.assignment_slug} user={self.user_id} {self.status}>"

    @property
    def is_handed_in(self) -> bool:
        return self.status != SubmissionStatus.DRAFT


class Feedback(Model):
    """A facilitator's feedback on a handed-in submission; it marks the submission reviewed."""

    __tablename__ = "submission_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="feedback")
    author: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Feedback {self.id} submission={self.submission_id}>"


class FacilitatorNote(Model):
    """A private note about a participant in a cohort.

    Visible to the facilitators of that cohort only (the author and co-facilitators, who share
    the work); never to the participant, managers, HR or admins.
    """

    __tablename__ = "facilitator_notes"
    __table_args__ = (Index("ix_facilitator_notes_cohort_participant", "cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"))
    #: The participant the note is about.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the author last edited the text (None: never).
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author: Mapped[User] = relationship(foreign_keys=[author_id])

    def __repr__(self) -> str:
        return f"<FacilitatorNote {self.id} cohort={self.cohort_id} user={self.user_id}>"


class DeadlineExtension(Model):
    """A later due moment for one participant and one assignment."""

    __tablename__ = "deadline_extensions"
    __table_args__ = (UniqueConstraint("enrolment_id", "assignment_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    assignment_slug: Mapped[str] = mapped_column(String(80))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<DeadlineExtension {self.assignment_slug} enrolment={self.enrolment_id}>"


class CohortDeadline(Model):
    """A due moment a facilitator set for the whole group and one assignment.

    It replaces the moment derived from the sessions (e.g. when the session it derived from
    was cancelled: the deadline paused until this date is set); a participant's own
    ``DeadlineExtension`` still comes first.
    """

    __tablename__ = "cohort_deadlines"
    __table_args__ = (UniqueConstraint("cohort_id", "assignment_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    assignment_slug: Mapped[str] = mapped_column(String(80))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<CohortDeadline {self.assignment_slug} cohort={self.cohort_id}>"


class FeedbackRequest(Model):
    """A one-time link for a colleague (no account) to answer a feedback-request block.

    Only the SHA-256 of the random token is stored; the link works once, until ``expires_at``.
    """

    __tablename__ = "feedback_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    block_slug: Mapped[str] = mapped_column(String(80))
    colleague_email: Mapped[str] = mapped_column(String(254))
    colleague_name: Mapped[str] = mapped_column(String(200), default="")
    #: The name the participant chose to show the colleague (e.g. a first name).
    sender_name: Mapped[str] = mapped_column(String(100))
    #: Language of the invitation and the answer page.
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The colleague's answers, one string per question of the block.
    answers: Mapped[list[str] | None] = mapped_column(JSON)
    is_shared_with_facilitator: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    submission: Mapped[Submission] = relationship()

    def __repr__(self) -> str:
        return f"<FeedbackRequest {self.id} submission={self.submission_id}>"


class AssessmentMoment(enum.StrEnum):
    START = "start"
    END = "end"
    #: The same instrument 3–6 months after the last session (content sets the months).
    FOLLOW_UP = "follow_up"


class SelfAssessment(Model):
    """One completed self-assessment: raw answers by item slug, scored on display."""

    __tablename__ = "self_assessments"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id", "moment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    moment: Mapped[AssessmentMoment] = mapped_column(str_enum(AssessmentMoment, length=10))
    instrument_slug: Mapped[str] = mapped_column(String(80))
    content_version: Mapped[str] = mapped_column(String(64))
    #: {item slug: answer on the instrument's scale}
    answers: Mapped[dict[str, int]] = mapped_column(JSON)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<SelfAssessment {self.id} user={self.user_id} {self.moment}>"


__all__ = [
    "AssessmentMoment",
    "CohortDeadline",
    "DeadlineExtension",
    "FacilitatorNote",
    "Feedback",
    "FeedbackRequest",
    "SelfAssessment",
    "Submission",
    "SubmissionStatus",
]


class SelfAssessmentShare(Model):
    """The participant shares their individual self-assessment scores with the facilitators
    of the cohort (until they stop sharing: the row is deleted)."""

    __tablename__ = "self_assessment_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), unique=True)
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<SelfAssessmentShare enrolment={self.enrolment_id}>"
