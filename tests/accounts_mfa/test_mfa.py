"""Two-step verification (TOTP) for local accounts: setting it up, the second step of signing
in, recovery codes, throttling, and who must have it."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from freezegun import freeze_time

from learnpath.accounts import mfa
from learnpath.accounts.models import Role
from learnpath.accounts.services import account_link
from learnpath.db import utcnow
from learnpath.extensions import db
from tests.conftest import TEST_PASSWORD


def _password(client, user, follow: bool = False):
    return client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD}, follow_redirects=follow
    )


def _key_on(page: str) -> str:
    match = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page)
    assert match, page[:3000]
    return match.group(1).replace(" ", "")


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _enrolled(user) -> str:
    """Give user a confirmed authenticator; return its secret."""
    secret = pyotp.random_base32()
    mfa.enrol_with_secret(user, secret)
    db.session.commit()
    return secret


def _code(secret: str, steps_ahead: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(utcnow()) + steps_ahead)


def test_an_admin_sets_up_the_authenticator_before_the_first_sign_in(client, make_user):
    admin = make_user(Role.ADMIN)
    response = _password(client, admin)
    assert response.headers["Location"] == "/tweede-stap/instellen"
    assert not _signed_in(client)
    page = client.get("/tweede-stap/instellen").get_data(as_text=True)
    assert "Tweestapsverificatie instellen" in page
    assert "<svg" in page  # the QR code, drawn here (the secret goes to no other service)
    secret = _key_on(page)
    wrong = client.post("/tweede-stap/instellen", data={"code": "000000"})
    assert "Deze code klopt niet." in wrong.get_data(as_text=True)
    assert _key_on(wrong.get_data(as_text=True)) == secret  # the same key, input kept
    assert not _signed_in(client)
    done = client.post("/tweede-stap/instellen", data={"code": _code(secret)})
    body = done.get_data(as_text=True)
    assert "Je herstelcodes" in body
    assert len(re.findall(r"<li><code>[0-9a-f]{5}-[0-9a-f]{5}</code></li>", body)) == 10
    assert _signed_in(client)
    db.session.rollback()
    assert mfa.is_enrolled(admin)


def test_the_second_step_asks_a_code_and_accepts_each_code_once(client, app, make_user):
    hr = make_user(Role.HR)
    secret = _enrolled(hr)
    assert _password(client, hr).headers["Location"] == "/tweede-stap"
    assert not _signed_in(client)
    wrong = client.post("/tweede-stap", data={"code": "123456"})
    assert "Deze code klopt niet." in wrong.get_data(as_text=True)
    code = _code(secret)
    ok = client.post("/tweede-stap", data={"code": code})
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert _signed_in(client)
    other = app.test_client()
    _password(other, hr)
    again = other.post("/tweede-stap", data={"code": code})
    assert "Deze code klopt niet." in again.get_data(as_text=True)
    assert other.get("/account").status_code == 302


def test_a_recovery_code_works_once(client, app, make_user):
    admin = make_user(Role.ADMIN)
    _enrolled(admin)
    codes = mfa.regenerate_recovery_codes(admin)
    db.session.commit()
    _password(client, admin)
    ok = client.post("/tweede-stap", data={"code": codes[0].upper()})
    assert ok.status_code == 302
    assert _signed_in(client)
    other = app.test_client()
    _password(other, admin)
    again = other.post("/tweede-stap", data={"code": codes[0]})
    assert "Deze code klopt niet." in again.get_data(as_text=True)
    db.session.rollback()
    assert mfa.recovery_codes_left(admin) == 9


def test_wrong_codes_are_throttled(client, make_user):
    admin = make_user(Role.ADMIN)
    secret = _enrolled(admin)
    _password(client, admin)
    for _ in range(mfa.MAX_FAILURES + 1):
        client.post("/tweede-stap", data={"code": "999999"})
    throttled = client.post("/tweede-stap", data={"code": _code(secret)})
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) >= 1
    assert "Te veel verkeerde codes" in throttled.get_data(as_text=True)
    assert not _signed_in(client)


def test_a_pending_sign_in_expires(client, make_user):
    admin = make_user(Role.ADMIN)
    secret = _enrolled(admin)
    _password(client, admin)
    with freeze_time(utcnow() + timedelta(minutes=11)):
        late = client.post("/tweede-stap", data={"code": _code(secret)})
    assert late.headers["Location"] == "/login"
    assert not _signed_in(client)


def test_a_participant_signs_in_with_the_password_alone(client, make_user):
    participant = make_user(Role.PARTICIPANT)
    assert _password(client, participant).headers["Location"] == "/"
    assert _signed_in(client)


def test_a_participant_may_turn_it_on_and_off(client, app, make_user, login_as):
    participant = make_user(Role.PARTICIPANT)
    login_as(participant)
    settings = client.get("/account/tweestapsverificatie").get_data(as_text=True)
    assert "Tweestapsverificatie staat uit." in settings
    page = client.get("/account/tweestapsverificatie/instellen").get_data(as_text=True)
    secret = _key_on(page)
    done = client.post("/account/tweestapsverificatie/instellen", data={"code": _code(secret)})
    assert "Je herstelcodes" in done.get_data(as_text=True)
    other = app.test_client()
    assert _password(other, participant).headers["Location"] == "/tweede-stap"
    confirm = client.get("/account/tweestapsverificatie/uitzetten").get_data(as_text=True)
    assert "Tweestapsverificatie uitzetten" in confirm
    client.post("/account/tweestapsverificatie/uitzetten")
    db.session.rollback()
    assert not mfa.is_enrolled(participant)
    third = app.test_client()
    assert _password(third, participant).headers["Location"] == "/"


def test_an_admin_cannot_turn_it_off(client, make_user, login_as):
    admin = make_user(Role.ADMIN)
    _enrolled(admin)
    login_as(admin)
    response = client.post("/account/tweestapsverificatie/uitzetten", follow_redirects=True)
    assert "verplicht" in response.get_data(as_text=True)
    db.session.rollback()
    assert mfa.is_enrolled(admin)


def test_the_organisation_can_require_it_for_facilitators(
    client, app, org, make_org, make_user, login_as
):
    facilitator = make_user(Role.FACILITATOR)
    assert _password(app.test_client(), facilitator).headers["Location"] == "/"
    other_org = make_org("Gemeente Elders")
    outsider = make_user(Role.ADMIN, organisation=other_org)
    login_as(outsider)
    client.post("/beheer/inloggen/beveiliging", data={"mfa_for_facilitators": "y"})
    db.session.rollback()
    assert not db.session.get(type(org), org.id).mfa_for_facilitators  # only its own
    login_as(make_user(Role.ADMIN))
    saved = client.post(
        "/beheer/inloggen/beveiliging", data={"mfa_for_facilitators": "y"}, follow_redirects=True
    )
    assert "Beveiligingsinstellingen opgeslagen." in saved.get_data(as_text=True)
    assert _password(app.test_client(), facilitator).headers["Location"] == (
        "/tweede-stap/instellen"
    )


def test_a_reset_link_does_not_skip_the_second_step(client, make_user):
    admin = make_user(Role.ADMIN)
    _enrolled(admin)
    link = account_link(admin, "reset").removeprefix("http://localhost")
    db.session.commit()
    password = "een-nieuw-wachtwoord-7"
    response = client.post(link, data={"password": password, "confirm": password})
    assert response.headers["Location"] == "/tweede-stap"
    assert not _signed_in(client)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.HR])
def test_admin_and_hr_need_it(make_user, role):
    assert mfa.required_for(make_user(role))
    assert not mfa.required_for(make_user(Role.MANAGER))


def test_the_cli_resets_a_lost_authenticator(runner, make_user):
    admin = make_user(Role.ADMIN)
    _enrolled(admin)
    result = runner.invoke(args=["users", "reset-mfa", admin.email.upper()])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert not mfa.is_enrolled(admin)
    unknown = runner.invoke(args=["users", "reset-mfa", "niemand@example.org"])
    assert unknown.exit_code != 0
