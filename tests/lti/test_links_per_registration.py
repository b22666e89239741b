"""Issue #25 point 6: user links belong to (registration, deployment, sub), not to the issuer."""

from __future__ import annotations

from sqlalchemy import select

from learnpath.extensions import db
from learnpath.lti import services
from learnpath.lti.models import UserLink
from tests.lti.platform import LEARNER


def test_another_organisation_registering_the_same_issuer_cannot_lock_out_its_users(
    client, launch, lti, make_org
):
    # Organisation A's learner launches (Moodle subs are small integers).
    first = launch(lti.platform.prepare_launch("2", [LEARNER], email="echt@example.org"))
    assert first.status_code in (200, 302)
    real = db.session.scalar(select(UserLink))

    # Organisation B registers A's issuer with its own client id and guesses subs.
    other = services.save_registration(
        make_org(),
        services.RegistrationData(
            name="Zelfde Moodle",
            issuer=lti.platform.issuer,
            client_id="someone-elses-client",
            deployment_ids=[lti.platform.deployment_id],
            auth_login_url=lti.platform.url + "/auth",
            auth_token_url=lti.platform.url + "/token",
            key_set_url=lti.platform.url + "/jwks",
        ),
    )
    for sub in ("1", "2", "3"):
        services.resolve_user(
            other,
            lti.platform.deployment_id,
            services.Person(sub, None, "X", frozenset({services.Role.PARTICIPANT})),
        )
    db.session.commit()

    # A's real learner still gets in, as themselves.
    client.post("/logout")
    again = launch(lti.platform.prepare_launch("2", [LEARNER], email="echt@example.org"))
    assert again.status_code in (200, 302), again.text
    with client.session_transaction() as session:
        assert session["_user_id"].split(":")[0] == str(real.user_id)
    assert (
        db.session.scalar(
            select(UserLink).where(UserLink.registration_id == other.id, UserLink.sub == "2")
        ).user_id
        != real.user_id
    )


def test_the_same_sub_in_another_deployment_is_another_link(lti):
    person = services.Person("7", None, "Zeven", frozenset({services.Role.PARTICIPANT}))
    one = services.resolve_user(lti.registration, "deployment-1", person)
    two = services.resolve_user(lti.registration, "deployment-2", person)
    assert one is not two
    assert len(db.session.scalars(select(UserLink)).all()) == 2
