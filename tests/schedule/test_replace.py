"""A cancelled session is replaced: confirmation first, the planning page says what to do,
a replacement with the same UID and a higher SEQUENCE, deadlines follow, participants told."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.assignments.services import base_due_moments, paused_deadlines
from learnpath.cohorts.models import CohortChange, CohortSession, SessionStatus
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.ical import services as ical
from learnpath.notifications.models import OutboxMessage
from learnpath.schedule import services as schedule
from learnpath.schedule.signals import SessionChange, sessions_changed
from tests.ical.factories import DST_DAYS, MEETING_URL, THIRD_DAY, enrol, make_cohort, plan
from tests.ical.parsing import assert_times_match, check_icalendar
from tests.ical.test_invitations import imip, vevent

#: A week before October's DST change (summer time: 14:00 local is 12:00 UTC).
NEW_DAY = DST_DAYS[1] - timedelta(days=7)


@pytest.fixture
def coach(make_user):
    return make_user(Role.FACILITATOR, name="Anna Adviseur", locale="en")


@pytest.fixture
def person(make_user):
    return make_user(Role.PARTICIPANT, name="Piet Deelnemer", locale="en")


@pytest.fixture
def cohort(org, coach):
    return make_cohort(org, [coach], name="Spring", signup_days=60)


def replace_form(day=NEW_DAY, start="14:00", minutes="120", url=MEETING_URL):
    return {
        "session-blueprint_slug": "ignored",
        "session-day": day.isoformat(),
        "session-start": start,
        "session-duration_minutes": minutes,
        "session-meeting_url": url,
        "session-notes": "Nieuwe datum",
    }


def cancel(session, coach):
    schedule.cancel_session(session, coach)
    db.session.commit()


def test_cancelling_asks_first_and_planning_page_no_longer_redirects(
    client, cohort, coach, login_as
):
    sessions = plan(cohort, coach)
    login_as(coach)
    page = client.get(f"/cohorten/{cohort.id}/sessies/{sessions[1].id}/annuleren")
    assert page.status_code == 200 and "Yes, cancel the session" in page.text
    assert db.session.get(CohortSession, sessions[1].id).status == SessionStatus.SCHEDULED
    client.post(f"/cohorten/{cohort.id}/sessies/{sessions[1].id}/annuleren", data={})
    assert db.session.get(CohortSession, sessions[1].id).is_cancelled
    planning = client.get(f"/cohorten/{cohort.id}/planning")
    assert planning.status_code == 200
    assert "are planned" in planning.text
    replace_url = f"/cohorten/{cohort.id}/sessies/{sessions[1].id}/vervangen"
    assert replace_url in planning.text
    assert replace_url in client.get(f"/cohorten/{cohort.id}").text


def test_replacement_keeps_uid_raises_sequence_and_tells_participants(
    client, cohort, coach, person, login_as
):
    sessions = plan(cohort, coach)
    enrol(cohort, person)
    target = sessions[1]
    content = get_content()
    cancel(target, coach)
    assert paused_deadlines(cohort, content, sessions)  # "deadline volgt" while cancelled
    announced = []

    def listen(_sender, **kw):
        announced.append((kw["change"], [s.id for s in kw["sessions"]]))

    sessions_changed.connect(listen)
    try:
        login_as(coach)
        url = f"/cohorten/{cohort.id}/sessies/{target.id}/vervangen"
        assert "Plan a replacement" in client.get(url).text
        response = client.post(url, data=replace_form())
    finally:
        sessions_changed.disconnect(listen)
    assert response.status_code == 302
    session = db.session.get(CohortSession, target.id)
    assert session.status == SessionStatus.SCHEDULED
    assert session.starts_at == datetime(NEW_DAY.year, NEW_DAY.month, NEW_DAY.day, 12, tzinfo=UTC)
    assert session.sequence == 2  # cancel 1, replacement 2 (F7)
    assert announced == [(SessionChange.NEW, [session.id])]  # as when planned (rooms, calendars)
    # Deadlines that derived from the cancelled date follow the new one.
    sessions = db.session.scalars(
        select(CohortSession).where(CohortSession.cohort_id == cohort.id)
    ).all()
    assert paused_deadlines(cohort, content, sessions) == {}
    assert all(due is not None for due in base_due_moments(cohort, content, sessions).values())
    # Mail and iMIP REQUEST (same UID, SEQUENCE 2) to the participant, read by three parsers.
    mail = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == "schedule.replaced",
            OutboxMessage.recipient_user_id == person.id,
        )
    ).one()
    assert "planned again" in mail.body_text
    methods = [m.ics_method for m in imip(person, session.uid)]
    assert methods == ["REQUEST", "CANCEL", "REQUEST"]
    request = imip(person, session.uid)[-1]
    event = vevent(request)
    assert str(event["UID"]) == session.uid and event["SEQUENCE"] == 2
    assert event["STATUS"] == "CONFIRMED"
    assert_times_match(request.ics, [session])
    # The feed shows it once, at the new time, not cancelled.
    row = ical.issue_token(person)
    db.session.commit()
    links = ical.feed_links(row)
    assert links is not None
    body = client.get(links.https.removeprefix("http://localhost")).data
    assert_times_match(body, sessions)
    feed_event = next(
        e for e in check_icalendar(body).walk("VEVENT") if str(e["UID"]) == session.uid
    )
    assert feed_event["SEQUENCE"] == 2 and feed_event["STATUS"] == "CONFIRMED"
    history = db.session.scalars(
        select(CohortChange.action)
        .where(CohortChange.session_id == session.id)
        .order_by(CohortChange.id)
    ).all()
    assert history == ["scheduled", "session_cancelled", "replaced"]
    assert (
        "Replacement for a cancelled session planned" in client.get(f"/cohorten/{cohort.id}").text
    )


def test_replacement_is_validated_like_a_plan_with_input_kept(client, cohort, coach, login_as):
    sessions = plan(cohort, coach)
    cancel(sessions[1], coach)
    login_as(coach)
    url = f"/cohorten/{cohort.id}/sessies/{sessions[1].id}/vervangen"
    # After the third session: out of the programme's order.
    late = THIRD_DAY + timedelta(days=3)
    response = client.post(url, data=replace_form(day=late, url="http://onveilig.example"))
    assert response.status_code == 200
    assert f'value="{late.isoformat()}"' in response.text
    assert 'value="http://onveilig.example"' in response.text
    assert "https://" in response.text
    assert db.session.get(CohortSession, sessions[1].id).is_cancelled
    response = client.post(url, data=replace_form(day=late))
    assert response.status_code == 200 and 'aria-invalid="true"' in response.text
    # Nonexistent local time (clocks go forward) is refused, not shifted.
    response = client.post(url, data=replace_form(day=DST_DAYS[0], start="02:30"))
    assert response.status_code == 200
    assert db.session.get(CohortSession, sessions[1].id).is_cancelled


def test_only_cancelled_sessions_can_be_replaced(client, cohort, coach, login_as):
    sessions = plan(cohort, coach)
    login_as(coach)
    url = f"/cohorten/{cohort.id}/sessies/{sessions[0].id}/vervangen"
    assert client.get(url).status_code == 302
    client.post(url, data=replace_form())
    assert db.session.get(CohortSession, sessions[0].id).sequence == 0
    item = schedule.SessionInput("intro", NEW_DAY, time(14), 90, MEETING_URL)
    programme = get_content().programme("loopbaantraject")
    with pytest.raises(schedule.CohortError, match="geannuleerde sessie"):
        schedule.replace_session(sessions[0], programme, item, coach)
    db.session.rollback()
