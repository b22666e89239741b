"""An LTI launch signs in like a password does: admin, HR (and facilitators where the
organisation says so) first pass the second step, or set it up, inside the platform's frame."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select, update

from learnpath.accounts.mfa_models import TotpCredential
from learnpath.accounts.models import Role
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.lti.models import UserLink
from tests.conftest import TEST_PASSWORD
from tests.factories import make_cohort
from tests.lti.platform import ADMINISTRATOR, INSTRUCTOR


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(utcnow()))


def test_a_platform_administrator_passes_the_second_step_before_the_launch_counts(
    client, app, launch, lti
):
    response = launch(lti.platform.prepare_launch("admin-1", [ADMINISTRATOR]))
    assert response.status_code == 302
    assert response.headers["Location"] == "/tweede-stap/instellen"
    assert not _signed_in(client)
    hr = db.session.scalar(select(UserLink).where(UserLink.sub == "admin-1")).user
    assert hr.roles == {Role.HR}
    page = client.get("/tweede-stap/instellen")
    assert page.status_code == 200 and "Tweestapsverificatie instellen" in page.text
    # The step is shown in the platform's frame (the launch's own cookie holds it).
    assert f"frame-ancestors 'self' {lti.platform.url}" in page.headers["Content-Security-Policy"]
    secret = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
    done = client.post("/tweede-stap/instellen", data={"code": _code(secret)})
    assert "Je herstelcodes" in done.text
    assert _signed_in(client)
    # HR, no cohort bound to the link: the launch's notice, after the second step.
    assert client.get("/lti/melding/not_ready").status_code == 200

    # The next launch asks a code from the authenticator just set up (some time later: each
    # code is accepted once).
    db.session.execute(update(TotpCredential).values(last_step=0))
    db.session.commit()
    fresh = app.test_client()
    response = launch(lti.platform.prepare_launch("admin-1", [ADMINISTRATOR]))
    assert response.headers["Location"] == "/tweede-stap"
    assert not _signed_in(client)
    wrong = client.post("/tweede-stap", data={"code": "000000"})
    assert "Deze code klopt niet." in wrong.text and not _signed_in(client)
    ok = client.post("/tweede-stap", data={"code": _code(secret)})
    assert ok.status_code == 302 and ok.headers["Location"] == "/lti/melding/not_ready"
    assert _signed_in(client)
    assert not _signed_in(fresh)


def test_a_facilitator_gives_a_code_where_the_organisation_requires_it(
    client, launch, lti, org, make_user
):
    facilitator = make_user(Role.FACILITATOR, email="begeleider@example.org")
    make_cohort(org, facilitator, name="Najaar")
    org.mfa_for_facilitators = True
    lti.registration.link_by_email = True
    db.session.commit()
    hint = lti.platform.prepare_launch("teacher-1", [INSTRUCTOR], email=facilitator.email)
    response = launch(hint)
    assert response.headers["Location"].endswith("/lti/account-koppelen")
    linked = client.post("/lti/account-koppelen", data={"password": TEST_PASSWORD})
    # The password confirms the link; the second step still comes before the session counts.
    assert linked.headers["Location"] == "/tweede-stap/instellen"
    assert not _signed_in(client)
    assert client.get("/lti/koppelen").status_code in (302, 403)
    page = client.get("/tweede-stap/instellen").text
    secret = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    codes = client.post("/tweede-stap/instellen", data={"code": _code(secret)})
    # The message that the link is confirmed waited for the second step.
    assert "is nu gekoppeld" in codes.text
    assert _signed_in(client)
    bind = client.get("/lti/koppelen")
    assert bind.status_code == 200 and "Najaar" in bind.text


def test_no_password_confirms_a_link_where_the_organisation_switched_passwords_off(
    client, launch, lti, org, make_user
):
    person = make_user(Role.FACILITATOR, email="sso.only@example.org")
    org.password_sign_in = False
    lti.registration.link_by_email = True
    db.session.commit()
    launch(lti.platform.prepare_launch("teacher-9", [INSTRUCTOR], email=person.email))
    refused = client.post("/lti/account-koppelen", data={"password": TEST_PASSWORD})
    assert refused.status_code == 403
    assert "niet met een wachtwoord" in refused.text
    assert db.session.scalar(select(UserLink).where(UserLink.sub == "teacher-9")) is None
    assert not _signed_in(client)
