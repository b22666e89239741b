"""OpenID Connect sign-in against a real provider (node-oidc-provider, tests/oidc).

The code flow with PKCE runs as in production: learnpath sends the browser to the provider,
the provider's own sign-in page is filled in, the provider sends the browser back with a code,
learnpath exchanges it and checks the ID token by the provider's JWKS.
"""

from __future__ import annotations

from sqlalchemy import select

from learnpath.accounts.models import Role, User
from learnpath.extensions import db
from learnpath.sso.models import OidcIdentity, OidcPendingLogin
from tests.sso.conftest import counts, register, sign_in, through_provider


def _user(email: str) -> User | None:
    db.session.rollback()
    return db.session.scalar(select(User).where(User.email == email))


def test_a_new_person_gets_a_participant_account_just_in_time(client, org, provider_a):
    register(org, provider_a, "testdorp.nl")
    response = sign_in(client, org, provider_a, "anna")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    anna = _user("anna@testdorp.nl")
    assert anna is not None
    assert anna.organisation_id == org.id
    assert anna.roles == {Role.PARTICIPANT}
    assert anna.name == "Anna de Vries"
    assert anna.department is not None and anna.department.name == "Sociaal domein"
    page = client.get("/account")
    assert page.status_code == 200
    assert "Anna de Vries" in page.get_data(as_text=True)
    identity = db.session.scalar(select(OidcIdentity))
    assert identity is not None and identity.issuer == provider_a.issuer
    assert identity.subject == "anna"


def test_the_next_sign_in_finds_the_account_by_issuer_and_subject(client, app, org, provider_a):
    register(org, provider_a, "testdorp.nl")
    sign_in(client, org, provider_a, "anna")
    before = counts()
    client.post("/logout")
    second = app.test_client()
    response = sign_in(second, org, provider_a, "anna")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert counts() == before
    assert second.get("/account").status_code == 200


def test_an_existing_account_is_linked_by_verified_email(client, org, provider_a, make_user):
    facilitator = make_user(Role.FACILITATOR, email="anna@testdorp.nl", name="Anna (bestaand)")
    register(org, provider_a, "testdorp.nl")
    users_before, _ = counts()
    response = sign_in(client, org, provider_a, "anna")
    assert response.status_code == 302
    assert counts() == (users_before, 1)
    anna = _user("anna@testdorp.nl")
    assert anna is not None and anna.id == facilitator.id
    assert anna.roles == {Role.FACILITATOR}


