"""LTI 1.3: the tool's keys, platform registrations, deployments, links and the launch store."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnpath.accounts.models import Organisation, User
from learnpath.cohorts.models import Cohort
from learnpath.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from learnpath.extensions import Model


class AdminRoleMapping(enum.StrEnum):
    """What a platform Administrator becomes in learnpath (chosen per registration)."""

    NONE = "none"  #: nothing extra (a platform admin gets no learnpath admin rights)
    HR = "hr"
    ADMIN = "admin"


class ToolKey(Model):
    """An RSA key pair the tool signs with; the private half is stored encrypted."""

    __tablename__ = "lti_tool_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_pem: Mapped[str] = mapped_column(Text)
    #: Fernet token of the PEM, keyed by the app's SECRET_KEY; never shown anywhere.
    private_pem_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set when a newer key took over; the public half stays in the JWKS for a grace period.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<ToolKey {self.kid}{' retired' if self.retired_at else ''}>"


class Registration(TimestampMixin, Model):
    """One platform (issuer + client id) that may launch learnpath for one organisation."""

    __tablename__ = "lti_registrations"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(500))
    auth_token_url: Mapped[str] = mapped_column(String(500))
    key_set_url: Mapped[str] = mapped_column(String(500))
    #: The ``aud`` of the token request when the platform wants one other than the token URL.
    auth_audience: Mapped[str | None] = mapped_column(String(500))
    admin_role: Mapped[AdminRoleMapping] = mapped_column(
        str_enum(AdminRoleMapping, length=10), default=AdminRoleMapping.NONE
    )
    #: Opt-in: a launch whose email matches an existing account may offer to link to it; the
    #: person must then sign in once as that account to confirm. Off: never linked by email.
    link_by_email: Mapped[bool] = mapped_column(default=False, server_default=false())

    organisation: Mapped[Organisation] = relationship()
    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="registration",
        cascade="all, delete-orphan",
        order_by="Deployment.deployment_id",
        lazy="selectin",
    )

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.issuer} {self.client_id}>"


class Deployment(Model):
    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True
    )
    deployment_id: Mapped[str] = mapped_column(String(255))

    registration: Mapped[Registration] = relationship(back_populates="deployments")

    def __repr__(self) -> str:
        return f"<Deployment {self.deployment_id}>"


class ResourceLink(TimestampMixin, Model):
    """A link placed in a platform course; once bound it opens one cohort."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("registration_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True
    )
    resource_link_id: Mapped[str] = mapped_column(String(255))
    deployment_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    context_id: Mapped[str | None] = mapped_column(String(255))
    context_title: Mapped[str | None] = mapped_column(String(255))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id"), index=True)
    bound_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Service endpoints from the latest launch (NRPS memberships, AGS line items).
    memberships_url: Mapped[str | None] = mapped_column(String(500))
    lineitems_url: Mapped[str | None] = mapped_column(String(500))
    #: The "trajectory completed" line item, created on the platform on first use.
    lineitem_url: Mapped[str | None] = mapped_column(String(500))
    ags_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)

    registration: Mapped[Registration] = relationship()
    cohort: Mapped[Cohort | None] = relationship()

    def __repr__(self) -> str:
        return f"<ResourceLink {self.resource_link_id} cohort={self.cohort_id}>"


class LinkMethod(enum.StrEnum):
    """How a platform user came to be linked to a learnpath account."""

    CREATED = "created"  #: the launch (or roster import) created the account
    CONFIRMED = "confirmed"  #: the person signed in as the existing account to confirm


class UserLink(TimestampMixin, Model):
    """The platform's user (sub) in one deployment of one registration is this learnpath user.

    Keyed by registration and deployment, not by issuer: an issuer is often shared (Canvas
    cloud), and ``sub`` values are only unique within the platform that issued them.
    """

    __tablename__ = "lti_user_links"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True
    )
    deployment_id: Mapped[str] = mapped_column(String(255))
    sub: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    method: Mapped[LinkMethod] = mapped_column(
        str_enum(LinkMethod, length=20), default=LinkMethod.CREATED
    )
    #: The latest launch that signed the person in through this link (shown to them).
    last_launch_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    registration: Mapped[Registration] = relationship()
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return (
            f"<UserLink {self.registration_id} {self.deployment_id} {self.sub} user={self.user_id}>"
        )


class ScorePost(Model):
    """The last score sent for one participant on one resource link (so unchanged ones are skipped)."""

    __tablename__ = "lti_score_posts"
    __table_args__ = (UniqueConstraint("resource_link_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("lti_resource_links.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    score_given: Mapped[int] = mapped_column(Integer)
    activity_progress: Mapped[str] = mapped_column(String(20))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoginStart(Model):
    """One LTI login started from a source (rate limit per source, shared by all workers)."""

    __tablename__ = "lti_login_starts"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class LaunchValue(Model):
    """Nonces, OIDC state and validated launches, shared by all workers (not process memory)."""

    __tablename__ = "lti_launch_values"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
