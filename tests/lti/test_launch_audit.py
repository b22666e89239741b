"""The audit event of a sign-in from a learning platform (``lti.launch_sign_in``) is written when
the sign-in completes: after the second step for those who have one, never for a launch whose
second step is not done (issue 18)."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select, update

from learnpath.accounts.mfa_models import TotpCredential
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.lti.models import UserLink
from learnpath.privacy.models import AuditAction, AuditEvent
from tests.lti.platform import ADMINISTRATOR, LEARNER


def _launches() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.LTI_LAUNCH_SIGN_IN.value)
        )
    )


def _code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(utcnow()))


def test_the_launch_is_logged_once_the_second_step_is_done(client, launch, lti):
    response = launch(lti.platform.prepare_launch("admin-1", [ADMINISTRATOR]))
    assert response.headers["Location"] == "/tweede-stap/instellen"
    assert _launches() == []  # not signed in yet: nothing logged
    page = client.get("/tweede-stap/instellen")
    secret = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
    assert client.post("/tweede-stap/instellen", data={"code": "000000"}).status_code == 200
    assert _launches() == []
    client.post("/tweede-stap/instellen", data={"code": _code(secret)})
    person = db.session.scalar(select(UserLink).where(UserLink.sub == "admin-1")).user
    logged = _launches()
    assert [(e.actor_id, e.subject_user_id) for e in logged] == [(person.id, person.id)]
    assert logged[0].object_ref == f"lti_registration:{lti.registration.id}"

    # The next launch asks a code; a wrong one or none logs nothing, the right one logs it.
    db.session.execute(update(TotpCredential).values(last_step=0))
    db.session.commit()
    client.post("/logout")
    response = launch(lti.platform.prepare_launch("admin-1", [ADMINISTRATOR]))
    assert response.headers["Location"] == "/tweede-stap"
    client.post("/tweede-stap", data={"code": "000000"})
    assert len(_launches()) == 1
    client.post("/tweede-stap", data={"code": _code(secret)})
    assert len(_launches()) == 2
    # The marker never stays in the signed-in session.
    with client.session_transaction() as session:
        assert "_sign_in_audit" not in session


def test_a_launch_without_a_second_step_is_logged_at_once(client, launch, lti):
    launch(lti.platform.prepare_launch("learner-1", [LEARNER], email="leerling@example.org"))
    launch(lti.platform.prepare_launch("learner-1", [LEARNER], email="leerling@example.org"))
    assert len(_launches()) == 2
    with client.session_transaction() as session:
        assert "_sign_in_audit" not in session and "_user_id" in session
