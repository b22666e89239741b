"""flask CLI commands: content check, users, organisations, demo data, the scheduler."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
import pyotp
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from learnpath.accounts import mfa, networks
from learnpath.accounts import services as accounts
from learnpath.accounts.models import Network, Organisation, Role, User
from learnpath.content import check_content
from learnpath.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_people, seed
from learnpath.extensions import db
from learnpath.jobs import scheduler_cli
from learnpath.notifications import cli as notifications_cli

content_cli = AppGroup("content", help="Programme content (modules/ and assignments/).")
users_cli = AppGroup("users", help="User accounts.")
orgs_cli = AppGroup("orgs", help="Organisations.")
networks_cli = AppGroup("networks", help="Regional networks of organisations.")
coordinator_cli = AppGroup("coordinator", help="A network's coordinators.")
networks_cli.add_command(coordinator_cli)


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


def _network(slug: str) -> Network:
    network = networks.find(slug)
    if network is None:
        raise click.UsageError(f"No network with slug {slug!r}.")
    return network


@networks_cli.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
def networks_create(slug: str, name: str) -> None:
    """Create a network (platform operator); then invite its organisations."""
    try:
        network = networks.create_network(slug, name)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created network {network.name} ({network.slug}).")


@networks_cli.command("invite")
@click.option("--network", "network_slug", required=True, help="Slug of the network.")
@click.option("--org", "org_slug", required=True, help="Slug of the organisation.")
def networks_invite(network_slug: str, org_slug: str) -> None:
    """Invite an organisation; it is a member once its administrator accepts."""
    network, org = _network(network_slug), _organisation(org_slug)
    row = networks.invite(network, org)
    db.session.commit()
    state = "active member" if row.is_active else "invited, waiting for its administrator"
    click.echo(f"{org.name} in {network.name}: {state}.")


@networks_cli.command("end")
@click.option("--network", "network_slug", required=True, help="Slug of the network.")
@click.option("--org", "org_slug", required=True, help="Slug of the organisation.")
def networks_end(network_slug: str, org_slug: str) -> None:
    """End an organisation's membership from the network's side."""
    network, org = _network(network_slug), _organisation(org_slug)
    ended = networks.end_by_network(network, org)
    db.session.commit()
    click.echo(f"{org.name} in {network.name}: {'ended' if ended else 'was not a member'}.")


def _coordinator_args(command: Callable[[str, str], None]) -> Callable[..., None]:
    command = click.option("--email", required=True, help="The person's address.")(command)
    return click.option("--network", "network_slug", required=True, help="Slug of the network.")(
        command
    )


def _user_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == accounts.normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No account with the address {email}.")
    return user


@coordinator_cli.command("add")
@_coordinator_args
def coordinator_add(network_slug: str, email: str) -> None:
    """Make someone of a member organisation a coordinator of the network."""
    network, user = _network(network_slug), _user_by_email(email)
    try:
        added = networks.add_coordinator(network, user)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(
        f"{user.email} {'now coordinates' if added else 'already coordinates'} {network.name}."
    )


@coordinator_cli.command("remove")
@_coordinator_args
def coordinator_remove(network_slug: str, email: str) -> None:
    """Someone no longer coordinates the network."""
    network, user = _network(network_slug), _user_by_email(email)
    removed = networks.remove_coordinator(network, user)
    db.session.commit()
    click.echo(
        f"{user.email} {'no longer coordinates' if removed else 'did not coordinate'} {network.name}."
    )


@networks_cli.command("list")
def networks_list() -> None:
    """Every network with its organisations and their state."""
    listed = networks.all_networks()
    if not listed:
        click.echo("No networks.")
    for network, rows, coordinators in listed:
        click.echo(f"{network.slug}  {network.name}")
        for row in rows:
            state = (
                "ended" if row.ended_at else "active" if row.consent_at is not None else "invited"
            )
            click.echo(f"  {row.organisation.slug:<24} {state}")
        for user in coordinators:
            click.echo(f"  coordinator {user.email}")


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
    for command in (
        content_cli,
        users_cli,
        orgs_cli,
        networks_cli,
        seed_demo,
        scheduler_cli,
        doctor,
    ):
        app.cli.add_command(command)
    notifications_cli.init_app(app)
