"""flask admin ... commands: importing users from a file, for files too large to wait for in a
browser (the same rules and report as /beheer/gebruikers/importeren)."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from learnpath.accounts.models import Role, User
from learnpath.admin import importing
from learnpath.admin.blueprint import bp
from learnpath.errors import Refusal
from learnpath.extensions import db

bp.cli.short_help = "User administration: import users."


@bp.cli.command("import-users")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "admin_email", required=True, help="The administrator who imports.")
@click.option("--invite/--no-invite", default=False, help="Send new people an invitation.")
@click.option("--dry-run", is_flag=True, help="Only report what the import would do.")
def import_users(path: Path, admin_email: str, invite: bool, dry_run: bool) -> None:
    """Import users from a CSV or XLSX file into the administrator's organisation."""
    admin = db.session.scalar(select(User).where(User.email == admin_email.strip().lower()))
    if admin is None or Role.ADMIN not in admin.roles or not admin.is_active_account:
        raise click.ClickException(f"{admin_email} is not an active administrator.")
    try:
        table = importing.read_table(path.name, path.read_bytes())
        report = importing.run(admin, table, apply=not dry_run, invite=invite)
    except Refusal as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    for row in report.rows:
        if row.problems:
            click.echo(f"row {row.line} {row.email}: {row.outcome.value}: {' '.join(row.problems)}")
    counts = ", ".join(f"{report.count(o)} {o.value}" for o in importing.Outcome)
    click.echo(("Would import: " if dry_run else "Imported: ") + counts)
