"""The administrator's page: register the provider (its discovery must load), keep the secret
hidden, see only the own organisation's settings."""

from __future__ import annotations

from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.extensions import db
from learnpath.sso.models import OidcProvider
from tests.oidc import server
from tests.sso.conftest import register


def _form(provider, **changes):
    data = {
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "client_secret": server.CLIENT_SECRET,
        "allowed_domains": "testdorp.nl\nTestdorp-Zuid.nl",
        "department_claim": "department",
        "mfa_claim": "amr",
        "mfa_values": "mfa",
        "enabled": "y",
        "password_sign_in": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_an_admin_registers_the_provider(client, org, make_user, login_as, provider_a):
    login_as(make_user(Role.ADMIN))
    page = client.get("/beheer/inloggen").get_data(as_text=True)
    assert "http://localhost/inloggen/terug" in page  # the redirect URI to register
    saved = client.post("/beheer/inloggen", data=_form(provider_a), follow_redirects=True)
    body = saved.get_data(as_text=True)
    assert "Inloginstellingen opgeslagen." in body
    assert server.CLIENT_SECRET not in body
    db.session.rollback()
    registered = db.session.scalar(select(OidcProvider))
    assert registered is not None and registered.organisation_id == org.id
    assert registered.domains == ["testdorp.nl", "testdorp-zuid.nl"]
    assert server.CLIENT_SECRET not in registered.client_secret_encrypted
    # Saving again without a secret keeps the stored one.
    again = client.post("/beheer/inloggen", data=_form(provider_a, client_secret=""))
    assert again.status_code == 302


def test_bad_settings_are_shown_with_the_input_kept(client, make_user, login_as, provider_a):
    login_as(make_user(Role.ADMIN))
    wrong_issuer = client.post(
        "/beheer/inloggen", data=_form(provider_a, issuer=provider_a.issuer + "/elders")
    )
    body = wrong_issuer.get_data(as_text=True)
    assert wrong_issuer.status_code == 200
    assert "niet bereikbaar" in body or "noemt zichzelf" in body
    assert provider_a.issuer + "/elders" in body  # kept
    bad_domain = client.post(
        "/beheer/inloggen", data=_form(provider_a, allowed_domains="testdorp.nl\nniet een domein!")
    )
    assert "is geen domeinnaam" in bad_domain.get_data(as_text=True)
    internal = client.post(
        "/beheer/inloggen", data=_form(provider_a, issuer="http://10.0.0.7/realms/x")
    )
    assert internal.status_code == 200
    db.session.rollback()
    assert db.session.scalar(select(OidcProvider)) is None


def test_a_domain_signs_in_with_one_organisation_only(
    client, org, make_org, make_user, login_as, provider_a, provider_b
):
    register(org, provider_a, "testdorp.nl")
    other = make_org("Gemeente Anderdorp")
    login_as(make_user(Role.ADMIN, organisation=other))
    taken = client.post("/beheer/inloggen", data=_form(provider_b, allowed_domains="testdorp.nl"))
    assert "logt al in via een andere organisatie" in taken.get_data(as_text=True)


def test_another_organisations_admin_sees_none_of_it(
    client, org, make_org, make_user, login_as, provider_a
):
    register(org, provider_a, "testdorp.nl")
    other = make_org("Gemeente Anderdorp")
    login_as(make_user(Role.ADMIN, organisation=other))
    page = client.get("/beheer/inloggen").get_data(as_text=True)
    assert provider_a.issuer not in page
    assert "testdorp.nl" not in page
    login_as(make_user(Role.HR))
    assert client.get("/beheer/inloggen").status_code == 403
