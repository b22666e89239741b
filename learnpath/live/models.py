"""What live sessions record beyond the schedule: who clicked "Deelnemen" in the join window,
who said beforehand that they cannot come, and the anonymous evaluations after a session.

An evaluation is kept in two tables that cannot be joined to each other: a receipt (session,
person) that enforces one response per person, without any time, and answer rows with random
ids that hold neither a person nor a moment. Nothing links a receipt to its answers.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from learnpath.db import UTCDateTime, str_enum, utcnow
from learnpath.enums import LabelledEnum
from learnpath.extensions import Model


def random_id() -> str:
    return uuid.uuid4().hex


class SessionJoin(Model):
    """A person clicked "Deelnemen" in a session's join window (once per person and session).

    Joining is not attending for certain: it pre-fills the attendance form, and only the
    facilitator's confirmation counts."""

    __tablename__ = "session_joins"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AbsenceReason(LabelledEnum):
    ILLNESS = "illness", _l("Illness")
    WORK = "work", _l("Work that cannot wait")
    LEAVE = "leave", _l("Leave or holiday")
    PERSONAL = "personal", _l("Personal circumstances")
    OTHER = "other", _l("Another reason")


class AbsenceNotice(Model):
    """ "Ik kan niet komen": a participant said before the start that they cannot come."""

    __tablename__ = "absence_notices"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: An optional category, never free text.
    reason: Mapped[AbsenceReason | None] = mapped_column(str_enum(AbsenceReason))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EvaluationReceipt(Model):
    """This person has answered this session's evaluation. No time, no link to the answers."""

    __tablename__ = "evaluation_receipts"

    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class EvaluationAnswer(Model):
    """One answer to one evaluation item: random ids, no person, no time."""

    __tablename__ = "evaluation_answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id"), index=True)
    #: Random per response: groups one response's answers, known to nobody else.
    response_id: Mapped[str] = mapped_column(String(32))
    item_slug: Mapped[str] = mapped_column(String(80))
    score: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
