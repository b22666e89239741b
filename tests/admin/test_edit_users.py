"""Editing users: details, manager (hierarchy rules), roles (the last administrator),
deactivation and reactivation; every change in the audit log."""

from __future__ import annotations

from sqlalchemy import select

from learnpath.accounts.models import Department, Role, User
from learnpath.admin import services
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from learnpath.privacy.models import AuditAction, AuditEvent


def audit(subject: User) -> list[tuple[str, str]]:
    return [
        (e.action, e.object_ref)
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_user_id == subject.id)
            .order_by(AuditEvent.id)
        )
    ]


def details(user: User, **changes) -> dict:
    data = {
        "name": user.name,
        "email": user.email,
        "department": user.department_id or 0,
        "manager": user.manager_id or 0,
    }
    data.update(changes)
    return data


def test_admin_edits_name_email_department_and_manager(client, make_user, login_as, org):
    admin = make_user(Role.ADMIN)
    boss = make_user(Role.MANAGER, name="Baas Bakker")
    person = make_user(Role.PARTICIPANT, name="Piet Oud")
    sociaal = Department(name="Sociaal Domein", organisation=org)
    db.session.add(sociaal)
    db.session.commit()
    login_as(admin)
    page = client.get(f"/beheer/gebruikers/{person.id}")
    assert page.status_code == 200
    assert "Baas Bakker" in page.text and "Gegevens opslaan" in page.text
    response = client.post(
        f"/beheer/gebruikers/{person.id}/gegevens",
        data=details(
            person,
            name="Piet Nieuw",
            email="Piet.Nieuw@Example.org",
            department=sociaal.id,
            manager=boss.id,
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert (person.name, person.email, person.department_id, person.manager_id) == (
        "Piet Nieuw",
        "piet.nieuw@example.org",
        sociaal.id,
        boss.id,
    )
    assert audit(person) == [
        (
            AuditAction.USER_DETAILS_CHANGED.value,
            f"user:{person.id} name,email,department,manager",
        )
    ]
    shown = client.get("/privacy/auditlog").text
    assert "Naam, adres, afdeling of leidinggevende gewijzigd" in shown


def test_bad_details_are_refused_with_the_input_kept(client, make_user, login_as, make_org):
    admin = make_user(Role.ADMIN)
    taken = make_user(Role.PARTICIPANT, email="bezet@example.org")
    person = make_user(Role.PARTICIPANT, name="Piet")
    other_department = make_org().departments[0]
    login_as(admin)
    duplicate = client.post(
        f"/beheer/gebruikers/{person.id}/gegevens",
        data=details(person, name="Piet Getypt", email=taken.email),
    )
    assert duplicate.status_code == 400
    assert "bestaat al een account" in duplicate.text
    assert 'value="Piet Getypt"' in duplicate.text
    foreign = client.post(
        f"/beheer/gebruikers/{person.id}/gegevens",
        data=details(person, department=other_department.id),
    )
    assert foreign.status_code == 400
    broken = client.post(
        f"/beheer/gebruikers/{person.id}/gegevens", data=details(person, name="Piet\r\nBcc: x")
    )
    assert broken.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, person.id).name == "Piet"
    assert audit(person) == []


def test_the_manager_rules_hold(client, make_user, login_as):
    admin = make_user(Role.ADMIN)
    top = make_user(Role.MANAGER, name="Top")
    middle = make_user(Role.MANAGER, name="Midden", manager=top)
    worker = make_user(Role.PARTICIPANT, name="Werker", manager=middle)
    login_as(admin)
    # Not a manager: not even among the choices.
    response = client.post(
        f"/beheer/gebruikers/{middle.id}/gegevens", data=details(middle, manager=worker.id)
    )
    assert response.status_code == 400
    # Someone further down the line cannot become the manager of the top (no cycle).
    worker_boss = make_user(Role.MANAGER, name="Ploegleider", manager=middle)
    cycle = client.post(
        f"/beheer/gebruikers/{top.id}/gegevens", data=details(top, manager=worker_boss.id)
    )
    assert cycle.status_code == 400
    assert "valt onder Top" in cycle.text
    own = client.post(f"/beheer/gebruikers/{top.id}/gegevens", data=details(top, manager=top.id))
    assert "eigen leidinggevende" in own.text
    db.session.expire_all()
    assert db.session.get(User, top.id).manager_id is None
    # A manager who still has people keeps the manager role.
    refused = client.post(f"/beheer/gebruikers/{middle.id}", data={"roles": ["participant"]})
    assert "leidinggevende van 2 mensen" in refused.text
    db.session.expire_all()
    assert Role.MANAGER in db.session.get(User, middle.id).roles


def test_role_changes_are_audited_and_the_last_admin_stays(client, make_user, login_as):
    admin = make_user(Role.ADMIN, name="Eerste Beheerder")
    second = make_user(Role.ADMIN, name="Tweede Beheerder")
    person = make_user(Role.PARTICIPANT)
    login_as(admin)
    client.post(f"/beheer/gebruikers/{person.id}", data={"roles": ["participant", "hr"]})
    assert audit(person) == [(AuditAction.USER_ROLES_CHANGED.value, f"user:{person.id} +hr")]
    # The second administrator may lose the role while the first remains ...
    client.post(f"/beheer/gebruikers/{second.id}", data={"roles": ["participant"]})
    db.session.expire_all()
    assert db.session.get(User, second.id).roles == {Role.PARTICIPANT}
    # ... the first cannot drop their own.
    own = client.post(f"/beheer/gebruikers/{admin.id}", data={"roles": ["hr"]})
    assert "eigen beheerdersrol" in own.text


def test_the_only_active_administrator_keeps_the_role(app, make_user):
    """A guard under every path (pages, import, provisioning): an organisation is never left
    without an active administrator, also when the change comes from someone else."""
    only = make_user(Role.ADMIN, name="Enige Beheerder")
    hr = make_user(Role.HR)
    with app.test_request_context():
        try:
            services.change_roles(hr, only, {Role.PARTICIPANT})
        except services.AdminError as exc:
            assert "minstens één beheerder" in str(exc)
        else:
            raise AssertionError("the last administrator lost the role")
        try:
            services.deactivate(hr, only)
        except services.AdminError as exc:
            assert "minstens één beheerder" in str(exc)
        else:
            raise AssertionError("the last administrator was deactivated")
    db.session.rollback()
    assert Role.ADMIN in db.session.get(User, only.id).roles


def test_deactivate_asks_first_then_signs_out_and_reactivates(app, client, make_user, login_as):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.PARTICIPANT, name="Vertrekker")
    login_as(admin)
    confirm = client.get(f"/beheer/gebruikers/{person.id}/deactiveren")
    assert confirm.status_code == 200
    assert "Vertrekker deactiveren?" in confirm.text
    db.session.expire_all()
    assert db.session.get(User, person.id).is_active_account  # asking changes nothing
    done = client.post(f"/beheer/gebruikers/{person.id}/deactiveren")
    assert done.status_code == 302
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert not person.is_active_account
    assert [a for a, _ in audit(person)] == [AuditAction.ACCOUNT_DEACTIVATED.value]
    listed = client.get("/beheer/gebruikers?status=deactivated").text
    assert "Vertrekker" in listed
    # Their old session no longer works.
    theirs = app.test_client()
    with theirs.session_transaction() as session:
        session["_user_id"] = f"{person.id}:{person.credential_fingerprint}:0"
    assert theirs.get("/").status_code == 302
    # Own account: refused.
    own = client.post(f"/beheer/gebruikers/{admin.id}/deactiveren", follow_redirects=True)
    assert "eigen account niet deactiveren" in own.text
    client.post(f"/beheer/gebruikers/{person.id}/heractiveren")
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.is_active_account
    assert [a for a, _ in audit(person)][-1] == AuditAction.ACCOUNT_REACTIVATED.value


