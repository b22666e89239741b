"""Periodic jobs: every feature registers its own in its ``tasks.py``; the scheduler runs them.

A feature's ``tasks.py`` is found like its ``models.py`` (``learnpath.models.import_tasks``, called
by the app factory) and registers its jobs with ``@periodic(...)``; this module lists no feature.
Every job is idempotent and claims its work in the database, so two scheduler processes started
by mistake do no harm. Each runs in its own app context and unit of work (``run_job``).

APScheduler keeps the jobs in the application database (SQLAlchemyJobStore) by id — the job's
name — and stores the callable as the reference ``learnpath.jobs:run_job`` with the name as its
argument. The names and that path are stored state: keep them stable.
"""

from __future__ import annotations

import enum
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from learnpath.extensions import db

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
    """Remember the app the scheduler's jobs run in (APScheduler stores jobs by name)."""
    global _app
    _app = app


def run_job(name: str) -> int:
    """Entry point stored in the job store: run one job by name inside the bound app.

    One unit of work: commit when the job returns, roll back and log when it raises.
    """
    if _app is None:
        raise RuntimeError("scheduler jobs need an app: call jobs.bind(app) first")
    job = _JOBS[name]
    with _app.app_context():
        try:
            result = job.func()
            if not job.commits:
                db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", name)
            raise
        finally:
            db.session.remove()


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


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Start the scheduler process (APScheduler, jobs kept in the application database)."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    store = SQLAlchemyJobStore(
        url=app.config["SQLALCHEMY_DATABASE_URI"], tablename="apscheduler_jobs"
    )
    scheduler = BlockingScheduler(jobstores={"default": store}, timezone="UTC")
    intervals = {name: job.interval(app) for name, job in registry().items()}
    for name, seconds in intervals.items():
        scheduler.add_job(
            run_job,
            "interval",
            seconds=seconds,
            args=[name],
            id=name,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=seconds,
        )
    bind(app)

    def stop(*_: Any) -> None:
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"scheduler running: {', '.join(f'{n} every {s}s' for n, s in intervals.items())}")
    scheduler.start()
