"""Subscription feeds: which sessions a token shows, and the feed's bytes, ETag and date.

A feed request is answered in two steps, so that a conditional request (``If-None-Match``)
is answered by one query, before anything is built (F11, issue #17.4):

1. :func:`feed_for_token` reads, in one statement, the token with its user (and, for a cohort
   feed, the cohort and whether the user still facilitates it) and a *version* of what the
   feed is made of: per kind of event (sessions, conversations) the number of rows, sums of
   their ids and of the ids' squares (which rows), and the latest ``updated_at`` of every
   table an event's text reads (the session, its cohort and organisation, the facilitators;
   the conversation, its two people and the participant's organisation), and the latest
   change shown (Last-Modified). Every change an event shows sets an ``updated_at`` to now
   (``TimestampMixin``, also through Core ``update()``), which is later than every value
   before it; a row that joins or leaves the feed (an enrolment, a withdrawn share, a
   facilitator, a cancelled session leaving the 30-day window) changes the count and sums.
   The ETag is a hash of that version with everything else the bytes depend on (the token,
   the reader's language, discreet mode and zone, the year, the programme content and the
   translations): a changed feed gets a new ETag; an unchanged one keeps it.
2. Only when the body is asked for (:attr:`Feed.body`) are the rows read (one small row per
   event, :func:`_session_rows`, :func:`_conversation_rows`) and the events made: each event's
   data is kept per process by its row, so only sessions not seen before (or changed since)
   are loaded and turned into event data, and the VEVENT texts are kept by event data
   (``builder.feed_vevent``), so a feed is mostly concatenation. The version is read first,
   so a change between the two statements gives a body newer than its ETag (the next request
   gets a 200 again), never an ETag newer than its body.

The number of SQL queries per feed is constant (one for a 304; for the body one or two more,
two for the sessions not kept yet and one when there are conversations), whatever the number
of sessions; none of them reads more than the user's own rows through indexes (the EXPLAIN
test in tests/ical/test_feed_plans.py).
"""

from __future__ import annotations

import hashlib
import re
import threading
import weakref
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
from flask_babel import force_locale
from flask_babel import gettext as _
from psycopg import RawCursor
from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    create_engine,
    event,
    func,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased, joinedload, selectinload

from learnpath.accounts.models import Organisation, Role, User, UserRole
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
from learnpath.db import UTCDateTime, configure_pool
from learnpath.extensions import db
from learnpath.ical import discreet
from learnpath.ical.builder import EventData, Zones, feed_text
from learnpath.ical.conversations import conversation_event
from learnpath.ical.events import event_data
from learnpath.ical.models import FACILITATING_SCOPE, PERSONAL_SCOPE, CalendarToken
from learnpath.ical.services import lookup_hash

#: Enrolments whose cohort's sessions are in the participant's feed: a seat (also an offered
#: seat or one waiting for approval), or a finished programme (its past sessions stay).
#: Withdrawn and dropped-out participants lose the sessions (F13).
FEED_STATUSES = SEAT_STATUSES | {EnrolmentStatus.COMPLETED}
#: A cancelled session stays in feeds, marked as cancelled, until this long after its start (F13).
KEEP_CANCELLED = timedelta(days=30)
#: Part of every ETag: raise it when the feed's output changes for the same data.
FEED_FORMAT = "3"
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


def _personal_share_ids(user: User | int | BindParameter[int]) -> Select[tuple[int]]:
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


def personal_conversations(user: User | int) -> list[Conversation]:
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


