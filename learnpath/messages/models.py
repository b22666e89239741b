"""Messages a facilitator writes to a cohort (or a manager-track group), archived with it.

A message goes to one audience: everyone in the cohort, its waitlist, or people the facilitator
picked. Each recipient gets one outbox message; ``MessageRecipient`` records who got it. Whole-
cohort messages stay readable for everyone who is (or later becomes) part of the cohort; the
others only for their recipients.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnpath.accounts.models import User
from learnpath.db import UTCDateTime, str_enum, utcnow
from learnpath.enums import LabelledEnum
from learnpath.extensions import Model


class Audience(LabelledEnum):
    COHORT = "cohort", _l("Everyone in the group")
    WAITLIST = "waitlist", _l("The waitlist")
    SELECTED = "selected", _l("Selected people")


class BodyFormat(LabelledEnum):
    MARKDOWN = "markdown", _l("Markdown (headings, lists, links)")
    PLAIN = "plain", _l("Plain text")


class CohortMessage(Model):
    """One message as written, with its audience; the mails are in the outbox."""

    __tablename__ = "cohort_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    audience: Mapped[Audience] = mapped_column(str_enum(Audience, length=20))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_format: Mapped[BodyFormat] = mapped_column(str_enum(BodyFormat, length=20))
    #: The token of the form that sent it: a repeated submit finds it and sends nothing again.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CohortMessage {self.id} cohort={self.cohort_id} {self.audience}>"


class MessageRecipient(Model):
    """Someone a message was sent to."""

    __tablename__ = "cohort_message_recipients"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_messages.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
