"""The SCIM bearer token of an organisation and the SCIM identity of a provisioned user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnpath.accounts.models import Organisation, User
from learnpath.db import TimestampMixin, UTCDateTime
from learnpath.extensions import Model


class ScimToken(TimestampMixin, Model):
    """The one bearer token with which an organisation's identity provider provisions users.

    Only its SHA-256 is stored; the token itself is shown once to the administrator who makes
    it. Rotating replaces the hash, so the old token stops working at once.
    """

    __tablename__ = "scim_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The token's last characters, so an administrator can tell which one is configured.
    hint: Mapped[str] = mapped_column(String(8))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()


class ScimIdentity(TimestampMixin, Model):
    """How the identity provider knows a user: its ``userName`` and ``externalId``.

    The SCIM ``id`` of a user is the user's own id; this row exists once the provider has
    created or changed the user through SCIM.
    """

    __tablename__ = "scim_identities"
    __table_args__ = (
        UniqueConstraint("organisation_id", "user_name_key"),
        Index("ix_scim_identities_org_external_id", "organisation_id", "external_id"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    #: As the provider sent it (e.g. the userPrincipalName), and lower-cased for lookups.
    user_name: Mapped[str] = mapped_column(String(254))
    user_name_key: Mapped[str] = mapped_column(String(254))
    external_id: Mapped[str | None] = mapped_column(String(255))
    #: The names as the provider sent them; ``User.name``, the name shown, is made from them
    #: (displayName, else name.formatted, else given and family name, else userName).
    display_name: Mapped[str | None] = mapped_column(String(200))
    formatted_name: Mapped[str | None] = mapped_column(String(200))
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    #: How the provider described the address (``User.email`` is the address itself).
    email_type: Mapped[str | None] = mapped_column(String(100))
    email_primary: Mapped[bool | None] = mapped_column()
    #: When the provider deleted the user: the account is deactivated and its data kept under
    #: the retention rules, but SCIM no longer shows it (RFC 7644 3.6).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
