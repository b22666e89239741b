"""Periodic jobs: every feature registers its own in its ``tasks.py``; the scheduler runs them.

A feature's ``tasks.py`` is found like its ``models.py`` (``learnpath.models.import_tasks``, called
by the app factory) and registers its jobs with ``@periodic(...)``; this module lists no feature.
Every job is idempotent and claims its work in the database, so a job run twice does no harm.
Each runs in its own app context and unit of work (``run_job``), and leaves one JSON log line
and its metrics (``learnpath.telemetry``).

**One scheduler acts at a time** (``flask scheduler run``, any number of them on any servers):
on PostgreSQL each holds a session-level advisory lock (``pg_try_advisory_lock``) on a connection
of its own; only the holder runs jobs. The lock goes with the connection: a holder that is
killed (SIGKILL, crash) loses it at once, one whose host vanishes once PostgreSQL's TCP
keep-alive gives up on it (about 25 s, set on that connection). The others try every
``SCHEDULER_LEASE_INTERVAL`` seconds and the first to get it takes over. The holder checks its
lock connection and writes a heartbeat (``scheduler_leases``: who, since when, last beat) every
interval, from a thread of its own so a long job does not stop it; when the check fails it stops
after the job in hand and waits like the others. ``/readyz`` and ``flask doctor`` read the
heartbeat. SQLite has no such lock: run one scheduler there (one host, one process).

Job names are stable: they label metrics and log lines.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import String, create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.pool import NullPool

from learnpath import telemetry
from learnpath.db import UTCDateTime, utcnow
from learnpath.extensions import Model, db

log = logging.getLogger(__name__)


class Beat(enum.StrEnum):
    """How often a job runs: the name of the setting holding the interval in seconds."""

    #: Outbox delivery: every 30 s by default.
    DELIVERY = "SCHEDULER_DELIVERY_INTERVAL"
    #: Everything else (reminders, expiries, syncs, clean-up): every 5 min by default.
    REMINDER = "SCHEDULER_REMINDER_INTERVAL"


#: ``order`` of the outbox delivery. Jobs that may queue mail (expiries, reminders) take a lower
#: order, so what they queue goes out in the same tick; syncs and clean-ups a higher one.
DELIVERY_ORDER = 50


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], int]
    every: Beat
    #: Position in a tick (``run_all``, ``flask scheduler tick``): lowest first.
    order: int
    #: True when the job commits its own units of work (e.g. one per message); otherwise
    #: ``run_job`` commits once when it returns.
    commits: bool = False

    def interval(self, app: Flask) -> int:
        """Seconds between two runs, from the app's configuration."""
        return int(app.config[self.every])


_JOBS: dict[str, Job] = {}
_app: Flask | None = None


def periodic(
    name: str, *, every: Beat, order: int, commits: bool = False
) -> Callable[[Callable[[], int]], Callable[[], int]]:
    """Register the decorated function (returning how much it did) as the job ``name``."""

    def register(func: Callable[[], int]) -> Callable[[], int]:
        if name in _JOBS:
            raise ValueError(f"job {name!r} is registered twice")
        if any(job.order == order for job in _JOBS.values()):
            raise ValueError(f"job {name!r}: order {order} is taken (ticks run in one order)")
        _JOBS[name] = Job(name=name, func=func, every=every, order=order, commits=commits)
        return func

    return register


def registry() -> dict[str, Job]:
    """Every registered job by name, in the order a tick runs them."""
    return {job.name: job for job in sorted(_JOBS.values(), key=lambda job: job.order)}


def bind(app: Flask) -> None:
    """Remember the app the scheduler's jobs run in (``run_job`` takes a job by name)."""
    global _app
    _app = app


