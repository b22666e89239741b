"""flask scim ...: the SCIM token of an organisation from the command line.

``--by`` names the administrator who makes or revokes it: the change is in the audit log under
their name, as when they do it on /beheer/scim (the audit log names a person).
"""

from __future__ import annotations

import click
from sqlalchemy import select

from learnpath.accounts.models import Organisation, Role, User
from learnpath.extensions import db
from learnpath.scim import services
from learnpath.scim.blueprint import bp
from learnpath.web.urls import external_url


@bp.cli.command("token")
@click.option("--organisation", "org_slug", required=True, help="Organisation slug.")
@click.option(
    "--by",
    "admin_email",
    required=True,
    help="Email address of an administrator of the organisation (named in the audit log).",
)
@click.option("--revoke", is_flag=True, help="Switch provisioning off instead.")
def token(org_slug: str, admin_email: str, revoke: bool) -> None:
    """Make (or replace) the organisation's SCIM token and print it once, or revoke it."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    if organisation is None:
        raise click.ClickException(f"no organisation {org_slug!r}")
    admin = db.session.scalar(
        select(User).where(
            User.email == admin_email.strip().lower(),
            User.organisation_id == organisation.id,
        )
    )
    if admin is None or not admin.has_role(Role.ADMIN) or not admin.is_active_account:
        raise click.ClickException(f"{admin_email} is no administrator of {org_slug}")
    if revoke:
        services.revoke_token(organisation, admin)
        db.session.commit()
        click.echo(f"SCIM provisioning of {org_slug} is off.")
        return
    value = services.issue_token(organisation, admin)
    db.session.commit()
    base = external_url("scim.service_provider_config").rsplit("/", 1)[0]
    click.echo(f"Tenant URL: {base}")
    click.echo(f"Secret token (shown once): {value}")
