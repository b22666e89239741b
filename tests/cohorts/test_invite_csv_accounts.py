"""Inviting people by CSV (issue 20, point 10): addresses without an account get an invitation
to create one (only at the organisation's email domains), the department column is honoured,
a malformed address is "not an email address", and a sign-up window entirely in the past gets a
warning on the settings form."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import select

from learnpath.accounts import signup
from learnpath.accounts.models import Department, Role, User
from learnpath.cohorts.models import CohortInvitation, Enrolment, EnrolmentStatus
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from tests.factories import make_cohort

PASSWORD = "een-goed-wachtwoord-7"


def _upload(client, cohort, text: str):
    return client.post(
        f"/cohorten/{cohort.id}/uitnodigen-csv",
        data={"file": (io.BytesIO(text.encode()), "lijst.csv")},
        content_type="multipart/form-data",
    )


def _mails(kind: str, to: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == kind, OutboxMessage.recipient_email == to
            )
        )
    )


def test_people_without_an_account_are_invited_to_create_one(
    client, org, make_org, make_user, login_as
):
    coach = make_user(Role.FACILITATOR, name="Carla Coach")
    cohort = make_cohort(org, coach, name="Loopbaan Voorjaar")
    signup.add_domain(org, "testdorp.nl")
    signup.add_domain(make_org(), "elders.nl")  # a domain of an organisation not invited
    db.session.add(Department(organisation_id=org.id, name="Sociaal Domein"))
    db.session.commit()
    login_as(coach)
    page = _upload(
        client,
        cohort,
        "E-mailadres;Naam;Afdeling\n"
        "nieuw@testdorp.nl;Nina Nieuw;sociaal domein\n"
        "iemand@elders.nl;Iemand;\n"
        "jan@@testdorp.nl;Jan;\n"
        "nieuw@testdorp.nl;Nina Nieuw;\n",
    ).text
    assert "nieuw@testdorp.nl: nog geen account; er is een uitnodiging verstuurd" in page
    assert "iemand@elders.nl: geen account met dit e-mailadres, en het adres hoort niet" in page
    assert "jan@@testdorp.nl" in page and "geen e-mailadres" in page
    (mail,) = _mails("cohort.account_invitation", "nieuw@testdorp.nl")
    assert "Carla Coach nodigt je uit" in mail.body_text and "/aanmelden" in mail.body_text
    assert _mails("cohort.account_invitation", "iemand@elders.nl") == []
    # A second list does not send a second invitation; the cohort page lists who is waiting.
    again = _upload(client, cohort, "nieuw@testdorp.nl\n").text
    assert "al uitgenodigd om een account aan te maken" in again
    assert "nieuw@testdorp.nl" in client.get(f"/cohorten/{cohort.id}").text

    # The person signs up with that address: the invitation waits for them, department set.
    client.post("/logout")
    client.post(
        "/aanmelden",
        data={
            "email": "nieuw@testdorp.nl",
            "name": "Nina Nieuw",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    (confirm,) = _mails("account.signup", "nieuw@testdorp.nl")
    link = re.search(r"http://localhost(/aanmelden/bevestigen/\S+)", confirm.body_text)
    assert link
    client.get(link.group(1))
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "nieuw@testdorp.nl"))
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
    assert enrolment.cohort_id == cohort.id and enrolment.status == EnrolmentStatus.INVITED
    assert user.department.name == "Sociaal Domein"
    assert db.session.scalar(select(CohortInvitation)) is None  # the account holds it now


def test_the_department_column_for_existing_accounts(client, org, make_user, login_as):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach)
    finance = Department(organisation_id=org.id, name="Financiën")
    db.session.add(finance)
    db.session.commit()
    plain = make_user(Role.PARTICIPANT, email="zonder@example.org")
    placed = make_user(Role.PARTICIPANT, email="met@example.org")
    plain.department = None
    placed.department = Department(organisation_id=org.id, name="Sociaal Domein")
    db.session.commit()
    login_as(coach)
    page = _upload(
        client,
        cohort,
        "email,department\n"
        "zonder@example.org,Financiën\n"
        "met@example.org,Financiën\n"
        "ander@example.org,Onbekend\n",
    ).text
    assert "zonder@example.org: uitgenodigd. Afdeling ingesteld: Financiën." in page
    assert "Het account houdt zijn eigen afdeling." in page
    db.session.expire_all()
    assert db.session.get(User, plain.id).department_id == finance.id
    assert db.session.get(User, placed.id).department.name == "Sociaal Domein"


def test_a_sign_up_window_in_the_past_gets_a_warning(client, org, make_user, login_as):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach)
    login_as(coach)
    url = f"/cohorten/{cohort.id}/instellingen"
    assert "aanmeldperiode ligt helemaal in het verleden" not in client.get(url).text
    past = (utcnow() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    older = (utcnow() - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    form = {
        "name": cohort.name,
        "capacity": "12",
        "signup_opens_at": older,
        "signup_closes_at": past,
        "signup_mode": "open",
        "open_to": str(org.id),
        "facilitators": str(coach.id),
    }
    saved = client.post(url, data=form, follow_redirects=True)
    assert "aanmeldperiode ligt helemaal in het verleden" in saved.text
    assert "aanmeldperiode ligt helemaal in het verleden" in client.get(url).text


def test_an_account_made_by_scim_takes_up_the_waiting_invitation(client, org, make_user, login_as):
    from learnpath.scim import services as scim

    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach)
    signup.add_domain(org, "testdorp.nl")
    db.session.commit()
    login_as(coach)
    _upload(client, cohort, "E-mailadres;Naam\nvia.scim@testdorp.nl;Sam Scim\n")
    assert db.session.scalar(select(CohortInvitation)) is not None
    user, _identity = scim.create_user(
        org,
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "via.scim@testdorp.nl",
            "name": {"givenName": "Sam", "familyName": "Scim"},
            "emails": [{"value": "via.scim@testdorp.nl", "type": "work", "primary": True}],
            "active": True,
        },
        None,
    )
    db.session.commit()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
    assert enrolment is not None and enrolment.status == EnrolmentStatus.INVITED
    assert db.session.scalar(select(CohortInvitation)) is None