def run_job(name: str) -> int:
    """Entry point stored in the job store: run one job by name inside the bound app.

    One unit of work: commit when the job returns, roll back and log when it raises.
    """
    if _app is None:
        raise RuntimeError("scheduler jobs need an app: call jobs.bind(app) first")
    job = _JOBS[name]
    started = time.perf_counter()
    with _app.app_context():
        try:
            result = job.func()
            if not job.commits:
                db.session.commit()
        except Exception:
            db.session.rollback()
            seconds = time.perf_counter() - started
            telemetry.JOB_RUNS.labels(name).inc()
            telemetry.JOB_FAILURES.labels(name).inc()
            telemetry.JOB_SECONDS.labels(name).observe(seconds)
            log.exception(
                "job %s failed",
                name,
                extra={"event": "job", "job": name, "ok": False, "ms": round(seconds * 1000)},
            )
            raise
        finally:
            db.session.remove()
    seconds = time.perf_counter() - started
    telemetry.JOB_RUNS.labels(name).inc()
    telemetry.JOB_SECONDS.labels(name).observe(seconds)
    log.info(
        "job %s done",
        name,
        extra={
            "event": "job",
            "job": name,
            "ok": True,
            "result": result,
            "ms": round(seconds * 1000),
        },
    )
    return result


def run_all(app: Flask) -> dict[str, int]:
    """Run every job once, in order (reminders before delivery, so they go out at once)."""
    bind(app)
    return {name: run_job(name) for name in registry()}


scheduler_cli = AppGroup("scheduler", help="Timed jobs: delivery and reminders.")


@scheduler_cli.command("tick")
def scheduler_tick() -> None:
    """Run every job once (what the scheduler does on each interval)."""
    for name, result in run_all(current_app._get_current_object()).items():  # type: ignore[attr-defined]
        click.echo(f"{name}: {result}")


# --- the scheduler: one acts at a time ---------------------------------------------------------

#: The advisory lock's key (any 64-bit number no other application on the database uses).
LOCK_KEY = 0x6C6561726E70  # "learnp"
#: The one row of ``scheduler_leases``.
LEASE_NAME = "scheduler"


