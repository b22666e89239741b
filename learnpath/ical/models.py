"""Secret feed links: one per user for the personal feed, one per (facilitator, cohort)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnpath.accounts.models import User
from learnpath.cohorts.models import Cohort
from learnpath.db import TimestampMixin
from learnpath.extensions import Model

#: Scope of a personal feed; a cohort feed's scope is "cohort:<id>".
PERSONAL_SCOPE = "personal"
#: Scope of a facilitator's feed of every cohort and group they facilitate.
FACILITATING_SCOPE = "facilitating"


def cohort_scope(cohort_id: int) -> str:
    return f"cohort:{cohort_id}"


class CalendarToken(TimestampMixin, Model):
    """The secret behind a feed URL ``/cal/<token>.ics``.

    The token itself is not stored. ``seed`` is random; the token is an HMAC of the seed with the
    server key (see ``learnpath.ical.services``), so the owner's settings page can show the URL
    again at any time, while a copy of the database alone does not reveal any feed URL.
    Requests are matched on ``token_hash`` (sha256 of the token). Regenerating replaces the seed
    (the old URL stops working); revoking deletes the row.
    """

    __tablename__ = "calendar_tokens"
    __table_args__ = (UniqueConstraint("user_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Not indexed on its own: the unique (user_id, scope) index serves lookups by user.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: "personal", "cohort:<id>" for a facilitator's feed of one cohort, or "facilitating"
    #: for a facilitator's feed of all the cohorts they facilitate.
    scope: Mapped[str] = mapped_column(String(40))
    #: Set for cohort feeds (the cohort whose sessions the feed lists).
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), index=True
    )
    #: Random value the token is derived from (not the token; useless without the server key).
    seed: Mapped[str] = mapped_column(String(64))
    #: Hex sha256 of the token: what a feed request is looked up by.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)

    user: Mapped[User] = relationship()
    cohort: Mapped[Cohort | None] = relationship()

    def __repr__(self) -> str:
        return f"<CalendarToken {self.id} user={self.user_id} {self.scope}>"

    @property
    def is_personal(self) -> bool:
        return self.scope == PERSONAL_SCOPE
