"""Privacy records without personal content: retention runs (counts) and erasure requests."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from learnpath.db import UTCDateTime, str_enum, utcnow
from learnpath.extensions import Model


class RetentionRun(Model):
    """One run of the retention job that found work in one organisation (no personal data)."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The organisation's setting at the time of the run.
    months: Mapped[int]
    #: Trajectories (enrolments) whose personal content was removed.
    trajectories: Mapped[int]
    #: Participant accounts pseudonymised because all their trajectories were past retention.
    accounts: Mapped[int]
    #: Cohorts whose group content (session and intervision notes) was blanked.
    groups: Mapped[int]

    def __repr__(self) -> str:
        return f"<RetentionRun {self.id} org={self.organisation_id} {self.trajectories}>"


class ErasureStatus(enum.StrEnum):
    REQUESTED = "requested"
    DONE = "done"
    WITHDRAWN = "withdrawn"


class ErasureRequest(Model):
    """A person's request to erase their personal data; an admin of their organisation acts on it.

    Holds no free text: after the erasure the row stays as the record that it was carried out.
    """

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The requester's id while the request is open, else None: one open request per person,
    #: also when two requests race (unique).
    open_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    status: Mapped[ErasureStatus] = mapped_column(
        str_enum(ErasureStatus, length=20), default=ErasureStatus.REQUESTED
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The admin who carried out the erasure.
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<ErasureRequest {self.id} user={self.user_id} {self.status}>"
