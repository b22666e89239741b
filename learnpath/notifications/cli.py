"""flask outbox ... commands (the scheduler's commands are the core's: learnpath/jobs.py)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications import delivery
from learnpath.notifications.models import OutboxMessage, OutboxStatus

outbox_cli = AppGroup("outbox", help="The outgoing mail queue.")


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


def init_app(app: Flask) -> None:
    app.cli.add_command(outbox_cli)
