"""Second factor for local accounts: a TOTP secret, recovery codes, failed codes.

Imported by learnpath.accounts.models (so the metadata knows the tables); the rules are in
learnpath.accounts.mfa.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from learnpath.db import UTCDateTime, utcnow
from learnpath.extensions import Model


class TotpCredential(Model):
    """A user's authenticator app: the shared secret (encrypted) and the last step used."""

    __tablename__ = "totp_credentials"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: Fernet token of the base32 secret, keyed by the app's SECRET_KEY.
    secret_encrypted: Mapped[str] = mapped_column(Text)
    #: None while enrolment waits for the first correct code.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The 30-second step of the last accepted code: a code is accepted once.
    last_step: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecoveryCode(Model):
    """A single-use code for when the authenticator is lost; only its hash is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MfaFailure(Model):
    """A wrong second-factor code, kept for a short window to throttle guessing."""

    __tablename__ = "mfa_failures"
    __table_args__ = (
        Index("ix_mfa_failures_user_at", "user_id", "created_at"),
        Index("ix_mfa_failures_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ip: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
