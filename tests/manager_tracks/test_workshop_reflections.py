"""Reflections after workshop meetings: the assignment machinery of the participant
programme, serving the managers of a workshop group (content, due moments, pages, feedback,
reminders, access and privacy)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.assignments import queries, reminders, services
from learnpath.assignments.models import Submission, SubmissionStatus
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import CohortKind
from learnpath.cohorts.queries import sessions_of
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.ical.events import assignments_to_prepare
from learnpath.notifications.models import OutboxMessage
from learnpath.privacy.services import export_json
from tests.manager_tracks.helpers import SERIES, make_group, plan_next, plan_workshop

AMS = ZoneInfo("Europe/Amsterdam")
FIRST, SECOND, LAST = "reflectie-voorbereiden", "reflectie-voeren", "reflectie-opvolgen"
SECOND_ANSWERS = {
    "b-goed-ging": "Mijn medewerker vertelde open over haar ambitie.",
    **{f"b-ruimte-{i}-score": "4" for i in range(3)},
    "b-anders": "Ik laat meer stiltes vallen.",
}


@pytest.fixture
def workshop(org, coach, managers):
    """A planned workshop group with three managers who accepted."""
    cohort = make_group(org, coach, managers[:3], kind=CohortKind.WORKSHOP)
    plan_workshop(cohort, coach)
    return cohort


def url(cohort, slug: str = "") -> str:
    base = f"/leidinggevenden/groepen/{cohort.id}/reflecties"
    return f"{base}/{slug}" if slug else base


def move_meetings(cohort, first_start, gap=timedelta(days=14)) -> None:
    for i, session in enumerate(sessions_of(cohort)):
        session.starts_at = first_start + i * gap
    db.session.commit()


# --- content and due moments ----------------------------------------------------------------


def test_the_series_has_one_short_reflection_per_meeting_in_both_languages(app):
    content = get_content()
    reflections = content.assignments_for(SERIES)
    assert [(a.slug, a.after_session) for a in reflections] == [
        (FIRST, "meeting-1"),
        (SECOND, "meeting-2"),
        (LAST, "meeting-3"),
    ]
    for a in reflections:
        assert a.due_days_after_session and a.due_days_before_next_session is None
        assert 1 <= len(a.blocks) <= 3
        assert a.title.nl != a.title.en


def test_a_reflection_is_due_days_after_its_meeting_at_the_same_local_time(workshop):
    content = get_content()
    sessions = {s.blueprint_slug: s for s in sessions_of(workshop)}
    due = services.base_due_moments(workshop, content, sessions_of(workshop))
    assert set(due) == {FIRST, SECOND, LAST}
    for slug, meeting in ((FIRST, "meeting-1"), (SECOND, "meeting-2"), (LAST, "meeting-3")):
        start = sessions[meeting].starts_at.astimezone(AMS)
        days = content.assignments[slug].due_days_after_session
        local = due[slug].astimezone(AMS)
        assert local.date() == start.date() + timedelta(days=days)
        assert local.time() == start.time()


def test_intervision_groups_have_no_assignments(org, coach, managers):
    group = make_group(org, coach, managers[:4])
    plan_next(group, coach)
    assert services.assignments_of(group, get_content()) == []
    assert services.base_due_moments(group, get_content(), sessions_of(group)) == {}


def test_calendar_does_not_list_reflections_as_preparation(workshop, app):
    with app.test_request_context():
        assert assignments_to_prepare(workshop, "meeting-2") == []


# --- the manager's pages --------------------------------------------------------------------


def test_manager_sees_reflections_next_to_meetings_and_hands_one_in(
    workshop, managers, client, login_as
):
    manager = managers[0]
    login_as(manager)
    mine = client.get("/leidinggevenden/mijn-groepen").text
    assert url(workshop) in mine and "Mijn reflecties" in mine

    group = client.get(f"/leidinggevenden/groepen/{workshop.id}").text
    assert "Reflectie na deze bijeenkomst:" in group
    assert "Reflectie: een loopbaangesprek voeren" in group
    assert url(workshop, SECOND) in group
    assert "deadline" in group and "Nog niet begonnen" in group

    overview = client.get(url(workshop)).text
    assert "Mijn reflecties" in overview and "Voeren" in overview
    assert "Zelfscan" not in overview  # the self-assessment belongs to the programme

    page = client.get(url(workshop, SECOND))
    assert page.status_code == 200
    assert "Terug naar mijn reflecties" in page.text

    draft = {"b-goed-ging": "Eerste aanzet", "action": "save"}
    saved = client.post(url(workshop, SECOND), data=draft, follow_redirects=True)
    assert "Concept opgeslagen." in saved.text

    incomplete = client.post(url(workshop, SECOND), data={"action": "submit"})
    assert incomplete.status_code == 200
    assert "Nog niet ingeleverd; controleer de gemarkeerde velden." in incomplete.text

    done = client.post(
        url(workshop, SECOND), data={**SECOND_ANSWERS, "action": "submit"}, follow_redirects=True
    )
    assert "Ingeleverd. Je begeleider kan het nu zien." in done.text
    submission = db.session.scalar(select(Submission).where(Submission.user_id == manager.id))
    assert submission is not None
    assert (submission.assignment_slug, submission.status) == (SECOND, SubmissionStatus.SUBMITTED)
    assert submission.cohort_id == workshop.id
    assert not submission.is_late


def test_autosave_of_a_reflection_answers_json(workshop, managers, client, login_as):
    login_as(managers[0])
    response = client.post(
        url(workshop, FIRST),
        data={"b-geprobeerd": "Leidraad gedeeld", "action": "save"},
        headers={"X-Autosave": "1"},
    )
    assert response.status_code == 200 and response.json["saved"] is True


def test_a_manager_in_two_groups_has_separate_reflections(org, coach, managers, client, login_as):
    first = make_group(org, coach, managers[:3], kind=CohortKind.WORKSHOP, name="Groep A")
    second = make_group(org, coach, managers[:2], kind=CohortKind.WORKSHOP, name="Groep B")
    for cohort in (first, second):
        plan_workshop(cohort, coach)
    login_as(managers[0])
    client.post(url(first, FIRST), data={"b-geprobeerd": "In groep A", "action": "save"})
    assert "In groep A" in client.get(url(first, FIRST)).text
    assert "In groep A" not in client.get(url(second, FIRST)).text


def test_facilitator_reviews_and_the_manager_gets_mail_with_a_link_to_the_reflection(
    workshop, coach, managers, client, login_as
):
    manager = managers[1]
    login_as(manager)
    client.post(url(workshop, SECOND), data={**SECOND_ANSWERS, "action": "submit"})
    submission = db.session.scalar(select(Submission).where(Submission.user_id == manager.id))

    login_as(coach)
    detail = client.get(f"/cohorten/{workshop.id}").text
    assert f"/cohorten/{workshop.id}/opdrachten" in detail
    matrix = client.get(f"/cohorten/{workshop.id}/opdrachten")
    assert matrix.status_code == 200
    assert manager.name in matrix.text and "Reflectie: een loopbaangesprek voeren" in matrix.text
    assert "Zelfscan van de groep" not in matrix.text
    assert client.get(f"/cohorten/{workshop.id}/zelfscan").status_code == 404
    review_url = f"/cohorten/{workshop.id}/inzendingen/{submission.id}"
    assert "Ik laat meer stiltes vallen." in client.get(review_url).text
    response = client.post(
        review_url, data={"text": "Mooi dat je stiltes laat vallen."}, follow_redirects=True
    )
    assert f"Feedback opgeslagen; {manager.name} krijgt een e-mail." in response.text

    mail = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.kind == "assignments.feedback",
            OutboxMessage.recipient_user_id == manager.id,
        )
    )
    assert mail is not None
    assert url(workshop, SECOND) in mail.body_text
    assert "/opdrachten/" not in mail.body_text

    login_as(manager)
    page = client.get(url(workshop, SECOND)).text
    assert "Feedback van je begeleider" in page and "Mooi dat je stiltes laat vallen." in page
    assert "Beoordeeld" in client.get(f"/leidinggevenden/groepen/{workshop.id}").text


def test_facilitator_participant_page_and_extension_work_for_a_workshop(
    workshop, coach, managers, client, login_as
):
    enrolment = next(e for e in workshop.enrolments if e.user_id == managers[2].id)
    login_as(coach)
    page = client.get(f"/cohorten/{workshop.id}/deelnemers/{enrolment.id}")
    assert page.status_code == 200 and "Reflectie: een loopbaangesprek opvolgen" in page.text
    later = (utcnow() + timedelta(days=120)).astimezone(AMS).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/cohorten/{workshop.id}/deelnemers/{enrolment.id}/verlenging",
        data={"assignment": LAST, "due_at": later},
    )
    assert response.status_code == 302
    due = services.due_for(enrolment, get_content().assignments[LAST], get_content())
    assert due is not None and due > utcnow() + timedelta(days=100)


# --- who may see a reflection ---------------------------------------------------------------


def test_only_members_of_the_group_reach_their_reflections(
    workshop, coach, managers, make_org, make_user, client, login_as
):
    pages = (url(workshop), url(workshop, FIRST))
    # Another role: refused by role.
    for role in (Role.PARTICIPANT, Role.FACILITATOR, Role.HR):
        login_as(make_user(role))
        for page in pages:
            assert client.get(page).status_code == 403
    # The group's own facilitator reads hand-ins through the matrix, not the manager's page.
    login_as(coach)
    assert client.get(url(workshop, FIRST)).status_code == 403
    # A manager outside the group, in this or another organisation, and one only invited.
    other_org = make_org()
    invited = make_user(Role.MANAGER, name="Uitgenodigd")
    cohorts.invite(workshop, invited, coach)
    db.session.commit()
    outsiders = [managers[5], make_user(Role.MANAGER, organisation=other_org), invited]
    for outsider in outsiders:
        login_as(outsider)
        for page in pages:
            assert client.get(page).status_code == 404
        assert client.post(url(workshop, FIRST), data={"action": "save"}).status_code == 404
    assert db.session.scalar(select(Submission)) is None


def test_intervision_and_unknown_reflections_are_not_found(
    workshop, org, coach, managers, client, login_as
):
    intervision = make_group(org, coach, managers[:4], name="Intervisie")
    login_as(managers[0])
    assert client.get(url(intervision)).status_code == 404
    assert client.get(url(workshop, "kernkwadrant")).status_code == 404  # a programme assignment
    assert client.get(url(workshop, "bestaat-niet")).status_code == 404


def test_a_manager_who_is_also_a_participant_keeps_the_programme_workspace(
    workshop, make_user, client, login_as
):
    both = make_user(Role.PARTICIPANT, Role.MANAGER, name="Beide Rollen")
    cohorts.sign_up(workshop, both)
    db.session.commit()
    assert services.workspace_enrolment(both) is None
    login_as(both)
    assert client.get("/opdrachten").status_code == 200
    assert client.get(url(workshop)).status_code == 200


def test_hr_sees_nothing_of_a_reflection_and_the_manager_exports_it(
    workshop, managers, make_user, client, login_as
):
    manager = managers[0]
    login_as(manager)
    client.post(url(workshop, SECOND), data={**SECOND_ANSWERS, "action": "submit"})
    submission = db.session.scalar(select(Submission).where(Submission.user_id == manager.id))
    hr = make_user(Role.HR)
    login_as(hr)
    for page in (
        "/leidinggevenden/groepen",
        f"/cohorten/{workshop.id}/opdrachten",
        f"/cohorten/{workshop.id}/inzendingen/{submission.id}",
        url(workshop, SECOND),
    ):
        response = client.get(page)
        assert "Ik laat meer stiltes vallen." not in response.text
        assert "Reflectie: een loopbaangesprek voeren" not in response.text
    assert "Ik laat meer stiltes vallen." in export_json(manager)


# --- reminders ------------------------------------------------------------------------------


def _reminders(kind: str, user_id: int) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == kind, OutboxMessage.recipient_user_id == user_id
            )
        )
    )


def test_reflection_reminders_link_to_the_managers_page_and_respect_the_preference(
    workshop, managers
):
    reminded, opted_out = managers[0], managers[1]
    opted_out.wants_assignment_reminders = False
    db.session.commit()
    enrolment = next(e for e in workshop.enrolments if e.user_id == reminded.id)
    content = get_content()
    due = services.due_for(enrolment, content.assignments[FIRST], content)
    assert due is not None
    with freeze_time(due - timedelta(hours=47)):
        reminders.assignment_reminders()
    db.session.commit()
    (mail,) = [
        m
        for m in _reminders("reminder.assignment.due_soon", reminded.id)
        if FIRST in (m.idempotency_key or "")
    ]
    assert url(workshop, FIRST) in mail.body_text
    assert "Reflectie: een loopbaangesprek voorbereiden" in mail.body_text
    assert _reminders("reminder.assignment.due_soon", opted_out.id) == []


def test_overdue_reminder_for_the_reflection_after_the_last_meeting(workshop, managers):
    # The series took place in the past; the last reflection is due 14 days after meeting 3,
    # longer ago than the usual overdue window looks back from the last session.
    now = utcnow()
    move_meetings(workshop, now - timedelta(days=50))
    content = get_content()
    enrolment = next(e for e in workshop.enrolments if e.user_id == managers[2].id)
    # They had their place before the series began (work due before a seat is catch-up work).
    enrolment.enrolled_at = now - timedelta(days=60)
    db.session.commit()
    due = services.due_for(enrolment, content.assignments[LAST], content)
    assert due is not None
    with freeze_time(due + timedelta(days=3)):
        reminders.assignment_reminders()
        reminders.assignment_reminders()  # never twice
    db.session.commit()
    overdue = [
        m
        for m in _reminders("reminder.assignment.overdue", managers[2].id)
        if (m.idempotency_key or "").endswith(f":{LAST}")
    ]
    assert len(overdue) == 1
    assert url(workshop, LAST) in overdue[0].body_text


def test_timeline_of_a_member_follows_the_meetings(workshop, managers):
    enrolment = next(e for e in workshop.enrolments if e.user_id == managers[0].id)
    timeline = queries.timeline(enrolment, get_content(), utcnow())
    assert [step.session_slug for step in timeline.steps] == ["meeting-1", "meeting-2", "meeting-3"]
    assert [[i.assignment.slug for i in step.assignments] for step in timeline.steps] == [
        [FIRST],
        [SECOND],
        [LAST],
    ]
    # The meetings are in the future: nothing is open yet.
    assert timeline.open_items == []


# --- after the group is completed -----------------------------------------------------------


LAST_ANSWERS = {
    "b-opgevolgd": "Budget voor een opleiding geregeld.",
    "b-meenemen": "Ik plan meteen een vervolgmoment.",
}


def test_the_last_reflection_stays_open_after_the_group_is_completed(
    workshop, coach, managers, client, login_as
):
    move_meetings(workshop, utcnow() - timedelta(days=30))  # the last meeting: 2 days ago
    last_start = sessions_of(workshop)[-1].starts_at
    cohorts.complete_cohort(workshop, last_start, coach)
    db.session.commit()

    login_as(managers[0])
    assert "Inleveren" in client.get(url(workshop, LAST)).text
    done = client.post(
        url(workshop, LAST), data={**LAST_ANSWERS, "action": "submit"}, follow_redirects=True
    )
    assert "Ingeleverd. Je begeleider kan het nu zien." in done.text
    # The reflections of earlier meetings are closed with the group.
    assert "Inleveren" not in client.get(url(workshop, FIRST)).text
    refused = client.post(url(workshop, FIRST), data={"b-geprobeerd": "Te laat", "action": "save"})
    assert "Je traject is afgelopen" in refused.text

    # A completed member who has not handed it in yet is reminded before the due moment only.
    enrolment = next(e for e in workshop.enrolments if e.user_id == managers[1].id)
    content = get_content()
    due = services.due_for(enrolment, content.assignments[LAST], content)
    with freeze_time(due - timedelta(hours=40)):
        reminders.assignment_reminders()
        db.session.commit()
    with freeze_time(due + timedelta(hours=1)):
        reminders.assignment_reminders()
        db.session.commit()
        login_as(managers[1])
        assert "Inleveren" not in client.get(url(workshop, LAST)).text
    db.session.commit()
    assert len(_reminders("reminder.assignment.due_soon", managers[1].id)) == 1
    assert _reminders("reminder.assignment.overdue", managers[1].id) == []
