"""An organisation's choice of meeting-room provider, and the room made for each session."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnpath.accounts.models import Organisation
from learnpath.cohorts.models import CohortSession
from learnpath.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from learnpath.enums import LabelledEnum
from learnpath.extensions import Model


class Provider(LabelledEnum):
    MANUAL = "manual", _l("A link per session, entered by the facilitator")
    JITSI = "jitsi", _l("Jitsi Meet (a room per session, made by learnpath)")
    TEAMS = "teams", _l("Microsoft Teams (a meeting per session, made through Microsoft Graph)")


class RoomSettings(TimestampMixin, Model):
    """One organisation's provider; Teams needs an app registration in its own tenant."""

    __tablename__ = "room_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    provider: Mapped[Provider] = mapped_column(str_enum(Provider, length=10))
    #: The organisation's own Jitsi server (https://...), or None for the public meet.jit.si.
    jitsi_url: Mapped[str | None] = mapped_column(String(500))
    teams_tenant_id: Mapped[str | None] = mapped_column(String(100))
    teams_client_id: Mapped[str | None] = mapped_column(String(100))
    #: Fernet token of the app registration's client secret (keyed by SECRET_KEY); never shown.
    teams_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    #: The Entra object id (or UPN) of the account meetings are made on behalf of.
    teams_organizer: Mapped[str | None] = mapped_column(String(255))

    organisation: Mapped[Organisation] = relationship()


class RoomStatus(LabelledEnum):
    PENDING = "pending", _l("Being made")
    READY = "ready", _l("Ready")
    FAILED = "failed", _l("Not made: the session's own link is used")
    CANCELLED = "cancelled", _l("Cancelled")


class RoomAction(enum.StrEnum):
    """What still has to be done at the provider."""

    CREATE = "create"
    UPDATE = "update"
    CANCEL = "cancel"


class MeetingRoom(Model):
    """The room of one session at its organisation's provider, and the work still to do."""

    __tablename__ = "meeting_rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id"), unique=True)
    provider: Mapped[Provider] = mapped_column(str_enum(Provider, length=10))
    status: Mapped[RoomStatus] = mapped_column(
        str_enum(RoomStatus, length=10), default=RoomStatus.PENDING
    )
    #: The provider's id of the room (Graph: the onlineMeeting id; Jitsi: the room name).
    external_id: Mapped[str | None] = mapped_column(String(500))
    join_url: Mapped[str | None] = mapped_column(String(1000))
    pending_action: Mapped[RoomAction | None] = mapped_column(str_enum(RoomAction, length=10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: When the retry job may try again (also a short claim while one job is at work).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    #: Why the last attempt failed (no secrets, no personal data).
    last_error: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    session: Mapped[CohortSession] = relationship()

    @property
    def usable_url(self) -> str | None:
        """The room's own link when it is ready (else the session's manual link applies)."""
        if self.status == RoomStatus.READY and self.join_url:
            return self.join_url
        return None
