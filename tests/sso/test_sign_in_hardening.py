"""Sign-in hardening: the SSO start is rate-limited per source (counted in the database), and
provider registration, linking and just-in-time accounts are in the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from learnpath.accounts.models import Role, User
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.privacy.models import AuditAction, AuditEvent
from learnpath.sso import services
from learnpath.sso.models import MfaClaim, OidcProvider

ISSUER = "https://login.example.org/tenant-1"


def _events(subject: User) -> list[tuple[str, int, str]]:
    return [
        (e.action, e.actor_id, e.object_ref)
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_user_id == subject.id)
            .order_by(AuditEvent.id)
        )
    ]


def _provider(org) -> OidcProvider:
    provider = OidcProvider(
        organisation_id=org.id,
        issuer=ISSUER,
        client_id="learnpath",
        client_secret_encrypted=services.encrypt_secret("geheim"),
        allowed_domains="testdorp.nl",
        mfa_claim=MfaClaim.AMR,
        mfa_values="mfa",
    )
    db.session.add(provider)
    db.session.commit()
    return provider


def _data(**values) -> services.ProviderData:
    return services.ProviderData(
        issuer=ISSUER,
        client_id="learnpath",
        client_secret=values.pop("client_secret", "geheim"),
        allowed_domains="testdorp.nl",
        department_claim=None,
        mfa_claim=MfaClaim.AMR,
        mfa_values="mfa",
        enabled=True,
        password_sign_in=True,
        **values,
    )


@pytest.fixture
def no_network(monkeypatch):
    """The provider is never reached: discovery and the start give fixed answers."""
    monkeypatch.setattr(services, "metadata", lambda issuer, refresh=False: {"issuer": ISSUER})
    monkeypatch.setattr(
        services,
        "start_login",
        lambda provider, next_url: services.Started(f"{ISSUER}/authorize?state=s", "s"),
    )


def test_the_sso_start_is_limited_per_source_with_a_dutch_429(app, client, org, no_network):
    app.config["SSO_STARTS_PER_MINUTE_PER_IP"] = 3
    _provider(org)
    path = f"/inloggen/via/{org.slug}/start"
    here = {"REMOTE_ADDR": "198.51.100.7"}
    with freeze_time(utcnow()) as frozen:
        for _ in range(3):
            assert client.get(path, environ_base=here).status_code == 302
        refused = client.get(path, environ_base=here)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "60"
        assert "Te veel inlogpogingen vanaf jouw netwerk" in refused.text
        # Another source is not held up; the same /64 of IPv6 is one source.
        assert client.get(path, environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 302
        v6 = [{"REMOTE_ADDR": f"2001:db8:1:2::{n}"} for n in range(1, 5)]
        assert [client.get(path, environ_base=e).status_code for e in v6] == [302] * 3 + [429]
        frozen.tick(timedelta(seconds=61))
        assert client.get(path, environ_base=here).status_code == 302


def test_provider_registration_and_changes_are_audited(app, org, make_user, no_network):
    admin = make_user(Role.ADMIN)
    provider = services.save_provider(org, _data(), None, admin)
    services.save_provider(org, _data(client_secret=None), provider, admin)
    db.session.commit()
    ref = f"oidc_provider:{provider.id}"
    assert _events(admin) == [
        (AuditAction.SSO_PROVIDER_REGISTERED.value, admin.id, ref),
        (AuditAction.SSO_PROVIDER_CHANGED.value, admin.id, ref),
    ]


def test_linking_and_just_in_time_accounts_are_audited(app, org, make_user):
    provider = _provider(org)
    existing = make_user(Role.PARTICIPANT, email="anna@testdorp.nl")
    claims = {"sub": "anna-1", "email": "anna@testdorp.nl", "email_verified": True}
    assert services.account_for(provider, claims).id == existing.id
    services.account_for(provider, claims)  # found by (issuer, subject): nothing new
    new = services.account_for(
        provider, {"sub": "bob-1", "email": "bob@testdorp.nl", "email_verified": True}
    )
    db.session.commit()
    ref = f"oidc_provider:{provider.id}"
    assert _events(existing) == [(AuditAction.SSO_IDENTITY_LINKED.value, existing.id, ref)]
    assert _events(new) == [(AuditAction.SSO_ACCOUNT_CREATED.value, new.id, ref)]


def test_scim_token_rotation_is_audited_and_shown_in_dutch(client, org, make_user, login_as):
    admin = make_user(Role.ADMIN)
    login_as(admin)
    client.post("/beheer/scim", data={"action": "issue"})
    client.post("/beheer/scim", data={"action": "issue", "confirm": "y"})
    client.post("/beheer/scim", data={"action": "revoke", "confirm": "y"})
    assert [a for a, _, _ in _events(admin)] == [
        AuditAction.SCIM_TOKEN_ROTATED.value,
        AuditAction.SCIM_TOKEN_ROTATED.value,
        AuditAction.SCIM_TOKEN_REVOKED.value,
    ]
    log = client.get("/privacy/auditlog").text
    assert "SCIM-token gemaakt of vervangen" in log and "SCIM-token ingetrokken" in log
