"""Feed tokens: issue, regenerate, revoke, resolve, and the URLs shown to their owner.

A token is ``HMAC-SHA256(key, seed)`` (256 bits, URL-safe base64) of a random 192-bit seed.
Only the seed and sha256(token) are stored: a leaked database does not reveal feed URLs, yet the
owner can always see their URL again (it is recomputed from the seed). The key is
CALENDAR_TOKEN_KEY when configured, else SECRET_KEY. If the key changes, existing URLs keep
working (they are matched by hash) but can no longer be shown; the owner regenerates to see one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from learnpath.accounts.models import Role, User
from learnpath.cohorts.models import Cohort, cohort_facilitators
from learnpath.cohorts.services import can_manage
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.ical.models import FACILITATING_SCOPE, PERSONAL_SCOPE, CalendarToken, cohort_scope
from learnpath.web.urls import external_url

_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{40,64}$")


class NotAllowed(Refusal):
    """The user may not have a feed of this scope (e.g. not a facilitator of the cohort)."""


@dataclass(frozen=True)
class FeedLinks:
    https: str
    webcal: str


def _key() -> bytes:
    key = current_app.config.get("CALENDAR_TOKEN_KEY") or current_app.config["SECRET_KEY"]
    return str(key).encode()


def derive_token(seed: str) -> str:
    """Return the token for a seed (HMAC with the server key, URL-safe, no padding)."""
    digest = hmac.new(_key(), b"learnpath.calendar-feed:" + seed.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _scope(cohort: Cohort | None, facilitating: bool = False) -> str:
    if facilitating:
        return FACILITATING_SCOPE
    return PERSONAL_SCOPE if cohort is None else cohort_scope(cohort.id)


def find_token(
    user: User, cohort: Cohort | None = None, *, facilitating: bool = False
) -> CalendarToken | None:
    """The user's token for the personal feed (cohort None), a cohort feed, or the feed of
    all the cohorts they facilitate (``facilitating``), if any."""
    return db.session.scalar(
        select(CalendarToken).where(
            CalendarToken.user_id == user.id,
            CalendarToken.scope == _scope(cohort, facilitating),
        )
    )


def tokens_of(user: User) -> dict[str, CalendarToken]:
    """All of the user's tokens by scope."""
    rows = db.session.scalars(select(CalendarToken).where(CalendarToken.user_id == user.id))
    return {row.scope: row for row in rows}


def issue_token(
    user: User, cohort: Cohort | None = None, *, facilitating: bool = False
) -> CalendarToken:
    """Create the user's feed token, or replace it so the old URL stops working."""
    if cohort is not None and not can_manage(user, cohort):
        raise NotAllowed
    if facilitating and (cohort is not None or Role.FACILITATOR not in user.roles):
        raise NotAllowed
    row = find_token(user, cohort, facilitating=facilitating)
    if row is None:
        row = CalendarToken(
            user_id=user.id,
            scope=_scope(cohort, facilitating),
            cohort_id=cohort.id if cohort else None,
        )
        db.session.add(row)
    row.seed = secrets.token_urlsafe(24)
    row.token_hash = hash_token(derive_token(row.seed))
    db.session.flush()
    return row


def revoke_token(user: User, cohort: Cohort | None = None, *, facilitating: bool = False) -> bool:
    """Delete the user's token of this scope; return whether there was one."""
    row = find_token(user, cohort, facilitating=facilitating)
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def lookup_hash(token: str) -> str | None:
    """The ``token_hash`` a feed URL's token is looked up by; None for what cannot be a token."""
    return hash_token(token) if _TOKEN_SHAPE.match(token) else None


def resolve(token: str) -> CalendarToken | None:
    """Return the token row a feed URL names (with its user and organisation), or None.

    The user's roles are loaded only when asked for (a cohort feed asks; a personal one not).
    """
    if not _TOKEN_SHAPE.match(token):
        return None
    return db.session.scalar(
        select(CalendarToken)
        .where(CalendarToken.token_hash == hash_token(token))
        .options(
            joinedload(CalendarToken.user).options(
                joinedload(User.organisation), lazyload(User.role_rows)
            )
        )
    )


def feed_links(row: CalendarToken) -> FeedLinks | None:
    """The https:// and webcal:// URLs of a token; None if the server key has changed since."""
    token = derive_token(row.seed)
    if not hmac.compare_digest(hash_token(token), row.token_hash):
        return None
    https = external_url("ical.feed", token=token)  # http:// only in development
    return FeedLinks(https=https, webcal="webcal://" + https.split("://", 1)[1])


@dataclass(frozen=True)
class FeedEntry:
    """One feed on the settings page: whose sessions, and its links if it has a token."""

    cohort: Cohort | None
    has_token: bool
    links: FeedLinks | None


@dataclass(frozen=True)
class SettingsPage:
    personal: FeedEntry
    cohorts: list[FeedEntry]
    #: Facilitators: one feed of every cohort and group they facilitate.
    facilitating: FeedEntry | None = None


def facilitated_cohorts(user: User) -> list[Cohort]:
    """Cohorts the user facilitates (empty for users without the facilitator role)."""
    if Role.FACILITATOR not in user.roles:
        return []
    return list(
        db.session.scalars(
            select(Cohort)
            .join(cohort_facilitators, cohort_facilitators.c.cohort_id == Cohort.id)
            .where(cohort_facilitators.c.user_id == user.id)
            .order_by(Cohort.signup_opens_at.desc(), Cohort.id)
        )
    )


def _entry(cohort: Cohort | None, row: CalendarToken | None) -> FeedEntry:
    return FeedEntry(cohort, row is not None, feed_links(row) if row else None)


def facilitating_entry(user: User) -> FeedEntry:
    """The facilitator's feed of all their cohorts (one query)."""
    return _entry(None, find_token(user, facilitating=True))


def settings_page(user: User) -> SettingsPage:
    """The user's personal feed and, for facilitators, a feed per cohort they facilitate."""
    rows = tokens_of(user)
    return SettingsPage(
        personal=_entry(None, rows.get(PERSONAL_SCOPE)),
        cohorts=[_entry(c, rows.get(cohort_scope(c.id))) for c in facilitated_cohorts(user)],
        facilitating=(
            _entry(None, rows.get(FACILITATING_SCOPE)) if Role.FACILITATOR in user.roles else None
        ),
    )
