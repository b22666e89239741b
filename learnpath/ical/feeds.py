"""Subscription feeds: which sessions a token shows, and the feed's bytes, ETag and date.

A feed request is answered in two steps, so that a conditional request (``If-None-Match``)
is answered before anything is built (F11):

1. :func:`feed_for_token` reads the token (with its user) and one small row per event the
   feed shows: the columns the event's text is made of (the session and its cohort,
   organisation and facilitators; the conversation and its two people), no ORM objects.
   The ETag is a hash of those rows together with everything else the bytes depend on
   (the reader's language, the calendar's name and zone, the year, the programme content and
   the translations): equal ETags mean equal bytes, so it is a strong validator.
2. Only when the body is asked for (:attr:`Feed.body`) are the events made: each event's data
   is kept per process by its row, so only sessions not seen before (or changed since) are
   loaded and turned into event data, and the VEVENT texts are kept by event data
   (``builder.feed_vevent``), so a feed is mostly concatenation.

The number of SQL queries per feed is constant (two or three for the ETag; for the body, two
more for the sessions not kept yet and one when there are conversations), whatever the number
of sessions; none of them reads more than the user's own rows through indexes (the EXPLAIN
test in tests/ical/test_feed_plans.py).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    bindparam,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import aliased, joinedload, selectinload

from learnpath.accounts.models import Organisation, Role, User
from learnpath.action_plans.models import ActionPlan, Conversation, PlanShare
from learnpath.cohorts.models import (
    SEAT_STATUSES,
    Cohort,
    CohortSession,
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
    cohort_facilitators,
)
from learnpath.content_registry import get_content
from learnpath.db import UTCDateTime
from learnpath.extensions import db
from learnpath.ical import discreet
from learnpath.ical.builder import EventData, Zones, feed_text
from learnpath.ical.conversations import conversation_event
from learnpath.ical.events import event_data
from learnpath.ical.models import FACILITATING_SCOPE, CalendarToken
from learnpath.ical.services import resolve

#: Enrolments whose cohort's sessions are in the participant's feed: a seat (also an offered
#: seat or one waiting for approval), or a finished programme (its past sessions stay).
#: Withdrawn and dropped-out participants lose the sessions (F13).
FEED_STATUSES = SEAT_STATUSES | {EnrolmentStatus.COMPLETED}
#: A cancelled session stays in feeds, marked as cancelled, until this long after its start (F13).
KEEP_CANCELLED = timedelta(days=30)
#: Part of every ETag: raise it when the feed's output changes for the same data.
FEED_FORMAT = "2"
#: Event data kept per process, by the row it was made from.
EVENT_CACHE_SIZE = 8192


class Feed:
    """A feed's validators, and its body, made when first asked for."""

    def __init__(self, etag: str, last_modified: datetime, build: Callable[[], bytes]) -> None:
        #: Strong validator: a hash of everything the body is made of (F11).
        self.etag = etag
        self.last_modified = last_modified
        self._build = build
        self._body: bytes | None = None

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = self._build()
        return self._body


# --- which sessions and conversations ------------------------------------------------------


