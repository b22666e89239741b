"""Signing in, throttling, invitation and reset links, CSRF."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from learnpath.accounts import services
from learnpath.accounts.models import LoginFailure, Role
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from tests.conftest import TEST_PASSWORD

GENERIC = "Het e-mailadres of wachtwoord klopt niet."


def login(client, email, password, **kw):
    return client.post("/login", data={"email": email, "password": password}, **kw)


def test_login_page_is_dutch(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "Inloggen" in page.text
    assert '<html lang="nl">' in page.text


def test_login_and_logout(client, make_user):
    user = make_user(Role.PARTICIPANT)
    response = login(client, user.email.upper(), TEST_PASSWORD)
    assert response.status_code == 302
    assert "Welkom" in client.get("/").text
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_email_give_the_same_message(client, make_user):
    user = make_user(Role.PARTICIPANT)
    wrong = login(client, user.email, "niet-het-wachtwoord")
    unknown = login(client, "niemand@example.org", "niet-het-wachtwoord")
    assert wrong.status_code == unknown.status_code == 200
    assert GENERIC in wrong.text and GENERIC in unknown.text
    assert user.email in wrong.text  # the input is kept


def test_failed_logins_are_throttled_per_account(client, make_user, app):
    user = make_user(Role.PARTICIPANT)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(client, user.email, "fout-wachtwoord")
    blocked = login(client, user.email, TEST_PASSWORD)
    assert blocked.status_code == 429
    assert "Te veel mislukte pogingen" in blocked.text
    # After the window has passed the right password works again.
    with freeze_time(utcnow() + timedelta(minutes=16)):
        assert login(client, user.email, TEST_PASSWORD).status_code == 302


def test_failed_logins_are_throttled_per_ip(client, make_user, app):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    victim = make_user(Role.PARTICIPANT)
    for i in range(3):
        login(client, f"gok{i}@example.org", "fout")
    assert login(client, victim.email, TEST_PASSWORD).status_code == 429
    other_ip = login(client, victim.email, TEST_PASSWORD, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other_ip.status_code == 302


def test_successful_login_clears_failures(client, make_user):
    user = make_user(Role.PARTICIPANT)
    login(client, user.email, "fout-wachtwoord")
    login(client, user.email, TEST_PASSWORD)
    assert db.session.scalars(select(LoginFailure)).all() == []


def test_inactive_and_invited_accounts_cannot_sign_in(client, make_user):
    invited = make_user(Role.PARTICIPANT, active=False)
    assert GENERIC in login(client, invited.email, TEST_PASSWORD).text


def test_next_parameter_only_follows_local_paths(client, make_user):
    user = make_user(Role.PARTICIPANT)
    response = login(client, user.email, TEST_PASSWORD, query_string={"next": "//evil.example"})
    assert response.headers["Location"] == "/"


def _link_from_outbox(kind):
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None
    return re.search(r"http://localhost(/\S+)", message.body_text).group(1)


def test_password_reset_flow_is_single_use(client, make_user):
    user = make_user(Role.PARTICIPANT)
    response = client.post("/wachtwoord-vergeten", data={"email": user.email})
    assert response.status_code == 302
    path = _link_from_outbox("account.reset")
    assert client.get(path).status_code == 200
    new = {"password": "een-nieuw-wachtwoord", "confirm": "een-nieuw-wachtwoord"}
    assert client.post(path, data=new).status_code == 302
    client.post("/logout")
    used = client.get(path)
    assert used.status_code == 400
    assert "al gebruikt" in used.text
    assert login(client, user.email, "een-nieuw-wachtwoord").status_code == 302


def test_reset_for_unknown_email_says_the_same_and_sends_nothing(client):
    response = client.post("/wachtwoord-vergeten", data={"email": "niemand@example.org"})
    assert response.status_code == 302
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_expired_and_tampered_tokens_are_refused(client, make_user, app):
    user = make_user(Role.PARTICIPANT)
    token = services.make_account_token(user, "reset")
    with freeze_time(utcnow() + timedelta(hours=3)):
        expired = client.get(f"/wachtwoord-herstellen/{token}")
    assert expired.status_code == 400 and "verlopen" in expired.text
    tampered = client.get(f"/wachtwoord-herstellen/{token[:-2]}xx")
    assert tampered.status_code == 400 and "niet geldig" in tampered.text
    # A reset token cannot be used as an invitation token.
    assert client.get(f"/uitnodiging/{token}").status_code == 400


def test_password_change_ends_other_sessions(client, make_user, app):
    user = make_user(Role.PARTICIPANT)
    login(client, user.email, TEST_PASSWORD)
    assert client.get("/").status_code == 200
    services.set_password(user, "heel-ander-wachtwoord")
    db.session.commit()
    assert client.get("/").status_code == 302


def test_weak_password_is_refused_and_form_kept(client, make_user):
    user = make_user(Role.PARTICIPANT, active=False)
    token = services.make_account_token(user, "invite")
    response = client.post(
        f"/uitnodiging/{token}", data={"password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"}
    )
    assert response.status_code == 200
    assert "te makkelijk" in response.text
    mismatch = client.post(
        f"/uitnodiging/{token}", data={"password": "lang-genoeg-1", "confirm": "anders-1234"}
    )
    assert "verschillen" in mismatch.text


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def test_post_without_csrf_token_is_refused_clearly(csrf_client, make_user):
    user = make_user(Role.PARTICIPANT)
    response = csrf_client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "Formulier verlopen" in response.text


def test_login_with_csrf_token_works(csrf_client, make_user):
    user = make_user(Role.PARTICIPANT)
    page = csrf_client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = csrf_client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_language_switch_is_kept_on_the_account(client, make_user):
    user = make_user(Role.PARTICIPANT)
    login(client, user.email, TEST_PASSWORD)
    client.post("/taal", data={"lang": "en", "next": "/"})
    assert "Welcome" in client.get("/").text
    db.session.refresh(user)
    assert user.locale == "en"
