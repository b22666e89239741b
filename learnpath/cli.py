"""flask CLI commands: content check, users, organisations, demo data, the scheduler."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pyotp
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from learnpath.accounts import mfa
from learnpath.accounts import services as accounts
from learnpath.accounts.models import Organisation, Role, User
from learnpath.content import check_content
from learnpath.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_people, seed
from learnpath.extensions import db
from learnpath.jobs import scheduler_cli
from learnpath.notifications import cli as notifications_cli

content_cli = AppGroup("content", help="Programme content (modules/ and assignments/).")
users_cli = AppGroup("users", help="User accounts.")
orgs_cli = AppGroup("orgs", help="Organisations.")


@content_cli.command("check")
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
def content_check(path: Path | None) -> None:
    """Validate all content under PATH (default: the app's content) and list every problem."""
    root = path or Path(current_app.config["CONTENT_DIR"])
    problems = check_content(root)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found in {root}", err=True)
        sys.exit(1)
    click.echo(f"Content OK: {root}")


def _organisation(slug: str | None) -> Organisation:
    if slug:
        org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        if org is None:
            raise click.UsageError(f"No organisation with slug {slug!r}.")
        return org
    orgs = db.session.scalars(select(Organisation)).all()
    if len(orgs) != 1:
        raise click.UsageError("Name the organisation with --organisation SLUG.")
    return orgs[0]


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--organisation", "org_slug", help="Organisation slug (needed if there are several).")
@click.option("--password", help="Set a password now; otherwise an invitation link is printed.")
def users_create(
    email: str, name: str, roles: tuple[str, ...], org_slug: str | None, password: str | None
) -> None:
    """Create a user with one or more roles."""
    org = _organisation(org_slug)
    data = accounts.NewUser(email=email, name=name, roles=frozenset(Role(r) for r in roles))
    try:
        user = accounts.create_user(org, data, password=password, invite=password is None)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(roles))}) in {org.name}.")
    if password is None:
        click.echo(f"Invitation link: {accounts.account_link(user, 'invite')}")


@users_cli.command("reset-mfa")
@click.argument("email")
def users_reset_mfa(email: str) -> None:
    """Remove someone's authenticator (lost phone): they set up a new one at the next sign-in."""
    user = db.session.scalar(select(User).where(User.email == accounts.normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No account with the address {email}.")
    if not mfa.reset(user, via="cli"):
        click.echo(f"{user.email} has no authenticator; nothing to reset.")
        return
    db.session.commit()
    click.echo(f"Two-step verification of {user.email} removed; it is set up again at sign-in.")


@orgs_cli.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--timezone", default="Europe/Amsterdam", show_default=True)
def orgs_create(slug: str, name: str, timezone: str) -> None:
    """Create an organisation."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise click.BadParameter(f"unknown time zone {timezone!r}") from exc
    if db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        raise click.ClickException(f"Organisation {slug!r} exists already.")
    db.session.add(Organisation(slug=slug, name=name, timezone=timezone))
    db.session.commit()
    click.echo(f"Created organisation {name} ({slug}).")


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the demo organisation and users (safe to run again: nothing is duplicated)."""
    logins = seed()
    db.session.commit()
    click.echo(f"Demo data ready. Sign in with (password for all: {DEMO_PASSWORD}):")
    for role, email in logins:
        click.echo(f"  {role:<12} {email}")
    click.echo(
        f"  hr and admin also need a code: authenticator key {DEMO_TOTP_SECRET} "
        f"(now: {pyotp.TOTP(DEMO_TOTP_SECRET).now()})"
    )
    people = demo_people()
    for note in people.notes:
        click.echo(f"  {note}")
    click.echo("Participants in the programme:")
    for label, rows in (("enrolled", people.enrolled), ("waitlisted", people.waitlisted)):
        click.echo(f"  {label} ({len(rows)}):")
        for email, cohort in rows:
            click.echo(f"    {email:<34} {cohort}")
    click.echo(f"  not signed up ({len(people.not_signed_up)}): " + ", ".join(people.not_signed_up))


@click.command("doctor")
def doctor() -> None:
    """Say whether this installation is ready (what /readyz checks), with what to do if not."""
    from learnpath.jobs import mail_destination
    from learnpath.ops.health import readiness

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    checks = readiness(app)
    for check in checks:
        click.echo(f"{'ok  ' if check.ok else 'FAIL'}  {check.name:<11} {check.detail}")
    click.echo(f"      {'mail':<11} {mail_destination(app)}")
    if not all(check.ok for check in checks):
        sys.exit(1)


def init_app(app: Flask) -> None:
    for command in (content_cli, users_cli, orgs_cli, seed_demo, scheduler_cli, doctor):
        app.cli.add_command(command)
    notifications_cli.init_app(app)
