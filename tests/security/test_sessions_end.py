"""Signing out ends the session on the server: a copied session cookie stops working after
logout, a password change, deactivation and "sign out everywhere" (issue 16, point 4)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from freezegun import freeze_time
from sqlalchemy import select

from learnpath.accounts import services
from learnpath.accounts.models import EndedSession, Role, User
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from tests.conftest import TEST_PASSWORD

COOKIE = "session"


def sign_in(app, user: User) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def copy_of(app, client: FlaskClient) -> FlaskClient:
    """A second browser holding a copy of client's session cookie."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def signed_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


@pytest.fixture
def people(app, client, make_user):
    app.test_client_class = type(client)
    return make_user


def test_logout_makes_a_copied_cookie_useless(app, people):
    user = people(Role.PARTICIPANT)
    browser = sign_in(app, user)
    thief = copy_of(app, browser)
    assert signed_in(thief)
    browser.post("/logout")
    assert not signed_in(browser)
    assert not signed_in(thief)


def test_logout_ends_only_that_session(app, people):
    user = people(Role.PARTICIPANT)
    laptop, phone = sign_in(app, user), sign_in(app, user)
    laptop.post("/logout")
    assert not signed_in(laptop)
    assert signed_in(phone)


def test_logout_of_a_session_without_an_id_ends_the_users_sessions(app, people, login_as):
    user = people(Role.PARTICIPANT)
    browser = login_as(user)  # a session as made before sessions had ids
    thief = copy_of(app, browser)
    browser.post("/logout")
    assert not signed_in(thief)


def test_sign_out_everywhere_ends_every_session(app, people):
    user = people(Role.PARTICIPANT)
    laptop, phone = sign_in(app, user), sign_in(app, user)
    thief = copy_of(app, laptop)
    page = phone.get("/account")
    assert "Overal uitloggen" in page.text
    confirm = phone.get("/account/overal-uitloggen")
    assert confirm.status_code == 200 and "Overal uitloggen" in confirm.text
    done = phone.post("/account/overal-uitloggen")
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert not any(signed_in(c) for c in (laptop, phone, thief))
    assert signed_in(sign_in(app, user))  # signing in again works


def test_sign_out_everywhere_needs_the_csrf_token(app, people):
    user = people(Role.PARTICIPANT)
    browser = sign_in(app, user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert browser.post("/account/overal-uitloggen").status_code == 400
        page = browser.get("/account/overal-uitloggen").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        assert signed_in(browser)
        ok = browser.post("/account/overal-uitloggen", data={"csrf_token": token.group(1)})
        assert ok.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert not signed_in(browser)


def test_password_change_ends_other_sessions_but_not_the_one_that_changed_it(app, people):
    user = people(Role.PARTICIPANT)
    browser = sign_in(app, user)
    thief = copy_of(app, browser)
    other = app.test_client()
    other.post("/wachtwoord-vergeten", data={"email": user.email})
    body = db.session.scalars(
        select(OutboxMessage.body_text).where(OutboxMessage.kind == "account.reset")
    ).one()
    path = re.search(r"http://localhost(/\S+)", body).group(1)
    new = {"password": "een-nieuw-wachtwoord", "confirm": "een-nieuw-wachtwoord"}
    assert other.post(path, data=new).status_code == 302
    assert signed_in(other)
    assert not signed_in(browser)
    assert not signed_in(thief)


def test_deactivation_ends_sessions_for_good(app, people):
    user = people(Role.PARTICIPANT)
    browser = sign_in(app, user)
    thief = copy_of(app, browser)
    user = db.session.get(User, user.id)
    user.is_active_account = False
    db.session.commit()
    assert not signed_in(thief)
    user = db.session.get(User, user.id)
    user.is_active_account = True  # reactivated: old cookies stay dead
    db.session.commit()
    assert not signed_in(thief)
    assert not signed_in(browser)


def test_ended_sessions_are_forgotten_once_no_cookie_can_carry_them(app, people):
    user = people(Role.PARTICIPANT)
    sign_in(app, user).post("/logout")
    assert len(db.session.scalars(select(EndedSession)).all()) == 1
    lifetime = app.permanent_session_lifetime
    with freeze_time(utcnow() + lifetime + timedelta(minutes=1)):
        sign_in(app, user).post("/logout")
    assert len(db.session.scalars(select(EndedSession)).all()) == 1


def test_end_all_sessions_is_a_service(app, people):
    user = people(Role.PARTICIPANT)
    browser = sign_in(app, user)
    services.end_all_sessions(db.session.get(User, user.id))
    db.session.commit()
    assert not signed_in(browser)
