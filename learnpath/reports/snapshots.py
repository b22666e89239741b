"""Computed reports kept in the database for every server, and computed again ahead of reads.

The HR dashboard and the evaluation of a large organisation take a few hundred milliseconds to
compute (its own rows: SQL, scoring, protection). A process keeps what it computed while the
organisation's report data is unchanged (``services.reused``, ``freshness``); this module keeps
it once more, in ``report_snapshots``, so that

* every process and server reads a report another one computed (one query, a few ms to load);
* after a change, the report of before is shown for at most ``REPORT_LAG_SECONDS`` (marked
  "figures of hh:mm" on the page) while the job ``report_snapshots`` computes it again in the
  background — the reader of the first view after a change does not wait for the computation.
  A snapshot behind for longer is not shown: the reader's request computes the report anew.

A row is behind (``Snapshot.behind_since``) from the first raise of the organisation's counters
after it was computed (``freshness.bump`` sets ``stale_since``), from the organisation's midnight
after its day, and ``services.REPORT_MAX_AGE`` after it was computed (figures that follow the
clock). Its ``key`` digests the kind, parameters, language and the organisation's report
settings (threshold, time zone, name): a changed setting is another key, computed at once.

The body is a pickle, so it is signed with the app's secret key (HMAC-SHA256); a row whose
signature does not match (written by anybody but the app) is never loaded.

Writes of a request (a report kept, a snapshot seen) are queued and written after the request's
session was removed, in a transaction of their own: a page never waits for them nor fails on
them, and SQLite's single writer is not asked for twice in one request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import pickle
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from flask_babel import force_locale
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased, defer

from learnpath.accounts.models import Organisation
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.reports.models import EVERY_ORGANISATION, ReportSnapshot, ReportVersion

log = logging.getLogger(__name__)

#: A snapshot nobody looked at for this long is not computed again by the job after a change.
VIEWED_WINDOW = timedelta(hours=1)
#: … and not for the clock (its maximum age, a new day) when nobody looked at it for this long.
AGED_WINDOW = timedelta(minutes=10)
#: A snapshot nobody looked at for this long is removed.
KEPT_FOR = timedelta(days=7)
#: A snapshot's ``viewed_at`` is written again at most this often.
SEEN_EVERY = timedelta(seconds=60)
#: The job stops taking snapshots after this many seconds of one run (the rest: next run).
REFRESH_SECONDS = 15.0


@dataclass(frozen=True)
class Kind:
    """How the job computes a kind of report again from its stored parameters."""

    #: (organisation, parameters, now) -> the report (as the reader's ``build`` returns it).
    build: Callable[[Organisation, Mapping[str, Any], datetime], Any]
    #: (parameters, now) -> whether a reader would still ask for these parameters (the
    #: content version, the current year …); a row that is not is removed.
    current: Callable[[Mapping[str, Any], datetime], bool]


KINDS: dict[str, Kind] = {}


def register(name: str, kind: Kind) -> None:
    KINDS[name] = kind


# --- what a snapshot is kept under --------------------------------------------------------------


def settings_of(organisation: Organisation, locale: str) -> tuple[Any, ...]:
    """What of the organisation a report shows besides its data, and the language."""
    return (
        organisation.id,
        organisation.report_min_group,
        organisation.timezone,
        organisation.name,
        locale,
    )


def params_text(params: Mapping[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)


def key_of(kind: str, params: str, settings: tuple[Any, ...]) -> str:
    text = json.dumps([kind, params, list(settings)], separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _signature(body: bytes) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"report-snapshot\0" + body, hashlib.sha256).hexdigest()


def encode(value: Any) -> tuple[bytes, str]:
    body = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
    return body, _signature(body)


def decode(body: bytes, signature: str) -> Any | None:
    """The report in ``body``; None when its signature is not the app's (never unpickled)."""
    if not hmac.compare_digest(_signature(bytes(body)), signature or ""):
        log.warning("a report snapshot's signature does not match: not loaded")
        return None
    return pickle.loads(zlib.decompress(body))  # noqa: S301 (signed by this app above)


