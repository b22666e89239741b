"""Declarative base with a naming convention, and shared column helpers."""

from __future__ import annotations

import enum
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator, event
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: Tables in our database that are not ours to migrate: APScheduler creates its job store.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def utcnow() -> datetime:
    """Return the current time in UTC, timezone aware."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that always comes back timezone aware.

    SQLite has no time zone type, so values are normalised to UTC on the way in and
    tagged as UTC on the way out; on PostgreSQL this maps to timestamptz.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store times as timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite behave like a serious database for our purposes.

    - foreign keys enforced;
    - WAL journal, so readers do not block the writer;
    - every transaction starts with BEGIN IMMEDIATE: it takes the write lock up front (waiting
      up to the busy timeout) instead of failing with "database is locked" when a read
      transaction later tries to write. This serialises writers, which is what keeps capacity
      checks correct under concurrent sign-ups; PostgreSQL uses row locks instead.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


#: A pooled connection unused for longer than this is tested ("SELECT 1") before it is handed
#: out; one used more recently is handed out as it is.
IDLE_PING_SECONDS = 10.0


def configure_pool(engine: Engine, idle_seconds: float = IDLE_PING_SECONDS) -> None:
    """Test a pooled server connection before use only when it has been idle a while.

    SQLAlchemy's ``pool_pre_ping`` tests every connection on every checkout: a second round
    trip per request (a third of a calendar 304's time). A connection breaks when the server
    restarts or a proxy drops it, which happens to idle ones; so only a connection idle for
    ``idle_seconds`` is tested, and a broken one is replaced before the request sees it. A
    connection that broke within the last seconds fails its request once: SQLAlchemy then
    recognises the disconnect and discards every older connection of the pool.
    """
    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("checked_in")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()
        except Exception as exc:  # any failure: let the pool connect anew
            raise DisconnectionError() from exc


def str_enum(cls: type[enum.Enum], length: int = 30) -> SAEnum:
    """Store a StrEnum by value in a VARCHAR (portable; no native ENUM type to migrate)."""
    return SAEnum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )
