"""Organisations, departments, users and their roles."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

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
    #: Off: its people sign in with the organisation's OpenID provider only (learnpath.sso).
    password_sign_in: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: Facilitators, too, need a second factor (admins and HR always do; accounts.mfa).
    mfa_for_facilitators: Mapped[bool] = mapped_column(default=False, server_default=false())

    departments: Mapped[list[Department]] = relationship(
        back_populates="organisation", order_by="Department.name"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Network(TimestampMixin, Model):
    """A regional network of organisations (e.g. IGOM, Talentenregio): its coordinators run
    cohorts open to all member organisations or a chosen subset (learnpath.accounts.networks).

    The platform operator creates it and invites organisations (``flask networks``); an
    organisation is a member only while its administrator consents, and either side may end
    the membership. A partnership of two organisations (before migration 0035) became a
    network of two.
    """

    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    memberships: Mapped[list[NetworkMembership]] = relationship(
        back_populates="network", order_by="NetworkMembership.id"
    )

    def __repr__(self) -> str:
        return f"<Network {self.slug}>"


class NetworkMembership(TimestampMixin, Model):
    """One organisation in one network: invited by the operator, active once the
    organisation's administrator consented, ended by either side (then kept, dated)."""

    __tablename__ = "network_memberships"
    __table_args__ = (UniqueConstraint("network_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: When, and by which administrator of the organisation, the membership was accepted;
    #: None: invited, not (or no longer) accepted.
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When the membership ended (the organisation's administrator or the network); an ended
    #: membership is inactive until it is invited again.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    network: Mapped[Network] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()

    @property
    def is_active(self) -> bool:
        return self.consent_at is not None and self.ended_at is None

    def __repr__(self) -> str:
        return f"<NetworkMembership {self.network_id}:{self.organisation_id}>"


class NetworkCoordinator(TimestampMixin, Model):
    """A person who coordinates a network (a role within the network, not an account role):
    runs its cohorts and reads its network-level figures. Always someone of a member
    organisation."""

    __tablename__ = "network_coordinators"

    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)

    network: Mapped[Network] = relationship()
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<NetworkCoordinator {self.network_id}:{self.user_id}>"


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


class OrganisationEmailDomain(TimestampMixin, Model):
    """An email domain of an organisation: anyone with an address there may sign up by
    themselves (learnpath.accounts.signup). A domain belongs to one organisation at most."""

    __tablename__ = "organisation_email_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: Lower-cased, without "@", e.g. "utrecht.nl".
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<OrganisationEmailDomain {self.domain}>"


class User(UserMixin, TimestampMixin, Model):
    __tablename__ = "users"
    #: The admin and privacy user lists page through an organisation by name (accounts.directory).
    __table_args__ = (Index("ix_users_organisation_name", "organisation_id", "name", "id"),)

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
    #: Part of every session id: raising it ends all of the user's sessions ("sign out
    #: everywhere", deactivation); see learnpath.accounts.services.end_all_sessions.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    #: When the account was deactivated (learnpath.accounts.lifecycle); None: not deactivated
    #: that way (an account erased by the privacy rules is inactive without a date).
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Show only the first name to people of other organisations (network cohorts).
    first_name_only_elsewhere: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Discreet calendar mode: neutral event titles and mail subjects, CLASS:PRIVATE, for people
    #: who have not told their manager (learnpath.ical, the programme's mails).
    discreet_calendar: Mapped[bool] = mapped_column(default=False, server_default=false())

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
        """The session id "<id>:<fingerprint>:<epoch>" (checked by accounts.blueprint.load_user)."""
        return f"{self.id}:{self.credential_fingerprint}:{self.session_epoch or 0}"

    @validates("is_active_account")
    def _end_sessions_on_deactivation(self, key: str, active: bool) -> bool:
        """Deactivating an account ends its sessions, for good: a later reactivation does not
        bring copies of old session cookies back to life."""
        if self.is_active_account and not active:
            self.session_epoch = (self.session_epoch or 0) + 1
        return active


# The user lists' text search (learnpath.accounts.directory: lower(name/email) LIKE '%text%'),
# served on PostgreSQL by trigram indexes (pg_trgm, migration 0037); SQLite has none.
for _column in ("name", "email"):
    Index(
        f"ix_users_{_column}_trgm",
        func.lower(User.__table__.c[_column]).label(f"lower_{_column}"),
        postgresql_using="gin",
        postgresql_ops={f"lower_{_column}": "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql")


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
    """One failed login, kept for a short window to throttle guessing per (account, source)
    pair and per source; ``ip`` is the source (learnpath.accounts.services.source_of)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_at", "email", "created_at"),
        Index("ix_login_failures_ip_at", "ip", "created_at"),
        Index("ix_login_failures_email_ip_at", "email", "ip", "created_at"),
        Index("ix_login_failures_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PasswordResetRequest(Model):
    """One request for a reset link, kept for a short window to rate-limit per address and per
    source (whether or not an account has the address).

    ``limited``: the address had had its share of links in the window, so none was sent; such
    requests count for their source but not for the address (otherwise anyone could keep an
    address from ever getting a fresh link).
    """

    __tablename__ = "password_reset_requests"
    __table_args__ = (
        Index("ix_password_reset_requests_email_at", "email", "created_at"),
        Index("ix_password_reset_requests_ip_at", "ip", "created_at"),
        Index("ix_password_reset_requests_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    limited: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SignupRequest(Model):
    """Someone asked for an account with a work address (learnpath.accounts.signup).

    Nothing exists for them until they open the link mailed to the address: then the account
    is made with the name and password chosen here, and the request is used up. The rows also
    rate-limit requests per address and per source; old ones are purged.
    """

    __tablename__ = "signup_requests"
    __table_args__ = (
        Index("ix_signup_requests_email_at", "email", "created_at"),
        Index("ix_signup_requests_ip_at", "ip", "created_at"),
        Index("ix_signup_requests_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    ip: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EndedSession(Model):
    """A signed-out session, so that a copy of its cookie no longer signs anyone in.

    Kept until no cookie signed before the end can still be valid (``expires_at``: the end plus
    the session lifetime). ``sid_hash`` is the SHA-256 of the random id in the session.
    """

    __tablename__ = "ended_sessions"

    sid_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


from learnpath.accounts.mfa_models import MfaFailure, RecoveryCode, TotpCredential  # noqa: E402,F401
