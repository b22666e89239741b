"""Messages to a cohort: written with a preview, sent once per recipient through the outbox with
the facilitator as Reply-To, archived on the cohort page and readable by the right people."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from learnpath.accounts.models import Role
from learnpath.cohorts import services as cohort_services
from learnpath.cohorts.models import EnrolmentStatus
from learnpath.extensions import db
from learnpath.messages.models import CohortMessage
from learnpath.notifications.mime import build_message
from learnpath.notifications.models import OutboxMessage
from tests.factories import make_cohort


@pytest.fixture
def full(org, make_user):
    """A cohort of 4 with 2 seated participants, 1 waitlisted (after filling), a coach."""
    coach = make_user(Role.FACILITATOR, name="Carla Coach", email="carla@example.org")
    cohort = make_cohort(org, coach, capacity=4, name="Voorjaar")
    seated = [make_user(Role.PARTICIPANT, name=f"Zitter {i}") for i in range(4)]
    for person in seated:
        cohort_services.sign_up(cohort, person)
    waiting = make_user(Role.PARTICIPANT, name="Wachter Een")
    enrolment = cohort_services.sign_up(cohort, waiting)
    db.session.commit()
    assert enrolment.status == EnrolmentStatus.WAITLISTED
    return coach, cohort, seated, waiting


def _form(audience="cohort", subject="Huiswerk", body="Lees **dit** vóór de sessie.", **extra):
    return {
        "token": uuid.uuid4().hex,
        "audience": audience,
        "subject": subject,
        "body": body,
        "body_format": "markdown",
        **extra,
    }


def _outbox(kind="cohorts.message"):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()


def test_preview_then_send_once_to_everyone_with_reply_to_the_coach(client, login_as, full):
    coach, cohort, seated, waiting = full
    login_as(coach)
    page = client.get(f"/cohorten/{cohort.id}")
    assert "Bericht sturen" in page.text and "Nog geen berichten verstuurd." in page.text
    assert "Bericht sturen" in client.get(f"/cohorten/{cohort.id}/berichten/nieuw").text

    data = _form(body="Lees **dit** <script>alert(1)</script> [x](javascript:alert(2))")
    preview = client.post(f"/cohorten/{cohort.id}/berichten/nieuw", data={**data, "preview": "1"})
    assert preview.status_code == 200 and "Controleer je bericht" in preview.text
    assert "<strong>dit</strong>" in preview.text and "&lt;script&gt;" in preview.text
    assert 'href="javascript' not in preview.text and "<a>x</a>" in preview.text
    assert "Het gaat naar 4 personen" in preview.text
    assert _outbox() == []  # a preview sends nothing

    sent = client.post(f"/cohorten/{cohort.id}/berichten/nieuw", data={**data, "send": "1"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("#berichten")
    again = client.post(
        f"/cohorten/{cohort.id}/berichten/nieuw", data={**data, "send": "1"}, follow_redirects=True
    )
    assert "niet nog eens verstuurd" in again.text

    mails = _outbox()
    assert sorted(m.recipient_user_id for m in mails) == sorted(p.id for p in seated)
    assert {m.reply_to for m in mails} == {"carla@example.org"}
    assert all(m.subject == "Huiswerk" for m in mails)
    assert "&lt;script&gt;" in mails[0].body_html and "<script>" not in mails[0].body_html
    email = build_message(mails[0], "learnpath <noreply@example.org>")
    assert email["Reply-To"] == "carla@example.org"
    assert db.session.scalar(select(func.count()).select_from(CohortMessage)) == 1

    archive = client.get(f"/cohorten/{cohort.id}").text
    assert "Huiswerk" in archive and "Iedereen in de groep" in archive and "4 ontvangers" in archive


def test_members_read_whole_group_messages_also_after_joining_later(
    client, login_as, full, make_user
):
    coach, cohort, seated, waiting = full
    login_as(coach)
    client.post(
        f"/cohorten/{cohort.id}/berichten/nieuw",
        data={**_form(subject="Voor iedereen"), "send": "1"},
    )
    client.post(
        f"/cohorten/{cohort.id}/berichten/nieuw",
        data={**_form(audience="waitlist", subject="Even geduld"), "send": "1"},
    )
    client.post(
        f"/cohorten/{cohort.id}/berichten/nieuw",
        data={
            **_form(audience="selected", subject="Alleen jij", people=[seated[0].id]),
            "send": "1",
        },
    )
    assert len(_outbox()) == 4 + 1 + 1

    login_as(seated[0])
    mine = client.get("/mijn-traject").text
    assert "Voor iedereen" in mine and "Alleen jij" in mine and "Even geduld" not in mine
    login_as(seated[1])
    mine = client.get("/mijn-traject").text
    assert "Voor iedereen" in mine and "Alleen jij" not in mine
    login_as(waiting)
    mine = client.get("/mijn-traject").text
    assert "Even geduld" in mine and "Voor iedereen" not in mine

    # A seat frees up: the first on the waitlist moves up and now reads the earlier message.
    cohort_services.withdraw(cohort_services_enrolment(cohort, seated[3]))
    db.session.commit()
    mine = client.get("/mijn-traject").text
    assert "Voor iedereen" in mine and "Even geduld" in mine


def cohort_services_enrolment(cohort, user):
    return next(e for e in cohort.enrolments if e.user_id == user.id)


def test_refusals_keep_the_input_and_send_nothing(client, login_as, full, make_user, make_org):
    coach, cohort, _seated, waiting = full
    url = f"/cohorten/{cohort.id}/berichten/nieuw"
    login_as(coach)
    for subject in ("Twee\r\nregels", "Bcc: x\nOnderwerp"):
        response = client.post(
            url, data={**_form(subject=subject, body="Mijn tekst blijft staan"), "send": "1"}
        )
        assert response.status_code == 200
        assert "zonder regeleinden" in response.text and "Mijn tekst blijft staan" in response.text
    none = client.post(url, data={**_form(audience="selected"), "send": "1"})
    assert none.status_code == 200 and "Kies minstens één persoon." in none.text
    stranger = client.post(url, data={**_form(audience="selected", people=["999999"]), "send": "1"})
    assert stranger.status_code == 200
    cohort_services.withdraw(cohort_services_enrolment(cohort, waiting))
    db.session.commit()
    empty = client.post(url, data={**_form(audience="waitlist"), "preview": "1"})
    assert empty.status_code == 200 and "In deze groep zit niemand." in empty.text
    assert _outbox() == []

    # Other coaches, also of another organisation, can neither write nor read.
    client.post(url, data={**_form(subject="Geheim"), "send": "1"})
    for person in (
        make_user(Role.FACILITATOR),
        make_user(Role.FACILITATOR, organisation=make_org("Elders")),
    ):
        login_as(person)
        assert client.get(url).status_code == 404
        assert client.post(url, data={**_form(), "send": "1"}).status_code == 404
    login_as(make_user(Role.PARTICIPANT))
    assert "Geheim" not in client.get("/mijn-traject").text
    assert len(_outbox()) == 4


def test_manager_group_members_read_their_messages(client, login_as, org, make_user):
    from tests.manager_tracks.helpers import make_group

    coach = make_user(Role.FACILITATOR)
    managers = [make_user(Role.MANAGER, name=f"Manager {i}") for i in range(4)]
    group = make_group(org, coach, managers)
    login_as(coach)
    sent = client.post(
        f"/cohorten/{group.id}/berichten/nieuw", data={**_form(subject="Casus mee"), "send": "1"}
    )
    assert sent.status_code == 302
    assert len(_outbox()) == 4
    # The group's roster exports like a cohort's.
    roster = client.get(f"/cohorten/{group.id}/deelnemerslijst.csv")
    assert roster.status_code == 200 and "Manager 0" in roster.data.decode("utf-8-sig")
    login_as(managers[0])
    page = client.get(f"/leidinggevenden/groepen/{group.id}")
    assert page.status_code == 200 and "Casus mee" in page.text


def test_the_outbox_sets_reply_to_only_when_a_message_has_one():
    from datetime import UTC, datetime

    row = OutboxMessage(
        recipient_email="a@example.org",
        subject="Onderwerp",
        body_text="Tekst",
        body_html=None,
        message_id="<1@example.org>",
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert "Reply-To" not in build_message(row, "noreply@example.org")
    row.reply_to = "coach@example.org\r\nBcc: x@example.org"
    with pytest.raises(ValueError):
        build_message(row, "noreply@example.org")  # an address is one line, or nothing is sent
