"""An administrator resets a lost authenticator from the user's page (asked first, own
organisation only, audited, the person told by mail); every change of a second factor is in
the audit log, in Dutch."""

from __future__ import annotations

import pyotp
from sqlalchemy import select

from learnpath.accounts import mfa
from learnpath.accounts.models import Role, User
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from learnpath.privacy.models import AuditAction, AuditEvent
from tests.conftest import TEST_PASSWORD


def _events(subject: User) -> list[tuple[str, int, str]]:
    return [
        (e.action, e.actor_id, e.object_ref)
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_user_id == subject.id)
            .order_by(AuditEvent.id)
        )
    ]


def _enrolled(user: User) -> str:
    secret = pyotp.random_base32()
    mfa.enrol_with_secret(user, secret)
    db.session.commit()
    return secret


def _code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(utcnow()))


def test_an_admin_resets_a_lost_authenticator_after_confirming(app, client, make_user, login_as):
    admin = make_user(Role.ADMIN)
    hr = make_user(Role.HR, name="Hanna HR")
    _enrolled(hr)
    phone = app.test_client()  # the lost phone, still signed in as HR
    with phone.session_transaction() as session:
        session["_user_id"] = hr.get_id()
        session["_fresh"] = True
    assert phone.get("/").status_code == 200
    login_as(admin)
    page = client.get(f"/beheer/gebruikers/{hr.id}").text
    assert "Hanna HR heeft een authenticator-app." in page
    assert "Tweestapsverificatie herstellen…" in page
    confirm = client.get(f"/beheer/gebruikers/{hr.id}/tweestapsverificatie")
    assert confirm.status_code == 200
    assert "Tweestapsverificatie van Hanna HR herstellen?" in confirm.text
    db.session.expire_all()
    assert mfa.is_enrolled(hr)  # asking changes nothing
    done = client.post(f"/beheer/gebruikers/{hr.id}/tweestapsverificatie", follow_redirects=True)
    assert "De authenticator van Hanna HR is verwijderd" in done.text
    assert "stelt die in bij de volgende keer inloggen" in done.text
    db.session.expire_all()
    assert not mfa.is_enrolled(hr)
    assert phone.get("/").status_code == 302  # its session has ended
    assert _events(hr) == [(AuditAction.MFA_RESET.value, admin.id, f"user:{hr.id} admin")]
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_user_id == hr.id))
    assert mail.kind == "account.mfa_reset"
    assert mail.subject == "De authenticator van je learnpath-account is verwijderd"
    assert "stel je tweestapsverificatie opnieuw in" in mail.body_text
    # The next sign-in sets up a new authenticator.
    signed = app.test_client().post("/login", data={"email": hr.email, "password": TEST_PASSWORD})
    assert signed.headers["Location"] == "/tweede-stap/instellen"
    # The audit log says so in Dutch.
    assert "Tweestapsverificatie hersteld" in client.get("/privacy/auditlog").text


def test_the_reset_is_for_the_own_organisation_and_not_for_oneself(
    client, make_user, make_org, login_as
):
    admin = make_user(Role.ADMIN)
    _enrolled(admin)
    person = make_user(Role.PARTICIPANT)
    _enrolled(person)
    login_as(make_user(Role.ADMIN, organisation=make_org()))
    for method in ("get", "post"):
        response = getattr(client, method)(f"/beheer/gebruikers/{person.id}/tweestapsverificatie")
        assert response.status_code == 404
    login_as(admin)
    own = client.post(f"/beheer/gebruikers/{admin.id}/tweestapsverificatie")
    assert own.status_code == 302
    assert (
        "Tweestapsverificatie herstellen…" not in client.get(f"/beheer/gebruikers/{admin.id}").text
    )
    db.session.expire_all()
    assert mfa.is_enrolled(person) and mfa.is_enrolled(admin)
    assert _events(person) == [] and _events(admin) == []


def test_set_up_recovery_code_removal_and_cli_reset_are_audited(
    client, runner, make_user, login_as
):
    person = make_user(Role.PARTICIPANT)
    secret = mfa.start_enrolment(person)
    codes = mfa.confirm_enrolment(person, _code(secret))
    db.session.commit()
    assert mfa.verify(person, codes[0], "198.51.100.1")
    db.session.commit()
    mfa.disable(person)
    mfa.disable(person)  # nothing left: no second event
    db.session.commit()
    _enrolled(person)
    result = runner.invoke(args=["users", "reset-mfa", person.email])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["users", "reset-mfa", person.email])
    assert "nothing to reset" in again.output
    me = f"user:{person.id}"
    assert _events(person) == [
        (AuditAction.MFA_SET_UP.value, person.id, me),
        (AuditAction.MFA_RECOVERY_CODE_USED.value, person.id, me),
        (AuditAction.MFA_REMOVED.value, person.id, me),
        (AuditAction.MFA_RESET.value, person.id, f"{me} cli system"),
    ]
    login_as(make_user(Role.ADMIN))
    log = client.get("/privacy/auditlog").text
    for label in (
        "Tweestapsverificatie ingesteld",
        "Ingelogd met een herstelcode",
        "Authenticator-app verwijderd",
        "Tweestapsverificatie hersteld",
    ):
        assert label in log


def test_a_reset_during_the_code_step_ends_that_step_and_signing_in_sets_up_again(app, make_user):
    """The reset ends every session of the person, the half-finished sign-in included (it may
    be whoever has the lost phone): they sign in again and then set up a new authenticator."""
    hr = make_user(Role.HR)
    _enrolled(hr)
    browser = app.test_client()
    waiting = browser.post("/login", data={"email": hr.email, "password": TEST_PASSWORD})
    assert waiting.headers["Location"] == "/tweede-stap"
    mfa.reset(hr, by=make_user(Role.ADMIN))
    db.session.commit()
    assert browser.get("/tweede-stap").headers["Location"].startswith("/login")
    again = browser.post("/login", data={"email": hr.email, "password": TEST_PASSWORD})
    assert again.headers["Location"] == "/tweede-stap/instellen"
