"""Enrolment through the UI: sign-up, waitlist, withdrawal, promotion, invitations."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.cohorts import services
from learnpath.cohorts.models import DropoutReason, Enrolment, EnrolmentStatus, SignupMode
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from tests.factories import make_cohort, plan


@pytest.fixture
def coach(make_user):
    return make_user(Role.FACILITATOR, name="Carla Coach")


def status_of(user, cohort):
    return db.session.scalar(
        select(Enrolment.status).where(
            Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id
        )
    )


def test_participant_signs_up_and_sees_sessions_with_join_link(
    client, org, coach, make_user, login_as
):
    cohort = make_cohort(org, coach, name="Najaar 2026")
    plan(cohort, coach)
    person = make_user(Role.PARTICIPANT)
    login_as(person)
    page = client.get("/trajecten")
    assert "Najaar 2026" in page.text and "12 van 12 plaatsen vrij" in page.text
    response = client.post(f"/trajecten/{cohort.id}/aanmelden")
    assert response.status_code == 302
    mine = client.get("/mijn-traject").text
    assert "Ingeschreven" in mine
    assert "Introductiesessie" in mine and "Verdiepingssessie" in mine and "Actiesessie" in mine
    # The learnpath join URL (it leads to the room in the join window), not the room itself.
    assert "/deelnemen" in mine and "https://teams.microsoft.com/l/meetup-join/abc" not in mine
    kinds = db.session.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.recipient_user_id == person.id)
    ).all()
    assert "enrolment.enrolled" in kinds


def test_full_cohort_waitlists_in_order_and_withdrawal_promotes_the_first(
    client, org, coach, make_user, login_as
):
    cohort = make_cohort(org, coach, capacity=4)
    people = [make_user(Role.PARTICIPANT) for _ in range(6)]
    for p in people:
        services.sign_up(cohort, p)
        db.session.commit()
    assert [status_of(p, cohort) for p in people] == [EnrolmentStatus.ENROLLED] * 4 + [
        EnrolmentStatus.WAITLISTED
    ] * 2
    login_as(people[5])
    assert "nummer 2 van de wachtlijst" in client.get("/mijn-traject").text
    login_as(people[1])
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == people[1].id))
    client.post(f"/mijn-traject/{enrolment.id}/afmelden")
    assert status_of(people[1], cohort) == EnrolmentStatus.WITHDRAWN
    assert status_of(people[4], cohort) == EnrolmentStatus.ENROLLED
    assert status_of(people[5], cohort) == EnrolmentStatus.WAITLISTED
    promoted_mail = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.recipient_user_id == people[4].id,
            OutboxMessage.kind == "enrolment.enrolled",
        )
    )
    assert promoted_mail is not None
    login_as(people[5])
    assert "nummer 1 van de wachtlijst" in client.get("/mijn-traject").text


def test_one_active_programme_at_a_time(client, org, coach, make_user, login_as):
    first = make_cohort(org, coach, name="A")
    second = make_cohort(org, coach, name="B")
    person = make_user(Role.PARTICIPANT)
    login_as(person)
    client.post(f"/trajecten/{first.id}/aanmelden")
    listing = client.get("/trajecten").text
    assert "je kunt je niet voor een tweede groep aanmelden" in listing
    assert listing.count('type="submit" class="button"') == 0
    response = client.post(f"/trajecten/{second.id}/aanmelden", follow_redirects=True)
    assert "al mee aan een andere groep" in response.text
    assert status_of(person, second) is None


def test_raising_capacity_promotes_from_waitlist(org, coach, make_user):
    cohort = make_cohort(org, coach, capacity=4)
    people = [make_user(Role.PARTICIPANT) for _ in range(6)]
    for p in people:
        services.sign_up(cohort, p)
    db.session.commit()
    data = services.CohortData(
        name=cohort.name,
        capacity=5,
        signup_opens_at=cohort.signup_opens_at,
        signup_closes_at=cohort.signup_closes_at,
        open_to=cohort.open_to,
        facilitators=cohort.facilitators,
    )
    services.update_cohort(cohort, data, coach)
    db.session.commit()
    assert status_of(people[4], cohort) == EnrolmentStatus.ENROLLED
    assert status_of(people[5], cohort) == EnrolmentStatus.WAITLISTED
    data.capacity = 4
    with pytest.raises(services.CohortError):
        services.update_cohort(cohort, data, coach)


def test_claim_window_offer_expires_and_moves_on(org, coach, make_user):
    cohort = make_cohort(org, coach, capacity=4, claim_hours=24)
    people = [make_user(Role.PARTICIPANT) for _ in range(6)]
    for p in people:
        services.sign_up(cohort, p)
    db.session.commit()
    services.withdraw(db.session.scalar(select(Enrolment).where(Enrolment.user_id == people[0].id)))
    db.session.commit()
    assert status_of(people[4], cohort) == EnrolmentStatus.OFFERED
    assert services.expire_offers(utcnow() + timedelta(hours=1)) == 0
    assert services.expire_offers(utcnow() + timedelta(hours=25)) == 1
    db.session.commit()
    assert status_of(people[4], cohort) == EnrolmentStatus.WITHDRAWN
    assert status_of(people[5], cohort) == EnrolmentStatus.OFFERED
    offered = db.session.scalar(select(Enrolment).where(Enrolment.user_id == people[5].id))
    services.confirm_offer(offered)
    db.session.commit()
    assert status_of(people[5], cohort) == EnrolmentStatus.ENROLLED


def test_expire_offers_cli(runner, org, coach, make_user):
    result = runner.invoke(args=["cohorts", "expire-offers"])
    assert result.exit_code == 0 and "0 offer(s) expired" in result.output


def test_manager_approval_reserves_the_seat(client, org, coach, make_user, login_as):
    boss = make_user(Role.MANAGER)
    other_boss = make_user(Role.MANAGER)
    cohort = make_cohort(org, coach, capacity=4, approval=True)
    person = make_user(Role.PARTICIPANT, manager=boss)
    services.sign_up(cohort, person)
    db.session.commit()
    assert status_of(person, cohort) == EnrolmentStatus.PENDING_APPROVAL
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    login_as(other_boss)
    assert person.name not in client.get("/goedkeuringen").text
    assert (
        client.post(f"/goedkeuringen/{enrolment.id}", data={"decision": "approve"}).status_code
        == 404
    )
    login_as(boss)
    assert person.name in client.get("/goedkeuringen").text
    client.post(f"/goedkeuringen/{enrolment.id}", data={"decision": "approve"})
    assert status_of(person, cohort) == EnrolmentStatus.ENROLLED


def test_invitation_only_cohort(client, org, coach, make_user, login_as):
    cohort = make_cohort(org, coach, mode=SignupMode.INVITATION, name="Op uitnodiging")
    invited = make_user(Role.PARTICIPANT, email="genodigd@example.org")
    outsider = make_user(Role.PARTICIPANT)
    login_as(outsider)
    assert "Op uitnodiging" not in client.get("/trajecten").text
    client.post(f"/trajecten/{cohort.id}/aanmelden")
    assert status_of(outsider, cohort) is None
    login_as(coach)
    client.post(f"/cohorten/{cohort.id}/uitnodigen", data={"email": "Genodigd@example.org"})
    assert status_of(invited, cohort) == EnrolmentStatus.INVITED
    login_as(invited)
    assert "Uitnodiging accepteren" in client.get("/mijn-traject").text
    client.post(f"/trajecten/{cohort.id}/aanmelden")
    assert status_of(invited, cohort) == EnrolmentStatus.ENROLLED


def test_csv_invitation_reports_every_row(client, org, make_org, coach, make_user, login_as):
    cohort = make_cohort(org, coach)
    make_user(Role.PARTICIPANT, email="een@example.org")
    busy = make_user(Role.PARTICIPANT, email="bezet@example.org")
    make_user(Role.PARTICIPANT, email="elders@example.org", organisation=make_org())
    services.sign_up(make_cohort(org, coach, name="Ander"), busy)
    db.session.commit()
    csv = "email\neen@example.org\nonbekend@example.org\nelders@example.org\nEEN@example.org\nbezet@example.org\ngeen-adres\n"
    login_as(coach)
    page = client.post(
        f"/cohorten/{cohort.id}/uitnodigen-csv",
        data={"file": (io.BytesIO(csv.encode()), "lijst.csv")},
        content_type="multipart/form-data",
    ).text
    assert "1 uitgenodigd, 5 geweigerd" in page
    assert "geen account met dit e-mailadres" in page
    assert "organisatie waarvoor de groep niet openstaat" in page
    assert "dubbele regel" in page
    assert "al in een andere actieve groep" in page
    assert "geen e-mailadres" in page


def test_facilitator_moves_removes_and_reorders(client, org, coach, make_user, login_as):
    cohort = make_cohort(org, coach, capacity=4)
    target = make_cohort(org, coach, name="Doel")
    people = [make_user(Role.PARTICIPANT) for _ in range(7)]
    for p in people:
        services.sign_up(cohort, p)
    db.session.commit()
    enrol = {
        p.id: db.session.scalar(select(Enrolment).where(Enrolment.user_id == p.id)) for p in people
    }
    login_as(coach)
    # Reorder the waitlist: people[6] moves up past people[5].
    client.post(f"/cohorten/{cohort.id}/wachtlijst/{enrol[people[6].id].id}/omhoog")
    client.post(
        f"/cohorten/{cohort.id}/inschrijvingen/{enrol[people[0].id].id}/verwijderen",
        data={"reason": "workload"},
    )
    assert status_of(people[0], cohort) == EnrolmentStatus.DROPPED_OUT
    assert status_of(people[4], cohort) == EnrolmentStatus.ENROLLED
    client.post(
        f"/cohorten/{cohort.id}/inschrijvingen/{enrol[people[1].id].id}/verplaatsen",
        data={"target": target.id},
    )
    assert status_of(people[1], cohort) == EnrolmentStatus.WITHDRAWN
    assert status_of(people[1], target) == EnrolmentStatus.ENROLLED
    assert status_of(people[6], cohort) == EnrolmentStatus.ENROLLED
    assert status_of(people[5], cohort) == EnrolmentStatus.WAITLISTED
    dropped = db.session.scalar(select(Enrolment).where(Enrolment.user_id == people[0].id))
    assert dropped.dropout_reason == DropoutReason.WORKLOAD
    page = client.get(f"/cohorten/{cohort.id}").text
    assert "Deelnemer naar een andere groep verplaatst" in page
    assert "Werkdruk of te weinig tijd" in page
    assert f"{people[1].name} → Doel" in page  # names and cohorts, not internal ids


def test_cohort_of_another_organisation_is_invisible(
    client, org, make_org, coach, make_user, login_as
):
    other = make_org()
    cohort = make_cohort(org, coach, name="Alleen voor ons")
    outsider = make_user(Role.PARTICIPANT, organisation=other)
    login_as(outsider)
    assert "Alleen voor ons" not in client.get("/trajecten").text
    assert client.post(f"/trajecten/{cohort.id}/aanmelden").status_code == 404


def test_facilitator_manages_only_own_cohorts(client, org, coach, make_user, login_as):
    cohort = make_cohort(org, coach)
    other_coach = make_user(Role.FACILITATOR)
    login_as(other_coach)
    for url in (
        f"/cohorten/{cohort.id}",
        f"/cohorten/{cohort.id}/instellingen",
        f"/cohorten/{cohort.id}/planning",
    ):
        assert client.get(url).status_code == 404
    assert (
        client.post(
            f"/cohorten/{cohort.id}/uitnodigen", data={"email": "x@example.org"}
        ).status_code
        == 404
    )
    assert cohort.name not in client.get("/cohorten").text


def test_participant_cannot_touch_someone_elses_enrolment(client, org, coach, make_user, login_as):
    cohort = make_cohort(org, coach)
    victim = make_user(Role.PARTICIPANT)
    services.sign_up(cohort, victim)
    db.session.commit()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == victim.id))
    login_as(make_user(Role.PARTICIPANT))
    assert client.post(f"/mijn-traject/{enrolment.id}/afmelden").status_code == 404
    assert status_of(victim, cohort) == EnrolmentStatus.ENROLLED


def test_hr_sees_counts_but_no_names(client, org, coach, make_user, login_as):
    cohort = make_cohort(org, coach, name="Groep HR")
    person = make_user(Role.PARTICIPANT, name="Geheime Deelnemer")
    services.sign_up(cohort, person)
    db.session.commit()
    login_as(make_user(Role.HR))
    page = client.get("/cohorten").text
    # counts only, and a group under 5 as a marker (issue 16.7: "1 / 12" gave it away)
    assert "Groep HR" in page and "&lt; 5 / 12" in page and "1 / 12" not in page
    assert "Geheime Deelnemer" not in page
    assert client.get(f"/cohorten/{cohort.id}").status_code == 403


def test_create_cohort_form_keeps_input_on_errors(client, org, coach, login_as):
    login_as(coach)
    page = client.get("/cohorten/nieuw")
    assert page.status_code == 200
    response = client.post(
        "/cohorten/nieuw",
        data={
            "name": "Te groot",
            "capacity": "99",
            "signup_opens_at": "2030-01-10T09:00",
            "signup_closes_at": "2030-01-01T09:00",
            "signup_mode": "open",
            "open_to": [org.id],
            "facilitators": [coach.id],
        },
    )
    assert response.status_code == 200
    assert 'value="Te groot"' in response.text
    assert (
        "Aanmelden moet sluiten nadat het opent." in response.text
        or "tussen 4 en 30" in response.text
    )
    ok = client.post(
        "/cohorten/nieuw",
        data={
            "name": "Goed",
            "capacity": "12",
            "signup_opens_at": "2030-01-01T09:00",
            "signup_closes_at": "2030-01-10T09:00",
            "signup_mode": "open",
            "open_to": [org.id],
            "facilitators": [coach.id],
        },
    )
    assert ok.status_code == 302 and "/planning" in ok.headers["Location"]


def test_complete_cohort_after_last_session(client, org, coach, make_user, login_as):
    from freezegun import freeze_time

    cohort = make_cohort(org, coach, capacity=4)
    people = [make_user(Role.PARTICIPANT) for _ in range(5)]
    for p in people:
        services.sign_up(cohort, p)
    db.session.commit()
    sessions = plan(cohort, coach)
    login_as(coach)
    client.post(f"/cohorten/{cohort.id}/afronden")
    assert status_of(people[0], cohort) == EnrolmentStatus.ENROLLED  # too early
    with freeze_time(sessions[-1].starts_at + timedelta(hours=2)):
        login_as(coach)  # a fresh sign-in: the old session cookie has expired by then
        assert "Traject afronden" in client.get(f"/cohorten/{cohort.id}").text
        client.post(f"/cohorten/{cohort.id}/afronden")
    assert [status_of(p, cohort) for p in people] == [EnrolmentStatus.COMPLETED] * 4 + [
        EnrolmentStatus.WITHDRAWN
    ]
    # Completed participants may join a later cohort.
    later = make_cohort(org, coach, name="Later")
    assert services.sign_up(later, people[0]).status == EnrolmentStatus.ENROLLED


def test_cohort_list_query_count_does_not_grow(client, org, coach, login_as, app):
    from sqlalchemy import event

    def count_queries(n_cohorts: int) -> int:
        for i in range(n_cohorts):
            plan(make_cohort(org, coach, name=f"Groep {n_cohorts}-{i}"), coach)
        login_as(coach)
        statements: list[str] = []

        def record(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get("/cohorten").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    assert count_queries(1) == count_queries(5)
