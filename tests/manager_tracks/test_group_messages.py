"""Managers are told about their groups in the words of their track, and can confirm an offer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import CohortKind, EnrolmentStatus
from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from learnpath.schedule import services as schedule
from learnpath.schedule.reminders import session_reminders
from tests.manager_tracks.helpers import enrolment, make_group, plan_next, plan_workshop


def _mails(user) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient_user_id == user.id, OutboxMessage.ics.is_(None))
            .order_by(OutboxMessage.id)
        )
    )


def _subjects(user) -> list[str]:
    return [m.subject for m in _mails(user)]


def test_workshop_members_hear_about_the_workshop_series(org, coach, managers):
    group = make_group(org, coach, managers[:2], kind=CohortKind.WORKSHOP)
    plan_workshop(group, coach)
    subjects = _subjects(managers[0])
    assert "Je bent uitgenodigd voor een workshopreeks voor leidinggevenden" in subjects
    assert "Je hebt een plaats in de workshopreeks" in subjects
    assert "De bijeenkomsten van je workshopreeks zijn gepland" in subjects
    assert not any(CAREER_PROGRAMME in s for s in subjects)
    enrolled = next(m for m in _mails(managers[0]) if m.kind == "enrolment.enrolled")
    assert "je pagina Mijn leidinggevendentrajecten" in enrolled.body_text
    assert "/leidinggevenden/mijn-groepen" in enrolled.body_text
    assert "trajectpagina" not in enrolled.body_text


def test_intervision_members_hear_about_the_intervision_group(org, coach, managers):
    group = make_group(org, coach, managers[:4], capacity=4)
    session = plan_next(group, coach)
    schedule.cancel_session(session, coach)
    cohorts.withdraw(enrolment(group, managers[0]))
    db.session.commit()
    subjects = _subjects(managers[0])
    assert "Je bent uitgenodigd voor een intervisiegroep" in subjects
    assert "Er is een bijeenkomst van je intervisiegroep gepland" in subjects
    assert "Een bijeenkomst van je intervisiegroep is geannuleerd" in subjects
    assert "Je bent niet meer aangemeld voor de intervisiegroep" in subjects
    assert not any(CAREER_PROGRAMME in s for s in subjects)


def test_session_reminders_link_managers_to_their_groups(org, coach, managers):
    group = make_group(org, coach, managers[:4], capacity=4)
    session = plan_next(group, coach)
    assert session_reminders(session.starts_at - timedelta(hours=20)) == 4
    db.session.commit()
    reminder = next(m for m in _mails(managers[0]) if m.kind.startswith("reminder.session"))
    assert "/leidinggevenden/mijn-groepen" in reminder.body_text
    assert "/mijn-traject" not in reminder.body_text


def _offer(org, coach, managers):
    """A full group with a claim window; the first member leaves, so the next one is offered."""
    group = make_group(org, coach, managers[:4], capacity=4)
    group.claim_window_hours = 48
    late = managers[4]
    cohorts.sign_up(group, late)
    cohorts.withdraw(enrolment(group, managers[0]))
    db.session.commit()
    assert enrolment(group, late).status == EnrolmentStatus.OFFERED
    return group, late


def test_a_manager_confirms_an_offered_place(client, login_as, org, coach, managers):
    group, late = _offer(org, coach, managers)
    login_as(late)
    page = client.get("/leidinggevenden/mijn-groepen").get_data(as_text=True)
    assert "Er is een plaats voor je vrijgekomen" in page
    assert "Mijn plaats bevestigen" in page
    response = client.post(f"/leidinggevenden/groepen/{group.id}/bevestigen", follow_redirects=True)
    assert "Je plaats is bevestigd." in response.get_data(as_text=True)
    assert enrolment(group, late).status == EnrolmentStatus.ENROLLED


def test_confirming_after_the_deadline_is_refused_with_a_message(
    client, login_as, org, coach, managers
):
    group, late = _offer(org, coach, managers)
    enrolment(group, late).claim_deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    login_as(late)
    response = client.post(f"/leidinggevenden/groepen/{group.id}/bevestigen", follow_redirects=True)
    assert "De tijd om deze plaats te bevestigen is voorbij." in response.get_data(as_text=True)
    assert enrolment(group, late).status == EnrolmentStatus.OFFERED


def test_only_the_offered_manager_can_confirm(client, login_as, org, coach, managers, make_user):
    group, _late = _offer(org, coach, managers)
    login_as(managers[5])  # not in the group
    assert client.post(f"/leidinggevenden/groepen/{group.id}/bevestigen").status_code == 404
    login_as(managers[1])  # a member without an offer
    response = client.post(f"/leidinggevenden/groepen/{group.id}/bevestigen", follow_redirects=True)
    assert "Er wacht geen plaats op je bevestiging." in response.get_data(as_text=True)