class SchedulerLease(Model):
    """Who holds the scheduler lease, since when, and its last heartbeat (one row)."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: host:pid of the scheduler process.
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_interval(app: Flask) -> int:
    return max(1, int(app.config["SCHEDULER_LEASE_INTERVAL"]))


def heartbeat_max_age(app: Flask) -> timedelta:
    """How old the heartbeat may be before the scheduler counts as gone (readiness)."""
    return timedelta(seconds=max(3 * lease_interval(app), 60))


def current_lease() -> SchedulerLease | None:
    return db.session.get(SchedulerLease, LEASE_NAME)


def beat(holder: str, *, acquired: bool = False) -> None:
    """Record the heartbeat of ``holder`` (and, on acquiring, since when it holds the lease)."""
    now = utcnow()
    row = db.session.get(SchedulerLease, LEASE_NAME, with_for_update=True)
    if row is None:
        db.session.add(
            SchedulerLease(name=LEASE_NAME, holder=holder, acquired_at=now, heartbeat_at=now)
        )
    else:
        if acquired or row.holder != holder:
            row.holder, row.acquired_at = holder, now
        row.heartbeat_at = now
    db.session.commit()


class Lease(Protocol):
    def acquire(self) -> bool: ...

    def renew(self) -> bool: ...

    def release(self) -> None: ...


class LocalLease:
    """SQLite: one scheduler process per database; always held."""

    def acquire(self) -> bool:
        return True

    def renew(self) -> bool:
        return True

    def release(self) -> None:
        return None


class PostgresLease:
    """A session-level advisory lock on a connection of its own (not from the app's pool)."""

    def __init__(self, url: str) -> None:
        self._engine: Engine = create_engine(
            url,
            poolclass=NullPool,
            # The client notices a dead server; the SETs below make the server notice a dead us.
            connect_args={
                "keepalives": 1,
                "keepalives_idle": 10,
                "keepalives_interval": 5,
                "keepalives_count": 3,
            },
        )
        self._conn: Connection | None = None
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        with self._lock:
            try:
                if self._conn is None:
                    conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                    for setting in (
                        "tcp_keepalives_idle = 10",
                        "tcp_keepalives_interval = 5",
                        "tcp_keepalives_count = 3",
                    ):
                        conn.execute(text(f"SET {setting}"))
                    self._conn = conn
                got = bool(
                    self._conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY})
                )
            except Exception:
                log.warning("scheduler lease: database unreachable", exc_info=True)
                self._drop()
                return False
            return got

    def renew(self) -> bool:
        """Is the lock still ours? (Its connection is alive and holds it.)"""
        with self._lock:
            if self._conn is None:
                return False
            try:
                held = self._conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND pid = pg_backend_pid() AND granted "
                        "AND ((classid::bigint << 32) | objid::bigint) = :key"
                    ),
                    {"key": LOCK_KEY},
                )
            except Exception:
                log.warning("scheduler lease: lock connection lost", exc_info=True)
                self._drop()
                return False
            return bool(held)

    def release(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                except Exception:
                    log.warning(
                        "scheduler lease: unlock failed (the lock goes with its connection)"
                    )
            self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # already broken
                self._conn.close()
            self._conn = None


def lease_for(app: Flask) -> Lease:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    return PostgresLease(url) if url.startswith("postgresql") else LocalLease()


class Scheduler:
    """The scheduler process: wait for the lease, then run each job on its interval while held."""

    def __init__(self, app: Flask, lease: Lease | None = None) -> None:
        self.app = app
        self.lease = lease or lease_for(app)
        self.holder = holder_name()
        self.stopping = threading.Event()
        self._lost = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        bind(self.app)
        interval = lease_interval(self.app)
        waiting_logged = False
        while not self.stopping.is_set():
            if not self.lease.acquire():
                if not waiting_logged:
                    log.info(
                        "scheduler %s waits: another scheduler holds the lease",
                        self.holder,
                        extra={"event": "scheduler", "state": "standby", "holder": self.holder},
                    )
                    waiting_logged = True
                self.stopping.wait(interval)
                continue
            waiting_logged = False
            try:
                self._act(interval)
            finally:
                self.lease.release()

    def _beat(self, acquired: bool = False) -> None:
        with self.app.app_context():
            try:
                beat(self.holder, acquired=acquired)
            except Exception:
                db.session.rollback()
                log.warning("scheduler heartbeat not recorded", exc_info=True)
            finally:
                db.session.remove()

    def _heartbeat(self, interval: int, done: threading.Event) -> None:
        while not done.wait(interval):
            if not self.lease.renew():
                log.warning(
                    "scheduler %s lost the lease",
                    self.holder,
                    extra={"event": "scheduler", "state": "lost", "holder": self.holder},
                )
                self._lost.set()
                return
            self._beat()

    def _act(self, interval: int) -> None:
        self._lost.clear()
        self._beat(acquired=True)
        log.info(
            "scheduler %s holds the lease and runs the jobs",
            self.holder,
            extra={"event": "scheduler", "state": "active", "holder": self.holder},
        )
        done = threading.Event()
        heart = threading.Thread(target=self._heartbeat, args=(interval, done), daemon=True)
        heart.start()
        due = {name: 0.0 for name in registry()}  # everything runs at once on taking over
        try:
            while not (self.stopping.is_set() or self._lost.is_set()):
                for name, job in registry().items():
                    if self.stopping.is_set() or self._lost.is_set():
                        break
                    if due.get(name, 0.0) > time.monotonic():
                        continue
                    with contextlib.suppress(Exception):  # logged by run_job; runs again later
                        run_job(name)
                    due[name] = time.monotonic() + job.interval(self.app)
                wait = min(due.values(), default=time.monotonic() + 1) - time.monotonic()
                self.stopping.wait(min(max(wait, 0.05), 1.0))
        finally:
            done.set()
            heart.join(timeout=interval + 5)


def mail_destination(app: Flask) -> str:
    """Where delivered mail goes, in words (for the start-up text)."""
    if app.config["MAIL_BACKEND"] == "file":
        return f".eml files in {mail_directory(app)}"
    return f"SMTP {app.config['SMTP_HOST']}:{app.config['SMTP_PORT']}"


def mail_directory(app: Flask) -> str:
    return str(app.config.get("MAIL_DIR") or os.path.join(app.instance_path, "mail"))


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Start a scheduler process (one acts at a time; others wait to take over)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    telemetry.configure_logging()
    scheduler = Scheduler(app)

    def stop(*_: Any) -> None:
        scheduler.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    intervals = ", ".join(f"{n} every {job.interval(app)}s" for n, job in registry().items())
    click.echo(
        f"scheduler {scheduler.holder}: {intervals}; lease checked every {lease_interval(app)}s"
    )
    click.echo(f"mail goes to {mail_destination(app)}")
    scheduler.run()
    click.echo("scheduler stopped")
