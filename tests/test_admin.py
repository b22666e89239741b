"""Administrators invite users and set roles."""

from __future__ import annotations

import re

from sqlalchemy import select

from learnpath.accounts.models import Role, User
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage


def test_admin_invites_a_user_who_activates_the_account(client, make_user, login_as, org):
    admin = make_user(Role.ADMIN)
    login_as(admin)
    response = client.post(
        "/beheer/gebruikers",
        data={
            "name": "Nieuwe Collega",
            "email": "Nieuw@Example.org",
            "department": org.departments[0].id,
            "manager": 0,
            "roles": ["participant", "manager"],
            "locale": "nl",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nieuw@example.org"))
    assert user.roles == {Role.PARTICIPANT, Role.MANAGER}
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient_user_id == user.id)
    )
    assert message.subject == "Je uitnodiging voor learnpath"
    path = re.search(r"http://localhost(/\S+)", message.body_text).group(1)
    client.post("/logout")
    page = client.get(path)
    assert "Nieuwe Collega" in page.text
    client.post(
        path, data={"password": "mijn-eigen-wachtwoord", "confirm": "mijn-eigen-wachtwoord"}
    )
    assert "Welkom, Nieuwe Collega" in client.get("/").text


def test_invite_with_bad_input_keeps_what_was_typed(client, make_user, login_as, org):
    admin = make_user(Role.ADMIN)
    login_as(admin)
    response = client.post(
        "/beheer/gebruikers",
        data={
            "name": "Bijna Goed",
            "email": admin.email,
            "department": 0,
            "manager": 0,
            "roles": ["participant"],
            "locale": "nl",
        },
    )
    assert response.status_code == 200
    assert "bestaat al een account" in response.text
    assert 'value="Bijna Goed"' in response.text
    no_role = client.post(
        "/beheer/gebruikers",
        data={
            "name": "Zonder Rol",
            "email": "zonder@example.org",
            "department": 0,
            "manager": 0,
            "locale": "nl",
        },
    )
    assert "Kies minstens één rol." in no_role.text
    assert 'value="zonder@example.org"' in no_role.text


def test_admin_sets_roles_but_cannot_drop_own_admin_role(client, make_user, login_as):
    admin = make_user(Role.ADMIN)
    other = make_user(Role.PARTICIPANT)
    login_as(admin)
    client.post(f"/beheer/gebruikers/{other.id}", data={"roles": ["participant", "facilitator"]})
    db.session.refresh(other)
    assert other.roles == {Role.PARTICIPANT, Role.FACILITATOR}
    response = client.post(f"/beheer/gebruikers/{admin.id}", data={"roles": ["hr"]})
    assert "eigen beheerdersrol" in response.text
    db.session.refresh(admin)
    assert Role.ADMIN in admin.roles


def test_pages_have_friendly_errors(client, make_user, login_as):
    login_as(make_user(Role.PARTICIPANT))
    missing = client.get("/bestaat-niet")
    assert missing.status_code == 404
    assert "Pagina niet gevonden" in missing.text
