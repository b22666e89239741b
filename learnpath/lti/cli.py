"""flask lti ...: keys, platform registrations, score posting."""

from __future__ import annotations

import click
from sqlalchemy import select

from learnpath.accounts.models import Organisation
from learnpath.extensions import db
from learnpath.lti import adapter, keys, platform_services, services
from learnpath.lti.blueprint import bp
from learnpath.lti.models import AdminRoleMapping
from learnpath.web.urls import external_url


@bp.cli.command("rotate-key")
def rotate_key() -> None:
    """Create a new signing key; the previous public key stays in the JWKS for a grace period."""
    key = keys.rotate_key()
    db.session.commit()
    click.echo(f"New LTI key {key.kid}; JWKS: {external_url('lti.jwks')}")


@bp.cli.command("register")
@click.option("--organisation", "org_slug", required=True, help="Organisation slug.")
@click.option("--name", required=True)
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--deployment", "deployments", multiple=True, required=True, help="Repeatable.")
@click.option("--auth-login-url", required=True)
@click.option("--auth-token-url", required=True)
@click.option("--key-set-url", required=True)
@click.option("--auth-audience", default=None)
@click.option(
    "--admin-role",
    type=click.Choice([m.value for m in AdminRoleMapping]),
    default=AdminRoleMapping.NONE.value,
    show_default=True,
    help="What platform administrators become in learnpath.",
)
def register(
    org_slug: str,
    name: str,
    issuer: str,
    client_id: str,
    deployments: tuple[str, ...],
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    auth_audience: str | None,
    admin_role: str,
) -> None:
    """Register a learning platform (or update the one with this issuer and client id)."""
    org = db.session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    if org is None:
        raise click.UsageError(f"No organisation with slug {org_slug!r}.")
    existing = adapter.registration_for(issuer, client_id)
    if existing is not None and existing.organisation_id != org.id:
        raise click.ClickException("This issuer and client id belong to another organisation.")
    data = services.RegistrationData(
        name=name,
        issuer=issuer,
        client_id=client_id,
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        key_set_url=key_set_url,
        deployment_ids=list(dict.fromkeys(deployments)),
        auth_audience=auth_audience,
        admin_role=AdminRoleMapping(admin_role),
    )
    try:
        registration = services.save_registration(org, data, existing)
    except services.LtiError as exc:
        db.session.rollback()
        problems = "; ".join(f"{k}: {v}" for k, v in exc.errors.items()) or str(exc)
        raise click.ClickException(problems) from exc
    db.session.commit()
    click.echo(f"{'Updated' if existing else 'Registered'} {registration.name} for {org.name}.")
    click.echo(f"  Initiate login URL: {external_url('lti.login')}")
    click.echo(f"  Redirection / launch URL: {external_url('lti.launch')}")
    click.echo(f"  Public keyset URL: {external_url('lti.jwks')}")


@bp.cli.command("sync-scores")
def sync_scores() -> None:
    """Post changed progress of bound cohorts to the platforms' grade books."""
    posted = platform_services.sync_scores()
    db.session.commit()
    click.echo(f"{posted} score(s) posted.")


@bp.cli.command("purge")
def purge() -> None:
    """Delete expired nonces, states and launch data."""
    removed = adapter.purge_expired()
    db.session.commit()
    click.echo(f"{removed} expired launch value(s) deleted.")
