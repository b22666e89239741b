"""flask calendar-url: a user's personal feed URL, for support."""

from __future__ import annotations

import click
from sqlalchemy import select

from learnpath.accounts.models import User
from learnpath.accounts.services import normalise_email
from learnpath.extensions import db
from learnpath.ical.blueprint import bp
from learnpath.ical.services import feed_links, find_token, issue_token


@bp.cli.command("calendar-url")
@click.argument("email")
@click.option("--new", "regenerate", is_flag=True, help="Replace the link (the old one stops).")
def calendar_url(email: str, regenerate: bool) -> None:
    """Print EMAIL's personal calendar feed URL (https, then webcal); create it if needed."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No user with email address {email!r}.")
    row = find_token(user)
    if row is None or regenerate:
        row = issue_token(user)
    links = feed_links(row)
    if links is None:
        raise click.ClickException(
            "This link was made with another server key and cannot be shown; "
            "use --new to replace it (subscriptions must then be renewed)."
        )
    db.session.commit()
    click.echo(links.https)
    click.echo(links.webcal)
