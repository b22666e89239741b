"""Issue #25 points 1 and 2: a launch never takes over an existing account by its email."""

from __future__ import annotations

from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.extensions import db
from learnpath.lti import services
from learnpath.lti.models import AdminRoleMapping, LinkMethod, UserLink
from learnpath.privacy.models import AuditEvent
from tests.conftest import TEST_PASSWORD
from tests.lti.conftest import Lti
from tests.lti.helpers import assert_refused, links, users
from tests.lti.platform import LEARNER, TestPlatform


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _no_email_linking(lti: Lti) -> None:
    lti.registration.admin_role = AdminRoleMapping.NONE
    lti.registration.link_by_email = False
    db.session.commit()


def test_a_learner_launch_with_the_admins_email_does_not_sign_in_as_the_admin(
    client, launch, lti, make_user
):
    _no_email_linking(lti)
    admin = make_user(Role.ADMIN, email="beheer@example.org")
    before = users()
    response = launch(lti.platform.prepare_launch("intruder", [LEARNER], email=admin.email))
    assert_refused(client, response, before)
    assert response.status_code == 403 and "koppelen" in response.text
    assert client.get("/beheer/leerplatforms").status_code in (302, 401, 403)
    assert db.session.get(type(admin), admin.id).roles == {Role.ADMIN}  # no roles added


def test_email_linking_is_off_by_default_for_new_registrations(org):
    registration = services.save_registration(
        org,
        services.RegistrationData(
            name="Nieuw",
            issuer="https://moodle.example.org",
            client_id="c",
            auth_login_url="https://moodle.example.org/auth",
            auth_token_url="https://moodle.example.org/token",
            key_set_url="https://moodle.example.org/jwks",
            deployment_ids=["1"],
        ),
    )
    assert registration.link_by_email is False