def _refused(response, text: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 403, body[:300]
    assert text in body, body[:2000]
    assert "Er is geen account aangemaakt of gewijzigd." in body


def test_an_address_of_another_organisation_is_not_linked(
    client, org, make_org, make_user, provider_a
):
    other = make_org("Gemeente Elders")
    make_user(organisation=other, email="dubbel@testdorp.nl")
    register(org, provider_a, "testdorp.nl")
    before = counts()
    _refused(sign_in(client, org, provider_a, "clash"), "hoort bij een andere organisatie")
    assert counts() == before


def test_an_unverified_email_is_refused_and_nothing_is_created(client, org, provider_a):
    register(org, provider_a, "testdorp.nl")
    before = counts()
    _refused(sign_in(client, org, provider_a, "unverified"), "niet bevestigd")
    assert counts() == before
    assert client.get("/account").status_code == 302


def test_a_domain_not_allowed_is_refused(client, org, provider_a):
    register(org, provider_a, "testdorp.nl")
    before = counts()
    _refused(sign_in(client, org, provider_a, "outsider"), "elders.nl")
    assert counts() == before


def test_a_deactivated_account_is_refused(client, org, provider_a, make_user):
    gone = make_user(email="vertrokken@testdorp.nl")
    gone.is_active_account = False
    db.session.commit()
    register(org, provider_a, "testdorp.nl")
    before = counts()
    _refused(sign_in(client, org, provider_a, "gone"), "gedeactiveerd")
    assert counts() == before
    assert client.get("/account").status_code == 302


def test_a_callback_counts_once(client, org, provider_a):
    register(org, provider_a, "testdorp.nl")
    attempt = through_provider(client, org, provider_a, "anna")
    assert client.get(attempt.callback).status_code == 302
    client.post("/logout")
    before = counts()
    replay = client.get(attempt.callback)
    _refused(replay, "verlopen of al gebruikt")
    assert counts() == before


def test_a_token_for_another_nonce_is_refused(client, org, provider_a):
    register(org, provider_a, "testdorp.nl")
    attempt = through_provider(client, org, provider_a, "anna")
    pending = db.session.scalar(select(OidcPendingLogin))
    assert pending is not None
    pending.nonce = "a-nonce-of-an-earlier-sign-in"  # the token answers another attempt
    db.session.commit()
    before = counts()
    _refused(client.get(attempt.callback), "hoort bij een andere poging")
    assert counts() == before


def test_a_sign_in_at_a_s_provider_cannot_sign_in_to_b(
    client, org, make_org, provider_a, provider_b
):
    other = make_org("Gemeente Anderdorp")
    register(org, provider_a, "testdorp.nl")
    register(other, provider_b, "anderdorp.nl")
    # Start at B, but come back with what A's provider handed out.
    at_a = through_provider(client, org, provider_a, "anna")
    started_b = client.get(f"/inloggen/via/{other.slug}/start")
    assert started_b.status_code == 302
    state_b = client.get_cookie("session")  # the browser now waits for B
    assert state_b is not None
    code_a = dict(p.split("=", 1) for p in at_a.callback.split("?", 1)[1].split("&"))["code"]
    pending_b = db.session.scalar(
        select(OidcPendingLogin).where(OidcPendingLogin.provider_id != None)  # noqa: E711
    )
    assert pending_b is not None
    before = counts()
    with client.session_transaction() as session:
        state = session["oidc_state"]
    response = client.get(f"/inloggen/terug?code={code_a}&state={state}")
    assert response.status_code == 403
    assert counts() == before
    assert _user("anna@testdorp.nl") is None
    # And A's own callback, now that the browser waits for B, signs nobody in either.
    _refused(client.get(at_a.callback), "verlopen of al gebruikt")
    assert _user("anna@testdorp.nl") is None


def test_password_sign_in_can_be_switched_off(client, org, provider_a, make_user):
    user = make_user(email="piet@testdorp.nl")
    register(org, provider_a, "testdorp.nl", password_sign_in=False)
    response = client.post("/login", data={"email": user.email, "password": "juist-wachtwoord-42"})
    body = response.get_data(as_text=True)
    assert "eigen account" in body
    assert client.get("/account").status_code == 302
    assert sign_in(client, org, provider_a, "piet").status_code == 302
    assert client.get("/account").status_code == 200


def test_the_login_page_finds_the_organisation_by_email_domain(client, org, provider_a):
    register(org, provider_a, "testdorp.nl")
    page = client.get("/login").get_data(as_text=True)
    assert "Inloggen met je organisatie" in page
    found = client.post("/inloggen/organisatie", data={"email": "Anna@Testdorp.nl"})
    assert found.status_code == 302
    assert found.headers["Location"] == f"/inloggen/via/{org.slug}"
    link = client.get(f"/inloggen/via/{org.slug}").get_data(as_text=True)
    assert f"Inloggen met {org.name}" in link
    unknown = client.post("/inloggen/organisatie", data={"email": "iemand@elders.nl"})
    assert unknown.headers["Location"] == "/login"


def test_an_admin_whose_provider_did_not_check_a_second_factor_sets_up_learnpaths(
    client, org, provider_a, make_user
):
    make_user(Role.ADMIN, email="piet@testdorp.nl")
    register(org, provider_a, "testdorp.nl")
    response = sign_in(client, org, provider_a, "piet")  # amr: ["pwd"]
    assert response.headers["Location"] == "/tweede-stap/instellen"
    assert client.get("/account").status_code == 302


def test_the_providers_second_factor_counts(client, org, provider_a, make_user):
    make_user(Role.HR, email="henk@testdorp.nl")
    register(org, provider_a, "testdorp.nl")
    response = sign_in(client, org, provider_a, "henk")  # amr: ["pwd", "mfa"]
    assert response.headers["Location"] == "/"
    assert client.get("/account").status_code == 200


def test_signing_out_signs_out_at_the_provider_too(client, org, provider_a):
    import re

    import requests

    register(org, provider_a, "testdorp.nl")
    sign_in(client, org, provider_a, "anna")
    out = client.post("/logout")
    target = out.headers["Location"]
    assert target.startswith(f"{provider_a.issuer}/session/end?")
    assert "id_token_hint=" in target
    assert client.get("/account").status_code == 302  # signed out here already
    browser = requests.Session()
    page = browser.get(target, timeout=10)
    assert page.status_code == 200
    form = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    assert form, page.text[:500]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    confirmed = browser.post(
        requests.compat.urljoin(target, form.group(1)),
        data={**fields, "logout": "yes"},
        allow_redirects=False,
        timeout=10,
    )
    assert confirmed.is_redirect
    assert confirmed.headers["Location"].startswith("http://localhost/inloggen/uitgelogd")
    back = client.get("/inloggen/uitgelogd")
    assert back.headers["Location"] == "/login"