def test_invitations_are_audited(client, make_user, login_as, org):
    admin = make_user(Role.ADMIN)
    login_as(admin)
    client.post(
        "/beheer/gebruikers",
        data={
            "name": "Nieuw",
            "email": "nieuw@example.org",
            "department": 0,
            "manager": 0,
            "roles": ["participant"],
            "locale": "nl",
        },
    )
    user = db.session.scalar(select(User).where(User.email == "nieuw@example.org"))
    client.post(f"/beheer/gebruikers/{user.id}/uitnodiging")
    assert [a for a, _ in audit(user)] == [AuditAction.USER_INVITED.value] * 2
    sent = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient_user_id == user.id)
    ).all()
    assert len(sent) == 2


def test_admin_of_another_organisation_reaches_none_of_it(
    client, make_user, make_org, login_as, org
):
    target = make_user(Role.PARTICIPANT, name="Van Ons")
    department = org.departments[0]
    login_as(make_user(Role.ADMIN, organisation=make_org()))
    for method, path in [
        ("GET", f"/beheer/gebruikers/{target.id}"),
        ("POST", f"/beheer/gebruikers/{target.id}/gegevens"),
        ("GET", f"/beheer/gebruikers/{target.id}/deactiveren"),
        ("POST", f"/beheer/gebruikers/{target.id}/deactiveren"),
        ("POST", f"/beheer/gebruikers/{target.id}/heractiveren"),
        ("GET", f"/beheer/afdelingen/{department.id}"),
        ("POST", f"/beheer/afdelingen/{department.id}/verwijderen"),
    ]:
        assert client.open(path, method=method).status_code == 404, path
    assert "Van Ons" not in client.get("/beheer/gebruikers/export.csv").text
    assert "Van Ons" not in client.get("/privacy/gebruikers?q=ons").text
    db.session.expire_all()
    assert db.session.get(User, target.id).is_active_account


def test_a_manager_set_elsewhere_stays_while_other_details_change(client, make_user, login_as):
    """A manager provisioned without the manager role (or since deactivated) is kept as the
    current choice; only a new choice must follow the rules."""
    admin = make_user(Role.ADMIN)
    old_boss = make_user(Role.PARTICIPANT, name="Oude Baas")
    person = make_user(Role.PARTICIPANT, name="Piet", manager=old_boss)
    login_as(admin)
    assert "Oude Baas" in client.get(f"/beheer/gebruikers/{person.id}").text
    saved = client.post(
        f"/beheer/gebruikers/{person.id}/gegevens", data=details(person, name="Piet Puk")
    )
    assert saved.status_code == 302
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert (person.name, person.manager_id) == ("Piet Puk", old_boss.id)
