"""flask cohorts ... commands."""

from __future__ import annotations

import click

from learnpath.cohorts import services
from learnpath.cohorts.blueprint import bp
from learnpath.extensions import db

bp.cli.short_help = "Cohorts and enrolment."


@bp.cli.command("expire-offers")
def expire_offers() -> None:
    """Give seats whose confirmation time has passed to the next person on the waitlist."""
    expired = services.expire_offers()
    db.session.commit()
    click.echo(f"{expired} offer(s) expired.")