# --- rows: what each event is made of ----------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    """One event of a feed as read for its body: ``key`` holds every column its text is made
    of (so equal keys make equal VEVENTs: the kept event data's key), the rest is what
    ordering and time zones need."""

    key: tuple[Hashable, ...]
    id: int
    uid: str
    zone: str
    starts_at: datetime
    ends_at: datetime


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


def _conversation_rows(user_id: int) -> list[EventRow]:
    result = db.session.execute(_conversation_rows_query(), {"user_id": user_id})
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


def clear_kept_events() -> None:
    """Forget the kept event data (benchmarks measure a feed built from nothing)."""
    _events.clear()


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
    user_id: int,
) -> Callable[[list[int]], list[tuple[tuple[Hashable, ...], EventData]]]:
    def load(ids: list[int]) -> list[tuple[tuple[Hashable, ...], EventData]]:
        wanted = set(ids)
        return [
            (_conversation_key(c), conversation_event(c))
            for c in personal_conversations(user_id)
            if c.id in wanted
        ]

    return load


# --- the version: what a 304 is decided by ------------------------------------------------

_HASH = bindparam("token_hash", type_=String())


def _token(*scopes: str) -> tuple[Any, list[ColumnElement[bool]]]:
    """The request's token, looked up by its hash (a unique index) in each part of the version
    query on its own, so that every part is an uncorrelated index lookup (a shared CTE would
    hide from the planner that it is one row)."""
    token = aliased(CalendarToken)
    where = [token.token_hash == _HASH]
    if scopes:
        where.append(token.scope.in_(scopes))
    return token, where


def _token_cohort_ids() -> Any:
    """The cohorts whose sessions the token's feed shows, whatever its scope."""
    seat_token, seat_where = _token(PERSONAL_SCOPE)
    seated = (
        select(Enrolment.cohort_id)
        .join(seat_token, seat_token.user_id == Enrolment.user_id)
        .where(*seat_where, Enrolment.status.in_(FEED_STATUSES))
    )
    run_token, run_where = _token(PERSONAL_SCOPE, FACILITATING_SCOPE)
    facilitated = (
        select(cohort_facilitators.c.cohort_id)
        .join(run_token, run_token.user_id == cohort_facilitators.c.user_id)
        .where(*run_where)
    )
    one_token, one_where = _token()
    one = select(one_token.cohort_id).where(
        *one_where,
        one_token.cohort_id.is_not(None),
        one_token.scope.not_in([PERSONAL_SCOPE, FACILITATING_SCOPE]),
    )
    return union(seated, facilitated, one)


def _token_shares() -> Any:
    """The token's (personal) feed's plan shares, with their manager and participant."""
    rows = []
    for by_manager in (False, True):
        token, where = _token(PERSONAL_SCOPE)
        mine = PlanShare.manager_id if by_manager else ActionPlan.user_id
        rows.append(
            select(
                PlanShare.id.label("share_id"),
                PlanShare.manager_id.label("manager_id"),
                ActionPlan.user_id.label("participant_id"),
            )
            .join(ActionPlan, PlanShare.plan_id == ActionPlan.id)
            .join(token, token.user_id == mine)
            .where(*where, PlanShare.revoked_at.is_(None))
        )
    return union(*rows).cte("feed_shares")


def _wide(column: Any) -> Any:
    return cast(column, BigInteger)


def _fingerprint(prefix: str, column: Any, other: Any = None) -> list[Any]:
    """Which rows: their number, the sum of their ids and of the ids' squares (or, for pairs,
    of the products of the two ids)."""
    second = _wide(column) if other is None else _wide(other)
    return [
        func.count(column).label(f"{prefix}_count"),
        func.coalesce(func.sum(_wide(column)), 0).label(f"{prefix}_sum"),
        func.coalesce(func.sum(_wide(column) * second), 0).label(f"{prefix}_products"),
    ]


def _version_parts() -> tuple[Any, ...]:
    """The version of the sessions, their cohorts, the facilitators, the conversations and
    the people in them: one row each."""
    s = CohortSession
    shown = (
        select(s.id, s.cohort_id, s.updated_at, s.changed_at)
        .where(s.cohort_id.in_(_token_cohort_ids()), _shown(_SINCE))
        .cte("feed_sessions")
    )
    shown_cohorts = select(shown.c.cohort_id)
    sessions = select(
        *_fingerprint("sessions", shown.c.id),
        func.max(shown.c.updated_at).label("sessions_updated"),
        func.max(shown.c.changed_at).label("sessions_changed"),
    ).subquery("session_version")
    cohorts = (
        select(
            func.max(Cohort.updated_at).label("cohorts_updated"),
            func.max(Organisation.updated_at).label("organisations_updated"),
        )
        .join(Organisation, Cohort.organisation_id == Organisation.id)
        .where(Cohort.id.in_(shown_cohorts))
        .subquery("cohort_version")
    )
    facilitator = aliased(User)
    cf = cohort_facilitators.c
    facilitators = (
        select(
            *_fingerprint("facilitators", cf.user_id, cf.cohort_id),
            func.max(facilitator.updated_at).label("facilitators_updated"),
        )
        .join(facilitator, facilitator.id == cf.user_id)
        .where(cf.cohort_id.in_(shown_cohorts))
        .subquery("facilitator_version")
    )
    shares = _token_shares()
    c = Conversation
    conversations = (
        select(
            *_fingerprint("conversations", c.id),
            func.max(c.updated_at).label("conversations_updated"),
            func.max(func.coalesce(c.updated_at, c.created_at)).label("conversations_changed"),
        )
        .where(c.share_id.in_(select(shares.c.share_id)), c.starts_at.is_not(None))
        .subquery("conversation_version")
    )
    person = aliased(User)
    person_organisation = aliased(Organisation)
    people = (
        select(
            func.max(person.updated_at).label("people_updated"),
            func.max(person_organisation.updated_at).label("people_organisations_updated"),
        )
        .join(person_organisation, person.organisation_id == person_organisation.id)
        .where(person.id.in_(union(select(shares.c.manager_id), select(shares.c.participant_id))))
        .subquery("people_version")
    )
    return sessions, cohorts, facilitators, conversations, people


@cache
def _version_query() -> Any:
    """One row for a feed URL's token (none when there is no such token): who it is for and
    the version of the feed's events (parameters token_hash, since)."""
    cf = cohort_facilitators.c
    token = CalendarToken
    cohort_organisation = aliased(Organisation)
    is_facilitator = (
        select(UserRole.user_id)
        .where(UserRole.user_id == token.user_id, UserRole.role == Role.FACILITATOR)
        .exists()
    )
    facilitates_cohort = (
        select(cf.user_id)
        .where(cf.cohort_id == token.cohort_id, cf.user_id == token.user_id)
        .exists()
    )
    parts = _version_parts()
    # The parts in one row that the planner does not merge into the token's joins (OFFSET):
    # ordering one join of all of them costs more planning than the query takes to run.
    version = select(*(column for part in parts for column in part.c)).select_from(parts[0])
    for part in parts[1:]:
        version = version.join(part, true())
    events = version.offset(0).subquery("feed_version")
    return (
        select(
            token.id,
            token.scope,
            token.cohort_id,
            token.updated_at,
            User.id,
            User.is_active_account,
            User.locale,
            User.discreet_calendar,
            Organisation.timezone,
            is_facilitator,
            facilitates_cohort,
            Cohort.name,
            cohort_organisation.timezone,
            *events.c,
        )
        .join(User, token.user_id == User.id)
        .join(Organisation, User.organisation_id == Organisation.id)
        .outerjoin(Cohort, token.cohort_id == Cohort.id)
        .outerjoin(cohort_organisation, Cohort.organisation_id == cohort_organisation.id)
        .join(events, true())
        .where(token.token_hash == _HASH)
    )


#: PostgreSQL: per engine of the app, a small pool of its own that runs only the version query.
_READERS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_READERS_LOCK = threading.Lock()


def _reader(engine: Engine) -> Engine:
    """Connections in autocommit that run nothing but the version query.

    psycopg forgets every prepared statement when a transaction is rolled back, and every
    request that only read ends with a ROLLBACK; so on the app's own pool the version query is
    planned again after each other page (planning is most of its cost). These connections
    never hold a transaction, so it stays prepared and a 304 costs as little between other
    requests as after another 304. Their statements are announced on the app's engine too
    (``before/after_cursor_execute``), where query counts are read; disposing of the app's
    engine (as after a fork) disposes of its reader.
    """
    reader = _READERS.get(engine)
    if reader is not None:
        return reader
    with _READERS_LOCK:
        reader = _READERS.get(engine)
        if reader is None:
            reader = create_engine(
                engine.url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=4
            )
            configure_pool(reader)
            # The reader must not keep the app's engine alive (it is the key of _READERS).
            app_engine = weakref.ref(engine)

            def before(*args: Any) -> None:
                owner = app_engine()
                if owner is not None:
                    owner.dispatch.before_cursor_execute(*args)

            def after(*args: Any) -> None:
                owner = app_engine()
                if owner is not None:
                    owner.dispatch.after_cursor_execute(*args)

            event.listen(reader, "before_cursor_execute", before)
            event.listen(reader, "after_cursor_execute", after)
            event.listen(engine, "engine_disposed", lambda _engine: reader.dispose())
            _READERS[engine] = reader
    return reader


@dataclass(frozen=True)
class _Sent:
    """The version query as SQLAlchemy sent it on a reader (PostgreSQL, psycopg): its text with
    ``$n`` placeholders, its parameters in their order (None where the request's own token hash
    and cut-off go) and its row's column names. Sending that text straight to the driver skips
    what costs most in a 304 after the query itself: SQLAlchemy's per-execution work (the
    expanding IN lists, the result's metadata) and psycopg's parsing of a statement too long
    for its cache."""

    sql: bytes
    values: tuple[Any, ...]
    #: As SQLAlchemy announced it (named parameters), for the listeners of the app's engine.
    statement: str
    named: dict[str, Any]
    token_at: tuple[int, ...]
    since_at: tuple[int, ...]
    row: Any  # a namedtuple of the columns

    def parameters(self, token_hash: str, since: datetime) -> tuple[list[Any], dict[str, Any]]:
        since = since.astimezone(UTC)  # as UTCDateTime binds it
        values = list(self.values)
        for index in self.token_at:
            values[index] = token_hash
        for index in self.since_at:
            values[index] = since
        return values, {**self.named, "token_hash": token_hash, "since": since}

    def make_row(self, found: Sequence[Any]) -> Any:
        # As UTCDateTime reads a timestamp (the only result type with a result processor).
        return self.row._make(
            value.astimezone(UTC) if isinstance(value, datetime) else value for value in found
        )


_SENT: weakref.WeakKeyDictionary[Engine, _Sent] = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def _as_sent(statement: str, parameters: Any, keys: Sequence[str]) -> _Sent | None:
    """The statement SQLAlchemy sent, with positional placeholders; None if it is not in the
    form expected (named parameters including token_hash and since)."""
    if not isinstance(parameters, dict) or not {"token_hash", "since"} <= parameters.keys():
        return None
    order: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        return f"${order.setdefault(name, len(order)) + 1}"

    sql = _PLACEHOLDER.sub(number, statement)
    names = list(order)
    return _Sent(
        sql=sql.encode(),
        values=tuple(None if n in ("token_hash", "since") else parameters[n] for n in names),
        statement=statement,
        named=dict(parameters),
        token_at=tuple(i for i, n in enumerate(names) if n == "token_hash"),
        since_at=tuple(i for i, n in enumerate(names) if n == "since"),
        row=namedtuple("FeedVersion", keys, rename=True),
    )


def _version_row_sqlalchemy(reader: Engine, params: dict[str, Any]) -> Any:
    """Run the version query through SQLAlchemy on the reader, and keep how it was sent."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    with reader.connect() as connection:
        event.listen(connection, "before_cursor_execute", capture)
        result = connection.execute(_version_query(), params)
        keys = list(result.keys())
        row = result.first()
    if reader.dialect.driver == "psycopg" and len(sent) == 1:
        found = _as_sent(*sent[0], keys)
        if found is not None:
            _SENT[reader] = found
    return row


def _version_row(params: dict[str, Any]) -> Any:
    """The version row (None: no such token). On PostgreSQL, on a reader connection: the
    first time through SQLAlchemy, then the same statement straight to the driver, announced
    on the app's engine like any other (``before/after_cursor_execute``)."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return db.session.execute(_version_query(), params).first()
    reader = _reader(engine)
    sent = _SENT.get(reader)
    if sent is None:
        return _version_row_sqlalchemy(reader, params)
    values, named = sent.parameters(params["token_hash"], params["since"])
    raw = reader.raw_connection()
    driver: Any = raw.driver_connection  # psycopg's own connection
    try:
        cursor = RawCursor(driver)
        announce = engine.dispatch
        announce.before_cursor_execute(None, cursor, sent.statement, named, None, False)
        cursor.execute(sent.sql, values, prepare=True)
        found = cursor.fetchone()
        announce.after_cursor_execute(None, cursor, sent.statement, named, None, False)
        cursor.close()
    except psycopg.Error:
        # A broken connection (or anything unexpected): drop it and let SQLAlchemy run the
        # query, which reconnects, or raises and handles the error as for any statement.
        raw.invalidate()
        failed = True
    else:
        failed = False
    finally:
        raw.close()
    if failed:
        return _version_row_sqlalchemy(reader, params)
    return None if found is None else sent.make_row(found)


# --- the feed ------------------------------------------------------------------------------


def feed_for_token(token: str, now: datetime) -> Feed | None:
    """The feed a feed URL's token stands for, or None (404): no such token, or it no longer
    gives access. One query; the body is made only when asked for."""
    token_hash = lookup_hash(token)
    if token_hash is None:
        return None
    row = _version_row({"token_hash": token_hash, "since": now - KEEP_CANCELLED})
    if row is None:
        return None
    version = tuple(row)
    (token_id, scope, cohort_id, token_updated, user_id, active, locale, hidden, user_zone) = (
        version[:9]
    )
    is_facilitator, facilitates_cohort, cohort_name, cohort_zone = version[9:13]
    if not active:
        return None
    params: dict[str, int]
    if scope == PERSONAL_SCOPE:
        with force_locale(locale):
            name = _("my sessions")
        zone, params = user_zone, {"user_id": user_id}
    elif scope == FACILITATING_SCOPE:
        if not is_facilitator:
            return None
        with force_locale(locale):
            name = _("the cohorts I facilitate")
        zone, params = user_zone, {"facilitator_id": user_id}
    else:
        if cohort_id is None or not (is_facilitator and facilitates_cohort):
            return None
        name, zone, params = cohort_name, cohort_zone, {"cohort_id": cohort_id}
    if hidden:
        with force_locale(locale):
            name = discreet.calendar_name()
    content = get_content().version
    etag = hashlib.sha256(
        repr((FEED_FORMAT, _translations_version(), content, now.year, name, version)).encode()
    ).hexdigest()[:32]
    changes = (row.sessions_changed, row.cohorts_updated, row.conversations_changed)
    last_modified = max([token_updated, *(c for c in changes if c is not None)])

    def build() -> bytes:
        if db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
            # A feed only reads: without a transaction there is no ROLLBACK to wait for when
            # the request ends, and each statement reads the latest data (READ COMMITTED).
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        # No query for a kind of event the version counted none of (most people have no
        # conversation); a change since gives a new version, so the next request gets it.
        sessions = _session_rows(now, **params) if row.sessions_count else []
        personal = scope == PERSONAL_SCOPE and row.conversations_count
        conversations = _conversation_rows(user_id) if personal else []
        scope_key = (locale, content)
        with force_locale(locale):
            events = _events_for(sessions, scope_key, _load_sessions)
            if conversations:
                events += _events_for(conversations, scope_key, _loader_of_conversations(user_id))
            if hidden:
                events = [discreet.neutral(e, mark_cancelled=True) for e in events]
            items = sorted(events, key=lambda e: (e.starts_at, e.uid))
            title = name if hidden else f"learnpath – {name}"
            return feed_text(title, zone, Zones(items, zone, now.year), items)

    return Feed(etag, last_modified, build)
