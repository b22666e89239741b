"""Organisations, departments, users and their roles."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnpath.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from learnpath.extensions import Model


class Role(enum.StrEnum):
    PARTICIPANT = "participant"
    FACILITATOR = "facilitator"
    MANAGER = "manager"
    HR = "hr"
    ADMIN = "admin"


class Organisation(TimestampMixin, Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: IANA zone in which this organisation's sessions are planned and shown.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    #: Smallest group whose figures reports show (learnpath.reports.anonymity); 5 or more.
    report_min_group: Mapped[int] = mapped_column(default=5, server_default="5")
    #: Months after a trajectory has finished until its personal content is removed by the
    #: retention job (learnpath.privacy.retention); None: kept until erasure is requested.
    retention_months: Mapped[int | None] = mapped_column()

    departments: Mapped[list[Department]] = relationship(
        back_populates="organisation", order_by="Department.name"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Department(TimestampMixin, Model):
    """A department or domain, e.g. "Maatschappelijk domein"."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(back_populates="departments")

    def __repr__(self) -> str:
        return f"<Department {self.name!r}>"


class User(UserMixin, TimestampMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Always stored lower-cased; unique across the platform.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: None until the user accepts the invitation and chooses a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    is_active_account: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Reminder preferences (essential notices such as schedule changes are always sent).
    wants_session_reminders: Mapped[bool] = mapped_column(default=True, server_default=true())
    wants_assignment_reminders: Mapped[bool] = mapped_column(default=True, server_default=true())

    organisation: Mapped[Organisation] = relationship()
    department: Mapped[Department | None] = relationship()
    manager: Mapped[User | None] = relationship(remote_side=[id])
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account and self.password_hash is not None

    @property
    def credential_fingerprint(self) -> str:
        """A short value that changes whenever the password changes.

        Part of the session id and of account-link tokens, so a password change ends other
        sessions and makes used or superseded links invalid.
        """
        return hashlib.sha256((self.password_hash or "").encode()).hexdigest()[:16]

    def get_id(self) -> str:  # Flask-Login
        return f"{self.id}:{self.credential_fingerprint}"


class UserRole(Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[Role] = mapped_column(
        str_enum(Role, length=20),
        primary_key=True,
    )

    user: Mapped[User] = relationship(back_populates="role_rows")

    def __repr__(self) -> str:
        return f"<UserRole {self.user_id} {self.role}>"


class LoginFailure(Model):
    """One failed login, kept for a short window to throttle guessing per account and per IP."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_at", "email", "created_at"),
        Index("ix_login_failures_ip_at", "ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