# --- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    id: int
    key: str
    version: int
    every_version: int
    day: date
    computed_at: datetime
    stale_since: datetime | None
    viewed_at: datetime
    body: bytes
    signature: str

    def behind_since(
        self, versions: tuple[int, int], day: date, zone: ZoneInfo, now: datetime
    ) -> datetime | None:
        """Since when the report is not what a computation now would give; None: it is."""
        since: list[datetime] = []
        if (self.version, self.every_version) != versions:
            since.append(self.stale_since or self.computed_at)
        if self.day != day:
            since.append(datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(UTC))
        from learnpath.reports.services import REPORT_MAX_AGE

        if (now - self.computed_at).total_seconds() > REPORT_MAX_AGE:
            since.append(self.computed_at + timedelta(seconds=REPORT_MAX_AGE))
        return min(since) if since else None

    def value(self) -> Any | None:
        return decode(self.body, self.signature)


_COLUMNS = (
    ReportSnapshot.id,
    ReportSnapshot.key,
    ReportSnapshot.version,
    ReportSnapshot.every_version,
    ReportSnapshot.day,
    ReportSnapshot.computed_at,
    ReportSnapshot.stale_since,
    ReportSnapshot.viewed_at,
    ReportSnapshot.body,
    ReportSnapshot.signature,
)


def read(organisation_id: int, keys: Iterable[str]) -> dict[str, Snapshot]:
    """The organisation's snapshots of ``keys`` (one query)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = db.session.execute(
        select(*_COLUMNS).where(
            ReportSnapshot.organisation_id == organisation_id, ReportSnapshot.key.in_(wanted)
        )
    )
    return {row.key: Snapshot(**row._asdict()) for row in rows}


# --- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kept:
    """A computed report to keep (written after the request, see ``write_pending``)."""

    organisation_id: int
    key: str
    kind: str
    params: str
    locale: str
    versions: tuple[int, int]
    day: date
    computed_at: datetime
    value: Any

    def row(self) -> dict[str, Any]:
        body, signature = encode(self.value)
        return {
            "organisation_id": self.organisation_id,
            "key": self.key,
            "kind": self.kind,
            "params": self.params,
            "locale": self.locale,
            "version": self.versions[0],
            "every_version": self.versions[1],
            "day": self.day,
            "computed_at": self.computed_at,
            "stale_since": None,
            "viewed_at": self.computed_at,
            "body": body,
            "signature": signature,
        }


_PENDING = "learnpath_report_snapshots"
_UPSERTS: dict[str, Any] = {}


def _upsert(dialect_name: str, viewed: bool) -> Any:
    """Insert, or replace the row of the same key when this computation is not older; a
    reader's computation (``viewed``) also notes the view, the job's does not (a report that
    nobody looks at is not computed again for ever)."""
    statement = _UPSERTS.get(f"{dialect_name} {viewed}")
    if statement is None:
        dialect = postgresql if dialect_name == "postgresql" else sqlite
        table = ReportSnapshot.__table__
        insert = dialect.insert(table)
        replaced = (
            "kind",
            "params",
            "locale",
            "version",
            "every_version",
            "day",
            "computed_at",
            "stale_since",
            "body",
            "signature",
            *(("viewed_at",) if viewed else ()),
        )
        statement = _UPSERTS[f"{dialect_name} {viewed}"] = insert.on_conflict_do_update(
            index_elements=[table.c.organisation_id, table.c.key],
            set_={name: insert.excluded[name] for name in replaced},
            where=table.c.computed_at <= insert.excluded.computed_at,
        )
    return statement


def _pending() -> dict[str, list[Any]]:
    if _PENDING not in g:
        setattr(g, _PENDING, {"kept": [], "seen": []})
    return getattr(g, _PENDING)


def keep(kept: Kept) -> None:
    """Keep ``kept`` for every process, once the app context ends."""
    _pending()["kept"].append(kept)


def seen(snapshot: Snapshot, now: datetime) -> None:
    """Note that somebody looked at ``snapshot`` (so the job keeps computing it)."""
    if now - snapshot.viewed_at >= SEEN_EVERY:
        _pending()["seen"].append((snapshot.id, now))


def write_pending(_error: BaseException | None = None) -> None:
    """Write what the app context queued, after its session was removed; a failure is logged
    (the page was shown; the next view computes or notes it again)."""
    pending = g.pop(_PENDING, None)
    if not pending or not (pending["kept"] or pending["seen"]):
        return
    try:
        rows = [kept.row() for kept in pending["kept"]]
        with db.engine.begin() as connection:
            if rows:
                connection.execute(_upsert(connection.dialect.name, viewed=True), rows)
            for snapshot_id, now in pending["seen"]:
                connection.execute(
                    update(ReportSnapshot)
                    .where(ReportSnapshot.id == snapshot_id, ReportSnapshot.viewed_at < now)
                    .values(viewed_at=now)
                )
    except Exception:
        log.exception("could not keep the report snapshots")


def mark_stale(connection: Any, organisation_ids: Iterable[int], now: datetime) -> None:
    """Note on the organisations' snapshots that their data changed (``freshness.bump``)."""
    ids = sorted(set(organisation_ids))
    statement = (
        update(ReportSnapshot).where(ReportSnapshot.stale_since.is_(None)).values(stale_since=now)
    )
    if EVERY_ORGANISATION not in ids:
        statement = statement.where(ReportSnapshot.organisation_id.in_(ids))
    connection.execute(statement)