def test_with_the_opt_in_the_owner_must_sign_in_once_to_link(client, launch, lti, make_user):
    lti.registration.link_by_email = True
    db.session.commit()
    person = make_user(Role.PARTICIPANT, email="sam@example.org")
    before = users()
    response = launch(lti.platform.prepare_launch("sam-sub", [LEARNER], email="Sam@Example.org"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/lti/account-koppelen")
    assert links() == 0 and users() == before
    with client.session_transaction() as session:
        assert "_user_id" not in session  # nobody is signed in yet
    page = client.get("/lti/account-koppelen")
    assert page.status_code == 200 and "sam@example.org" in page.text
    assert client.get("/mijn-traject").status_code in (302, 401)

    wrong = client.post("/lti/account-koppelen", data={"password": "not-it"})
    assert wrong.status_code == 400 and links() == 0
    with client.session_transaction() as session:
        assert "_user_id" not in session

    right = client.post("/lti/account-koppelen", data={"password": TEST_PASSWORD})
    assert right.status_code in (200, 302)
    link = db.session.scalar(select(UserLink))
    assert link.user_id == person.id and link.method == LinkMethod.CONFIRMED
    assert [e.subject_user_id for e in _audit("lti.link_confirmed")] == [person.id]
    shown = client.get("/account/leerplatforms")
    assert shown.status_code == 200 and lti.registration.name in shown.text
    assert "Je hebt ingelogd om te bevestigen" in shown.text

    # From now on the platform signs this person in directly, and each such launch is logged.
    client.post("/logout")
    again = launch(lti.platform.prepare_launch("sam-sub", [LEARNER], email="sam@example.org"))
    assert again.status_code in (200, 302)
    assert len(_audit("lti.launch_sign_in")) == 1


def test_an_admin_account_is_never_linked_without_its_password(client, launch, lti, make_user):
    lti.registration.link_by_email = True
    lti.registration.admin_role = AdminRoleMapping.NONE
    db.session.commit()
    admin = make_user(Role.ADMIN, Role.HR, email="beheer@example.org")
    response = launch(lti.platform.prepare_launch("intruder", [LEARNER], email=admin.email))
    assert response.headers["Location"].endswith("/lti/account-koppelen")
    assert client.get("/beheer/leerplatforms").status_code in (302, 401, 403)
    for _ in range(3):
        client.post("/lti/account-koppelen", data={"password": "guess"})
    assert links() == 0
    assert client.get("/beheer/leerplatforms").status_code in (302, 401, 403)


def test_a_pending_link_expires_and_cannot_be_moved_to_another_browser(
    app, client, launch, lti, make_user
):
    lti.registration.link_by_email = True
    db.session.commit()
    make_user(Role.PARTICIPANT, email="sam@example.org")
    launch(lti.platform.prepare_launch("sam-sub", [LEARNER], email="sam@example.org"))
    other_browser = app.test_client()
    response = other_browser.post("/lti/account-koppelen", data={"password": TEST_PASSWORD})
    assert response.status_code == 400 and links() == 0
    with client.session_transaction() as session:
        session["lti_pending_link"]["until"] = 0
    response = client.post("/lti/account-koppelen", data={"password": TEST_PASSWORD})
    assert response.status_code == 400 and links() == 0


def test_an_admins_self_made_platform_cannot_impersonate_a_participant(
    client, app, org, make_user, login_as
):
    """Point 2: an admin registers a platform whose keys they hold and launches as Sam."""
    participant = make_user(Role.PARTICIPANT, email="sam@example.org")
    admin = make_user(Role.ADMIN, email="beheer@example.org")
    app.config["LTI_ALLOW_HTTP_LOOPBACK"] = True
    from learnpath.lti import keys

    keys.rotate_key()
    db.session.commit()
    with TestPlatform(lambda: {"keys": []}) as own:
        login_as(admin)
        values = own.registration_values()
        data = {
            "name": "Eigen platform",
            "deployment_ids": own.deployment_id,
            "admin_role": "none",
            **values,
        }
        # Even with the opt-in ticked, the email only leads to a password prompt.
        data["link_by_email"] = "y"
        assert client.post("/beheer/leerplatforms/nieuw", data=data).status_code == 302
        assert _audit("lti.registration_created")[0].actor_id == admin.id
        client.post("/logout")
        from tests.lti.platform import parse_auth_form

        hint = own.prepare_launch("forged", [LEARNER], email=participant.email)
        start = client.get(
            "/lti/login",
            query_string={"iss": own.issuer, "login_hint": hint, "client_id": own.client_id},
        )
        import requests

        form = parse_auth_form(requests.get(start.headers["Location"], timeout=10).text)
        response = client.post("/lti/launch", data=form)
        assert response.headers["Location"].endswith("/lti/account-koppelen")
        assert client.get("/mijn-traject").status_code in (302, 401)
        assert links() == 0


def test_registration_changes_are_audited(client, lti, make_user, login_as):
    admin = make_user(Role.ADMIN)
    login_as(admin)
    values = lti.platform.registration_values()
    data = {
        "name": "Moodle van de gemeente",
        "deployment_ids": lti.platform.deployment_id,
        "admin_role": "admin",
        **values,
    }
    response = client.post(f"/beheer/leerplatforms/{lti.registration.id}", data=data)
    assert response.status_code == 302
    (event,) = _audit("lti.registration_changed")
    assert event.actor_id == admin.id and "admin_role" in event.object_ref


def test_roster_import_never_links_an_existing_account(client, launch, lti, org, make_user):
    from tests.factories import make_cohort
    from tests.lti.test_launch import _bind

    facilitator = make_user(Role.FACILITATOR, email="f@example.org")
    cohort = make_cohort(org, facilitator)
    _bind(client, launch, lti, facilitator, cohort)
    make_user(Role.ADMIN, email="beheer@example.org")
    lti.platform.members = [
        {"user_id": "x1", "name": "Beheer?", "email": "beheer@example.org", "roles": [LEARNER]},
        {"user_id": "x2", "name": "Nieuw", "email": "nieuw@example.org", "roles": [LEARNER]},
    ]
    from learnpath.lti.models import ResourceLink

    link_id = db.session.scalar(select(ResourceLink.id))
    client.post(f"/cohorten/{cohort.id}/leerplatform/{link_id}/deelnemers")
    linked = {link.sub for link in db.session.scalars(select(UserLink))}
    assert "x1" not in linked and "x2" in linked
