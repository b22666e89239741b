"""flask privacy ... commands: the retention setting and running retention by hand."""

from __future__ import annotations

import click
from sqlalchemy import select

from learnpath.accounts.models import Organisation
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.privacy import retention
from learnpath.privacy.blueprint import bp
from learnpath.privacy.services import PrivacyError

bp.cli.short_help = "Personal data: retention."


def _org(slug: str) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise click.ClickException(f"no organisation {slug!r}")
    return org


@bp.cli.command("retention")
@click.option("--org", "slug", required=True, help="Organisation slug.")
@click.option("--months", type=int, help=f"{retention.MIN_MONTHS}-{retention.MAX_MONTHS}.")
@click.option("--off", is_flag=True, help="Keep data until erasure is requested.")
def retention_setting(slug: str, months: int | None, off: bool) -> None:
    """Show or set how long an organisation keeps finished trajectories."""
    org = _org(slug)
    if months is not None or off:
        try:
            retention.set_retention(org, None if off else months)
        except PrivacyError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
    shown = f"{org.retention_months} months" if org.retention_months else "off"
    click.echo(f"{org.slug}: retention {shown}")


@bp.cli.command("apply-retention")
@click.option("--dry-run", is_flag=True, help="Only show what would be done.")
def apply_retention(dry_run: bool) -> None:
    """Remove the personal content of trajectories past their organisation's retention."""
    now = utcnow()
    if not dry_run:
        total = retention.run_all(now)
        click.echo(f"{total} trajectory(ies) cleared.")
        return
    for org in retention.organisations_with_retention():
        plan = retention.plan_retention(org, now)
        click.echo(
            f"{org.slug}: {org.retention_months} months (finished before "
            f"{plan.cutoff:%Y-%m-%d}): would clear {len(plan.trajectories)} trajectory(ies) "
            f"{[e for e, _u, _c in plan.trajectories]}, pseudonymise {len(plan.accounts)} "
            f"account(s) {plan.accounts}, blank {len(plan.groups)} group(s) {plan.groups}"
        )