def _shown(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    since = now - KEEP_CANCELLED if isinstance(now, datetime) else now
    return or_(
        CohortSession.status == SessionStatus.SCHEDULED,
        CohortSession.starts_at > since,
    )


def _personal_cohort_ids(user: User | BindParameter[int]) -> Select[tuple[int]]:
    """The cohorts where the user has a seat (or finished), or facilitates: one UNION of two
    index lookups (an OR of two IN lists would make the planner scan every session)."""
    user_id = user.id if isinstance(user, User) else user
    seated = select(Enrolment.cohort_id).where(
        Enrolment.user_id == user_id, Enrolment.status.in_(FEED_STATUSES)
    )
    facilitated = select(cohort_facilitators.c.cohort_id).where(
        cohort_facilitators.c.user_id == user_id
    )
    return select(union(seated, facilitated).subquery().c.cohort_id)


def _sessions(where: ColumnElement[bool], now: datetime | None) -> Select[CohortSession]:
    """Sessions with what their events are made of; ``now`` None: also long-cancelled ones."""
    return (
        select(CohortSession)
        .where(where, _shown(now) if now is not None else true())
        .options(
            joinedload(CohortSession.cohort).options(
                joinedload(Cohort.organisation), selectinload(Cohort.facilitators)
            )
        )
        .order_by(CohortSession.starts_at, CohortSession.id)
    )


def personal_sessions(user: User, now: datetime) -> list[CohortSession]:
    """Sessions of the cohorts where the user has a seat (or finished), or facilitates."""
    where = CohortSession.cohort_id.in_(_personal_cohort_ids(user))
    return list(db.session.scalars(_sessions(where, now)).unique())


def cohort_sessions(cohort_id: int, now: datetime) -> list[CohortSession]:
    """All sessions of one cohort (cancelled ones for a while)."""
    return list(db.session.scalars(_sessions(CohortSession.cohort_id == cohort_id, now)).unique())


def _personal_share_ids(user: User | BindParameter[int]) -> Select[tuple[int]]:
    """Shares the user takes part in, as participant or as manager, that are not revoked: one
    UNION of two index lookups (plans by user, shares by manager)."""
    user_id = user.id if isinstance(user, User) else user
    mine = (
        select(PlanShare.id)
        .join(ActionPlan, PlanShare.plan_id == ActionPlan.id)
        .where(ActionPlan.user_id == user_id, PlanShare.revoked_at.is_(None))
    )
    managed = select(PlanShare.id).where(
        PlanShare.manager_id == user_id, PlanShare.revoked_at.is_(None)
    )
    return select(union(mine, managed).subquery().c.id)


def personal_conversations(user: User) -> list[Conversation]:
    """Agreed career conversations the user takes part in (as participant or as manager),
    while the plan is still shared."""
    return list(
        db.session.scalars(
            select(Conversation)
            .where(
                Conversation.share_id.in_(_personal_share_ids(user)),
                Conversation.starts_at.is_not(None),
            )
            .options(
                joinedload(Conversation.share).options(
                    joinedload(PlanShare.manager),
                    joinedload(PlanShare.plan)
                    .joinedload(ActionPlan.user)
                    .joinedload(User.organisation),
                )
            )
            .order_by(Conversation.starts_at)
        ).unique()
    )


def facilitates(user: User, cohort_id: int) -> bool:
    """Whether the user is (still) a facilitator of the cohort."""
    return _facilitated_cohort(user, cohort_id) is not None


def _facilitated_cohort(user: User, cohort_id: int) -> tuple[str, str] | None:
    """(name, time zone) of the cohort if the user facilitates it, else None."""
    if Role.FACILITATOR not in user.roles:
        return None
    row = db.session.execute(
        select(Cohort.name, Organisation.timezone)
        .join(Organisation, Cohort.organisation_id == Organisation.id)
        .join(cohort_facilitators, cohort_facilitators.c.cohort_id == Cohort.id)
        .where(Cohort.id == cohort_id, cohort_facilitators.c.user_id == user.id)
    ).first()
    return None if row is None else (row[0], row[1])


# --- rows: what each event is made of ----------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    """One event of a feed as read for its ETag: ``key`` holds every column its text is made
    of (so equal keys make equal VEVENTs), the rest is what ordering and time zones need."""

    key: tuple[Hashable, ...]
    id: int
    uid: str
    zone: str
    starts_at: datetime
    ends_at: datetime
    changed_at: datetime


_Facilitator = aliased(User)


_USER = bindparam("user_id", type_=Integer)
_COHORT = bindparam("cohort_id", type_=Integer)
_SINCE = bindparam("since", type_=UTCDateTime())
_FACILITATOR = bindparam("facilitator_id", type_=Integer)


def _facilitated_cohort_ids(user_id: BindParameter[int]) -> Select[tuple[int]]:
    return select(cohort_facilitators.c.cohort_id).where(cohort_facilitators.c.user_id == user_id)


@cache
def _session_rows_query(kind: str) -> Any:
    """The rows of a personal feed (parameters user_id, since), of a cohort feed (cohort_id,
    since) or of a facilitator's feed of all their cohorts (facilitator_id, since); built
    once, as building a statement costs more than running it."""
    s = CohortSession
    where = {
        "personal": lambda: s.cohort_id.in_(_personal_cohort_ids(_USER)),
        "cohort": lambda: s.cohort_id == _COHORT,
        "facilitating": lambda: s.cohort_id.in_(_facilitated_cohort_ids(_FACILITATOR)),
    }[kind]()
    return (
        select(
            s.id,
            s.uid,
            s.sequence,
            s.starts_at,
            s.duration_minutes,
            s.status,
            s.meeting_url,
            s.notes,
            s.blueprint_slug,
            s.position,
            s.created_at,
            s.changed_at,
            Cohort.id,
            Cohort.kind,
            Cohort.name,
            Cohort.programme_slug,
            Cohort.content_version,
            Cohort.updated_at,
            Organisation.timezone,
            _Facilitator.name,
            _Facilitator.email,
        )
        .join(Cohort, s.cohort_id == Cohort.id)
        .join(Organisation, Cohort.organisation_id == Organisation.id)
        .outerjoin(cohort_facilitators, cohort_facilitators.c.cohort_id == Cohort.id)
        .outerjoin(_Facilitator, _Facilitator.id == cohort_facilitators.c.user_id)
        .where(where, _shown(_SINCE))
    )


def _session_rows(now: datetime, **params: int) -> list[EventRow]:
    """One row per session (the facilitators folded in), by the columns event_data reads;
    ``user_id`` for a personal feed, ``cohort_id`` for a cohort feed, ``facilitator_id`` for
    the feed of every cohort a facilitator runs."""
    kind = (
        "personal" if "user_id" in params else "cohort" if "cohort_id" in params else "facilitating"
    )
    query = _session_rows_query(kind)
    result = db.session.execute(query, {**params, "since": now - KEEP_CANCELLED})
    sessions: dict[int, tuple[tuple[Any, ...], set[tuple[str, str]]]] = {}
    row: Any
    for row in result:
        entry = sessions.setdefault(row[0], (tuple(row[:19]), set()))
        if row[19] is not None:
            entry[1].add((row[19], row[20]))
    rows = []
    for columns, facilitators in sessions.values():
        starts_at = columns[3]
        rows.append(
            EventRow(
                key=("session", *columns, tuple(sorted(facilitators))),
                id=columns[0],
                uid=columns[1],
                zone=columns[18],
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=columns[4]),
                changed_at=max(columns[11], columns[17]),
            )
        )
    return rows


def _session_key(session: CohortSession) -> tuple[Hashable, ...]:
    """The key of :func:`_session_rows` from a loaded session (cohort, facilitators loaded)."""
    cohort = session.cohort
    return (
        "session",
        session.id,
        session.uid,
        session.sequence,
        session.starts_at,
        session.duration_minutes,
        session.status,
        session.meeting_url,
        session.notes,
        session.blueprint_slug,
        session.position,
        session.created_at,
        session.changed_at,
        cohort.id,
        cohort.kind,
        cohort.name,
        cohort.programme_slug,
        cohort.content_version,
        cohort.updated_at,
        cohort.organisation.timezone,
        tuple(sorted({(f.name, f.email) for f in cohort.facilitators})),
    )


_Manager = aliased(User)
_Participant = aliased(User)
_ParticipantOrganisation = aliased(Organisation)


@cache
def _conversation_rows_query() -> Any:
    c = Conversation
    return (
        select(
            c.id,
            c.sequence,
            c.starts_at,
            c.duration_minutes,
            c.created_at,
            c.updated_at,
            _Manager.name,
            _Manager.email,
            _Participant.name,
            _ParticipantOrganisation.timezone,
            c.location,
        )
        .join(PlanShare, c.share_id == PlanShare.id)
        .join(_Manager, PlanShare.manager_id == _Manager.id)
        .join(ActionPlan, PlanShare.plan_id == ActionPlan.id)
        .join(_Participant, ActionPlan.user_id == _Participant.id)
        .join(
            _ParticipantOrganisation,
            _Participant.organisation_id == _ParticipantOrganisation.id,
        )
        .where(c.share_id.in_(_personal_share_ids(_USER)), c.starts_at.is_not(None))
    )


def _conversation_rows(user: User) -> list[EventRow]:
    result = db.session.execute(_conversation_rows_query(), {"user_id": user.id})
    rows = []
    columns: Any
    for columns in result:
        rows.append(
            EventRow(
                key=("conversation", *columns),
                id=columns[0],
                uid=f"career-conversation-{columns[0]}@learnpath",
                zone=columns[9],
                starts_at=columns[2],
                ends_at=columns[2] + timedelta(minutes=columns[3]),
                changed_at=columns[5] or columns[4],
            )
        )
    return rows


def _conversation_key(conversation: Conversation) -> tuple[Hashable, ...]:
    share = conversation.share
    participant = share.plan.user
    return (
        "conversation",
        conversation.id,
        conversation.sequence,
        conversation.starts_at,
        conversation.duration_minutes,
        conversation.created_at,
        conversation.updated_at,
        share.manager.name,
        share.manager.email,
        participant.name,
        participant.organisation.timezone,
        conversation.location,
    )


# --- event data kept per process -----------------------------------------------------------


class _Kept:
    """Values by key, kept per process; the least recently used are dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, value: object) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


