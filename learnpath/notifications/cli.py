"""flask outbox ... and flask scheduler ... commands."""

from __future__ import annotations

import logging
import signal
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications import delivery, jobs
from learnpath.notifications.models import OutboxMessage, OutboxStatus

outbox_cli = AppGroup("outbox", help="The outgoing mail queue.")
scheduler_cli = AppGroup("scheduler", help="Timed jobs: delivery and reminders.")


@outbox_cli.command("status")
def outbox_status() -> None:
    """Print queued / sending / sent / failed counts and the oldest queued message."""
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    for status in OutboxStatus:
        click.echo(f"{status.value:<8} {counts.get(status, 0)}")
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    if oldest is not None:
        age = utcnow() - oldest
        click.echo(
            f"oldest queued: {oldest:%Y-%m-%d %H:%M} UTC ({int(age.total_seconds() // 60)} min ago)"
        )


@outbox_cli.command("deliver")
def outbox_deliver() -> None:
    """Send everything that is due now, once."""
    click.echo(f"{delivery.deliver_pending()} message(s) sent.")


@outbox_cli.command("retry-failed")
def outbox_retry_failed() -> None:
    """Queue every failed message again."""
    count = delivery.retry_failed()
    db.session.commit()
    click.echo(f"{count} message(s) queued again.")


@scheduler_cli.command("tick")
def scheduler_tick() -> None:
    """Run every job once (what the scheduler does on each interval)."""
    for name, result in jobs.run_all(current_app._get_current_object()).items():  # type: ignore[attr-defined]
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
    # Delivery runs often; every other job (reminders, expiries, syncs) on the slower beat.
    intervals = {
        name: app.config[
            "SCHEDULER_DELIVERY_INTERVAL"
            if name == "deliver_outbox"
            else "SCHEDULER_REMINDER_INTERVAL"
        ]
        for name in jobs.JOBS
    }
    for name, seconds in intervals.items():
        scheduler.add_job(
            jobs.run_job,
            "interval",
            seconds=seconds,
            args=[name],
            id=name,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=seconds,
        )
    jobs.bind(app)

    def stop(*_: Any) -> None:
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"scheduler running: {', '.join(f'{n} every {s}s' for n, s in intervals.items())}")
    scheduler.start()


def init_app(app: Flask) -> None:
    app.cli.add_command(outbox_cli)
    app.cli.add_command(scheduler_cli)