def init_app(app: Flask) -> None:
    # Flask runs these in reverse: first the session's removal, last this one
    app.teardown_appcontext_funcs.insert(0, write_pending)


# --- the job: compute again what is behind and still looked at -----------------------------------


def due(now: datetime) -> list[int]:
    """The snapshots behind whose data changed and that were looked at within
    ``VIEWED_WINDOW``, or that are behind the clock and were looked at within ``AGED_WINDOW``;
    longest behind first (one query, over the snapshots looked at lately)."""
    own = aliased(ReportVersion)
    every = (
        select(ReportVersion.version)
        .where(ReportVersion.organisation_id == EVERY_ORGANISATION)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            *_COLUMNS[:8],  # without the body
            Organisation.timezone,
            func.coalesce(own.version, 0),
            func.coalesce(every, 0),
        )
        .join(Organisation, Organisation.id == ReportSnapshot.organisation_id)
        .outerjoin(own, own.organisation_id == ReportSnapshot.organisation_id)
        .where(ReportSnapshot.viewed_at >= now - VIEWED_WINDOW)
    )
    behind: list[tuple[datetime, int]] = []
    for row in rows:
        zone = ZoneInfo(row.timezone)
        values = row._asdict()
        snapshot = Snapshot(**{c.key: values[c.key] for c in _COLUMNS[:8]}, body=b"", signature="")
        versions = (row[9], row[10])
        since = snapshot.behind_since(versions, now.astimezone(zone).date(), zone, now)
        changed = (snapshot.version, snapshot.every_version) != versions
        if since is not None and (changed or snapshot.viewed_at >= now - AGED_WINDOW):
            behind.append((since, row.id))
    return [snapshot_id for _since, snapshot_id in sorted(behind)]


def refresh(snapshot_id: int) -> bool:
    """Compute the snapshot again in the job's session (not committed); remove it when its
    kind, parameters or the organisation's settings are no longer what a reader asks for.
    True when it was computed."""
    from learnpath.reports import freshness

    row = db.session.get(ReportSnapshot, snapshot_id, options=[defer(ReportSnapshot.body)])
    if row is None:
        return False
    organisation = db.session.get(Organisation, row.organisation_id)
    kind = KINDS.get(row.kind)
    now = utcnow()
    params = json.loads(row.params)
    if (
        organisation is None
        or kind is None
        or key_of(row.kind, row.params, settings_of(organisation, row.locale)) != row.key
        or not kind.current(params, now)
    ):
        db.session.delete(row)
        return False
    versions = freshness.version_of(organisation.id)
    computed_at = utcnow()
    day = computed_at.astimezone(ZoneInfo(organisation.timezone)).date()
    with force_locale(row.locale):
        value = kind.build(organisation, params, computed_at)
    kept = Kept(
        organisation.id,
        row.key,
        row.kind,
        row.params,
        row.locale,
        versions,
        day,
        computed_at,
        value,
    )
    db.session.expunge(row)  # the statement below writes it
    db.session.execute(_upsert(db.engine.dialect.name, viewed=False), [kept.row()])
    return True


def refresh_due(now: datetime | None = None) -> int:
    """Compute again the snapshots that are behind, each in a unit of work of its own (one that
    fails is logged and the others go on); remove those nobody looked at for ``KEPT_FOR``."""
    now = now or utcnow()
    started = time.monotonic()
    done = 0
    for snapshot_id in due(now):
        if time.monotonic() - started > REFRESH_SECONDS:
            break
        try:
            done += refresh(snapshot_id)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("could not compute report snapshot %s again", snapshot_id)
    db.session.execute(delete(ReportSnapshot).where(ReportSnapshot.viewed_at < now - KEPT_FOR))
    db.session.commit()
    return done
