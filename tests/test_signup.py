"""Sign-up by work address: an organisation lists its domains; anyone with such an address
makes an account through a signed, expiring link and lands on the open cohorts: three screens
from the invitation to a seat."""

from __future__ import annotations

import re
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from learnpath.accounts import signup
from learnpath.accounts.models import OrganisationEmailDomain, Role, User
from learnpath.cohorts.models import Enrolment, EnrolmentStatus
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from tests.factories import make_cohort

PASSWORD = "een-goed-wachtwoord-7"


def _domain(org, domain="testdorp.nl"):
    signup.add_domain(org, domain)
    db.session.commit()


def _mails(kind: str, to: str) -> list[OutboxMessage]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == kind, OutboxMessage.recipient_email == to
            )
        )
    )


def _link(to: str) -> str:
    (mail,) = _mails("account.signup", to)
    match = re.search(r"http://localhost(/aanmelden/bevestigen/\S+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def _form(email="nieuw@testdorp.nl", name="Nina Nieuw", password=PASSWORD):
    return {"email": email, "name": name, "password": password, "confirm": password}


def test_three_screens_from_the_invitation_to_a_seat(client, org, make_user):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach, name="Loopbaan Voorjaar")
    _domain(org)
    screens = 0

    page = client.get("/aanmelden")  # screen 1: the link in the invitation mail
    screens += 1
    assert page.status_code == 200 and "Maak je account" in page.text
    sent = client.post("/aanmelden", data=_form(), follow_redirects=True)  # screen 2
    screens += 1
    assert "nieuw@testdorp.nl" in sent.text
    assert db.session.scalar(select(User).where(User.email == "nieuw@testdorp.nl")) is None

    landing = client.get(_link("nieuw@testdorp.nl"), follow_redirects=True)  # screen 3
    screens += 1
    assert "Loopbaan Voorjaar" in landing.text
    user = db.session.scalar(select(User).where(User.email == "nieuw@testdorp.nl"))
    assert user is not None
    assert (user.organisation_id, user.roles, user.name) == (
        org.id,
        {Role.PARTICIPANT},
        "Nina Nieuw",
    )

    seat = client.post(f"/trajecten/{cohort.id}/aanmelden")  # the button on screen 3
    assert seat.status_code == 302
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
    assert enrolment is not None and enrolment.status == EnrolmentStatus.ENROLLED
    assert screens == 3
    # The password chosen on screen 1 is the one to sign in with.
    client.post("/logout")
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )


def test_the_link_works_once_and_expires(client, org):
    _domain(org)
    client.post("/aanmelden", data=_form())
    link = _link("nieuw@testdorp.nl")
    with freeze_time(utcnow() + timedelta(hours=49)):
        expired = client.get(link)
    assert expired.status_code == 400 and "verlopen" in expired.text
    assert client.get(link).status_code == 302
    again = client.get(link)
    assert again.status_code == 400
    assert client.get("/aanmelden/bevestigen/not-a-token").status_code == 400


def test_an_address_outside_the_domains_is_refused_with_the_input_kept(client, org):
    _domain(org)
    page = client.post("/aanmelden", data=_form(email="iemand@elders.nl"))
    assert page.status_code == 400
    assert "HR" in page.text and 'value="Nina Nieuw"' in page.text
    assert _mails("account.signup", "iemand@elders.nl") == []
    weak = client.post("/aanmelden", data=_form(password="aaaaaaaaaaaa"))
    assert weak.status_code == 400 and "raden" in weak.text


def test_an_existing_account_gets_a_mail_and_the_page_says_the_same(client, org, make_user):
    _domain(org)
    make_user(Role.PARTICIPANT, email="bestaand@testdorp.nl")
    answer = client.post("/aanmelden", data=_form(email="bestaand@testdorp.nl"))
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/aanmelden/verstuurd")
    assert _mails("account.signup", "bestaand@testdorp.nl") == []
    assert len(_mails("account.signup_exists", "bestaand@testdorp.nl")) == 1


def test_sign_ups_from_one_source_are_limited(client, org, app):
    _domain(org)
    app.config["SIGNUP_MAX_PER_SOURCE"] = 2
    for n in range(2):
        assert client.post("/aanmelden", data=_form(email=f"n{n}@testdorp.nl")).status_code == 302
    limited = client.post("/aanmelden", data=_form(email="n9@testdorp.nl"))
    assert limited.status_code == 429 and "Retry-After" in limited.headers


def test_admin_lists_domains_for_their_own_organisation_only(
    client, org, make_org, make_user, login_as
):
    admin = make_user(Role.ADMIN)
    login_as(admin)
    assert client.post("/beheer/e-maildomeinen", data={"domain": "@Testdorp.NL"}).status_code == 302
    page = client.get("/beheer/e-maildomeinen")
    assert "testdorp.nl" in page.text and "/aanmelden" in page.text
    public = client.post("/beheer/e-maildomeinen", data={"domain": "gmail.com"})
    assert public.status_code == 400 and "gmail.com" in public.text
    nonsense = client.post("/beheer/e-maildomeinen", data={"domain": "niet een domein"})
    assert nonsense.status_code == 400

    other = make_org("Gemeente Elders")
    taken = signup.add_domain(other, "elders.nl")
    db.session.commit()
    refused = client.post("/beheer/e-maildomeinen", data={"domain": "elders.nl"})
    assert refused.status_code == 400 and "andere organisatie" in refused.text
    assert client.get(f"/beheer/e-maildomeinen/{taken.id}/verwijderen").status_code == 404
    assert (
        client.post(
            f"/beheer/e-maildomeinen/{taken.id}/verwijderen", data={"confirm": "y"}
        ).status_code
        == 404
    )

    mine = db.session.scalar(
        select(OrganisationEmailDomain).where(OrganisationEmailDomain.domain == "testdorp.nl")
    )
    assert mine is not None
    unconfirmed = client.post(f"/beheer/e-maildomeinen/{mine.id}/verwijderen", data={})
    assert unconfirmed.status_code == 400
    removed = client.post(f"/beheer/e-maildomeinen/{mine.id}/verwijderen", data={"confirm": "y"})
    assert removed.status_code == 302
    assert [d.domain for d in signup.domains_of(org)] == []
