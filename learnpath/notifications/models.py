"""Outbox rows: one message to one recipient."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from learnpath.db import UTCDateTime, str_enum, utcnow
from learnpath.extensions import Model


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Model):
    """A message waiting for (or done with) delivery.

    Written in the transaction of the change that causes it; a sender claims pending rows
    after the commit. ``idempotency_key`` is unique, so the same notice cannot be queued twice.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the message is about, e.g. "account.invite", "schedule.rescheduled".
    kind: Mapped[str] = mapped_column(String(60), index=True)
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The organisation the message belongs to: the recipient's, or for an address without an
    #: account the sender's. Administrators see only their own organisation's messages.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    recipient_email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    #: Optional text/calendar payload (iMIP) and its METHOD (REQUEST / CANCEL).
    ics: Mapped[str | None] = mapped_column(Text)
    ics_method: Mapped[str | None] = mapped_column(String(20))
    #: Stable RFC 5322 Message-ID, so a retried delivery is recognisable as the same message.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    #: Where replies go (Reply-To), e.g. the facilitator who wrote a cohort message; None: nowhere.
    reply_to: Mapped[str | None] = mapped_column(String(254))
    #: The X-Request-ID of the request that queued it (in the delivery's log line); None from jobs.
    request_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, length=20),
        default=OutboxStatus.PENDING,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    #: When a sender claimed the row (status SENDING); an old claim means the sender died.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} to {self.recipient_email} {self.status}>"


class ReminderItem(Model):
    """One reminder item (one person, one thing, one moment) and the outbox row that carries it.

    A reminder job marks each item it mails in the same transaction as the message: alone or
    bundled with others in one digest, it is queued once. ``key`` is unique (two schedulers
    racing cannot both mark it), and a crash before the commit leaves neither the message nor
    the marks, so the next run queues the item again.
    """

    __tablename__ = "reminder_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    recipient_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    outbox_message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id"), index=True)
    #: The item's own kind, e.g. "reminder.assignment.due_soon" (the message may be a digest).
    kind: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<ReminderItem {self.key} message={self.outbox_message_id}>"