#: Event data by (language, content version, row key).
_events = _Kept(EVENT_CACHE_SIZE)
#: A stable digest of each row key (hashing the rows' text anew on every request costs more
#: than the queries): what the ETag is made of.
_digests = _Kept(EVENT_CACHE_SIZE)


def _digest(key: tuple[Hashable, ...]) -> str:
    found = _digests.get(key)
    if found is None:
        found = hashlib.sha256(repr(key).encode()).hexdigest()
        _digests.put(key, found)
    return str(found)


def clear_kept_events() -> None:
    """Forget the kept event data (benchmarks measure a feed built from nothing)."""
    _events.clear()
    _digests.clear()


@cache
def _translations_version() -> str:
    """A hash of the compiled translations: new words give new ETags."""
    digest = hashlib.sha256()
    for path in sorted((Path(__file__).resolve().parent.parent / "translations").rglob("*.mo")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _events_for(
    rows: Sequence[EventRow],
    scope: tuple[Hashable, ...],
    load: Callable[[list[int]], Iterable[tuple[tuple[Hashable, ...], EventData]]],
) -> list[EventData]:
    """Event data for the rows: kept ones, and the others loaded (in one go) and kept."""
    found: dict[int, EventData] = {}
    missing = []
    for row in rows:
        data = _events.get((scope, row.key))
        if isinstance(data, EventData):
            found[row.id] = data
        else:
            missing.append(row.id)
    if missing:
        for key, data in load(missing):
            # Kept under the key of what was loaded, which may be newer than the row.
            _events.put((scope, key), data)
            found[int(key[1])] = data  # type: ignore[call-overload]
    return [found[row.id] for row in rows if row.id in found]


def _load_sessions(ids: list[int]) -> list[tuple[tuple[Hashable, ...], EventData]]:
    sessions = db.session.scalars(_sessions(CohortSession.id.in_(ids), None)).unique()
    return [(_session_key(s), event_data(s, mark_cancelled=True)) for s in sessions]


def _loader_of_conversations(
    user: User,
) -> Callable[[list[int]], list[tuple[tuple[Hashable, ...], EventData]]]:
    def load(ids: list[int]) -> list[tuple[tuple[Hashable, ...], EventData]]:
        wanted = set(ids)
        return [
            (_conversation_key(c), conversation_event(c))
            for c in personal_conversations(user)
            if c.id in wanted
        ]

    return load


# --- the feed ------------------------------------------------------------------------------


def _feed(
    token: CalendarToken,
    name: str,
    zone: str,
    sessions: list[EventRow],
    now: datetime,
    conversations: list[EventRow],
) -> Feed:
    locale = token.user.locale
    hidden = discreet.is_discreet(token.user)
    if hidden:
        with force_locale(locale):
            name = discreet.calendar_name()
    content = get_content().version
    scope = (locale, content)
    rows = sorted([*sessions, *conversations], key=lambda r: (r.starts_at, r.uid))
    zones = Zones(rows, zone, now.year)
    etag = hashlib.sha256(
        repr(
            (
                FEED_FORMAT,
                hidden,
                _translations_version(),
                content,
                locale,
                name,
                zone,
                tuple(sorted(zones.ranges.items())),
                tuple(_digest(r.key) for r in rows),
            )
        ).encode()
    ).hexdigest()[:32]
    last_modified = max([token.updated_at, *(r.changed_at for r in rows)])

    def build() -> bytes:
        with force_locale(locale):
            events = _events_for(sessions, scope, _load_sessions)
            if conversations:
                events += _events_for(conversations, scope, _loader_of_conversations(token.user))
            if hidden:
                events = [discreet.neutral(e, mark_cancelled=True) for e in events]
            items = sorted(events, key=lambda e: (e.starts_at, e.uid))
            title = name if hidden else f"learnpath – {name}"
            return feed_text(title, zone, Zones(items, zone, now.year), items)

    return Feed(etag, last_modified, build)


def feed_for(token: CalendarToken, now: datetime) -> Feed | None:
    """The feed a token stands for, or None when it no longer gives access."""
    user = token.user
    if not user.is_active_account:
        return None
    if token.is_personal:
        with force_locale(user.locale):
            name = _("my sessions")
        sessions = _session_rows(now, user_id=user.id)
        conversations = _conversation_rows(user)
        return _feed(token, name, user.organisation.timezone, sessions, now, conversations)
    if token.scope == FACILITATING_SCOPE:
        if Role.FACILITATOR not in user.roles:
            return None
        with force_locale(user.locale):
            name = _("the cohorts I facilitate")
        sessions = _session_rows(now, facilitator_id=user.id)
        return _feed(token, name, user.organisation.timezone, sessions, now, [])
    if token.cohort_id is None:
        return None
    cohort = _facilitated_cohort(user, token.cohort_id)
    if cohort is None:
        return None
    name, zone = cohort
    sessions = _session_rows(now, cohort_id=token.cohort_id)
    return _feed(token, name, zone, sessions, now, [])


def feed_for_token(token: str, now: datetime) -> Feed | None:
    """Resolve a token from a feed URL and find its feed; None means 404."""
    row = resolve(token)
    return None if row is None else feed_for(row, now)
