"""An organisation's OpenID provider, the identities it vouches for, and logins under way."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnpath.accounts.models import Organisation, User
from learnpath.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from learnpath.extensions import Model


class MfaClaim(enum.StrEnum):
    """Which ID-token claim tells that the provider checked a second factor."""

    NONE = "none"  #: the provider's sign-in never counts as MFA (learnpath asks its own code)
    AMR = "amr"  #: ``amr`` holds one of ``mfa_values`` (e.g. mfa, otp, hwk)
    ACR = "acr"  #: ``acr`` is one of ``mfa_values``


class OidcProvider(TimestampMixin, Model):
    """One organisation's OpenID provider (Entra ID tenant or any standard provider)."""

    __tablename__ = "oidc_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    #: The issuer as the provider names it (discovery at <issuer>/.well-known/openid-configuration).
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    #: Fernet token of the client secret, keyed by the app's SECRET_KEY; never shown again.
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    #: Email domains whose people may sign in, lower-cased, one per line.
    allowed_domains: Mapped[str] = mapped_column(Text, default="")
    #: Claim holding the department's name (Entra ID: an optional claim such as "department").
    department_claim: Mapped[str | None] = mapped_column(String(100))
    mfa_claim: Mapped[MfaClaim] = mapped_column(
        str_enum(MfaClaim, length=10), default=MfaClaim.AMR, server_default=MfaClaim.AMR.value
    )
    #: Space-separated values of ``mfa_claim`` that count as a second factor.
    mfa_values: Mapped[str] = mapped_column(String(500), default="mfa", server_default="mfa")
    enabled: Mapped[bool] = mapped_column(default=True, server_default=true())

    organisation: Mapped[Organisation] = relationship()

    @property
    def domains(self) -> list[str]:
        return [d for d in (self.allowed_domains or "").split() if d]

    def __repr__(self) -> str:
        return f"<OidcProvider {self.id} {self.issuer}>"


class OidcIdentity(Model):
    """An account as a provider knows it: (issuer, subject) is one person, for good."""

    __tablename__ = "oidc_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("oidc_providers.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    #: ``sub``, or for Entra ID the stable object id ``oid`` (the same in every app).
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
    provider: Mapped[OidcProvider] = relationship()


class OidcPendingLogin(Model):
    """A sign-in sent to the provider and not back yet: used once, then deleted.

    ``state_hash`` is the SHA-256 of the ``state`` parameter (also kept in the browser's
    session, so a callback only counts in the browser that started it); the nonce and PKCE
    verifier never leave the server.
    """

    __tablename__ = "oidc_pending_logins"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("oidc_providers.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str] = mapped_column(String(200))
    next_url: Mapped[str | None] = mapped_column(String(500))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class OidcLoginStart(Model):
    """One OpenID Connect sign-in started from a source (the per-source rate limit, shared by
    every worker and server)."""

    __tablename__ = "oidc_login_starts"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
