"""Planning, changing and cancelling sessions through the UI; history; attendance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.cohorts import services
from learnpath.cohorts.models import Attendance, AttendanceStatus, CohortChange, CohortSession
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from tests.factories import future_monday, make_cohort, plan


@pytest.fixture
def coach(make_user):
    return make_user(Role.FACILITATOR, name="Carla Coach")


def form_data(first, overrides=None):
    data = {}
    slugs = ["intro", "verdieping", "actie"]
    minutes = [90, 180, 90]
    for i, slug in enumerate(slugs):
        prefix = f"sessions-{i}-"
        data.update(
            {
                prefix + "blueprint_slug": slug,
                prefix + "day": (first + timedelta(days=14 * i)).isoformat(),
                prefix + "start": "09:30",
                prefix + "duration_minutes": str(minutes[i]),
                prefix + "meeting_url": "https://meet.jit.si/loopbaan-groep",
                prefix + "notes": "",
            }
        )
    data.update(overrides or {})
    return data


def test_facilitator_plans_three_sessions(client, org, coach, login_as):
    cohort = make_cohort(org, coach)
    login_as(coach)
    page = client.get(f"/cohorten/{cohort.id}/planning").text
    assert "Introductiesessie" in page and 'value="180"' in page
    first = future_monday()
    response = client.post(f"/cohorten/{cohort.id}/planning", data=form_data(first))
    assert response.status_code == 302
    sessions = db.session.scalars(select(CohortSession).order_by(CohortSession.position)).all()
    assert [s.blueprint_slug for s in sessions] == ["intro", "verdieping", "actie"]
    assert [s.duration_minutes for s in sessions] == [90, 180, 90]
    assert all(s.sequence == 0 for s in sessions)
    detail = client.get(f"/cohorten/{cohort.id}").text
    assert "Sessie gepland" in detail and "Verdiepingssessie" in detail


def test_bad_schedule_reshows_form_with_values_and_messages(client, org, coach, login_as):
    cohort = make_cohort(org, coach)
    login_as(coach)
    first = future_monday()
    bad = form_data(
        first,
        {
            "sessions-1-day": (first + timedelta(days=3)).isoformat(),
            "sessions-2-meeting_url": "http://niet-veilig.example",
            "sessions-0-start": "06:00",
        },
    )
    response = client.post(f"/cohorten/{cohort.id}/planning", data=bad)
    assert response.status_code == 200
    page = response.text
    assert "Sessies beginnen op zijn vroegst om 07:00." in page
    assert "https://" in page and 'value="http://niet-veilig.example"' in page
    assert 'value="06:00"' in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalars(select(CohortSession)).all() == []


def test_garbage_input_gives_messages_not_500(client, org, coach, login_as):
    cohort = make_cohort(org, coach)
    login_as(coach)
    bad = form_data(
        future_monday(), {"sessions-0-day": "morgen", "sessions-1-duration_minutes": "lang"}
    )
    response = client.post(f"/cohorten/{cohort.id}/planning", data=bad)
    assert response.status_code == 200
    assert "Ongeldige datum." in response.text


def test_reschedule_bumps_sequence_keeps_uid_and_writes_history(
    client, org, coach, make_user, login_as
):
    cohort = make_cohort(org, coach)
    person = make_user(Role.PARTICIPANT)
    services.sign_up(cohort, person)
    db.session.commit()
    sessions = plan(cohort, coach)
    intro = sessions[0]
    uid = intro.uid
    login_as(coach)
    new_day = (intro.starts_at + timedelta(days=1)).date()
    response = client.post(
        f"/cohorten/{cohort.id}/sessies/{intro.id}",
        data={
            "session-day": new_day.isoformat(),
            "session-start": "13:00",
            "session-duration_minutes": "90",
            "session-meeting_url": "https://meet.jit.si/nieuw",
            "session-notes": "Neem pen en papier mee",
        },
    )
    assert response.status_code == 302
    db.session.refresh(intro)
    assert intro.sequence == 1 and intro.uid == uid
    assert intro.meeting_url == "https://meet.jit.si/nieuw"
    change = db.session.scalar(select(CohortChange).where(CohortChange.action == "rescheduled"))
    assert change.actor_id == coach.id and change.session_id == intro.id
    history = client.get(f"/cohorten/{cohort.id}").text
    assert "Sessie gewijzigd" in history and "13:00, 90 minuten" in history  # local time, Dutch
    mails = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.recipient_user_id == person.id, OutboxMessage.kind == "schedule.changed"
        )
    ).all()
    assert len(mails) == 1 and "13:00" in mails[0].body_text
    # Saving the same values again changes nothing and sends nothing.
    client.post(
        f"/cohorten/{cohort.id}/sessies/{intro.id}",
        data={
            "session-day": new_day.isoformat(),
            "session-start": "13:00",
            "session-duration_minutes": "90",
            "session-meeting_url": "https://meet.jit.si/nieuw",
            "session-notes": "Neem pen en papier mee",
        },
    )
    db.session.refresh(intro)
    assert intro.sequence == 1


def test_reschedule_into_the_next_session_is_refused(client, org, coach, login_as):
    cohort = make_cohort(org, coach)
    sessions = plan(cohort, coach)
    login_as(coach)
    clash = sessions[1].starts_at.date()
    response = client.post(
        f"/cohorten/{cohort.id}/sessies/{sessions[0].id}",
        data={
            "session-day": clash.isoformat(),
            "session-start": "09:30",
            "session-duration_minutes": "90",
            "session-meeting_url": "https://meet.jit.si/x",
            "session-notes": "",
        },
    )
    assert response.status_code == 200
    assert 'value="' + clash.isoformat() + '"' in response.text
    db.session.refresh(sessions[0])
    assert sessions[0].sequence == 0


def test_cancel_session_and_cohort(client, org, coach, make_user, login_as):
    cohort = make_cohort(org, coach)
    person = make_user(Role.PARTICIPANT)
    services.sign_up(cohort, person)
    db.session.commit()
    sessions = plan(cohort, coach)
    login_as(coach)
    client.post(f"/cohorten/{cohort.id}/sessies/{sessions[1].id}/annuleren")
    db.session.refresh(sessions[1])
    assert sessions[1].is_cancelled and sessions[1].sequence == 1
    assert client.get(f"/cohorten/{cohort.id}/annuleren").status_code == 200
    client.post(f"/cohorten/{cohort.id}/annuleren")
    for s in sessions:
        db.session.refresh(s)
    assert [s.sequence for s in sessions] == [1, 1, 1]  # the cancelled one is not bumped twice
    assert all(s.is_cancelled for s in sessions)
    kinds = db.session.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.recipient_user_id == person.id)
    ).all()
    assert "schedule.cancelled" in kinds and "schedule.cohort_cancelled" in kinds
    login_as(person)
    assert "Deze groep is geannuleerd." in client.get("/mijn-traject").text


def test_attendance(client, org, coach, make_user, login_as):
    cohort = make_cohort(org, coach)
    people = [make_user(Role.PARTICIPANT) for _ in range(3)]
    for p in people:
        services.sign_up(cohort, p)
    db.session.commit()
    sessions = plan(cohort, coach)
    # Attendance is taken for a session that has started (issue #20.6; tests/live).
    sessions[0].starts_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    login_as(coach)
    url = f"/cohorten/{cohort.id}/sessies/{sessions[0].id}/aanwezigheid"
    assert people[0].name in client.get(url).text
    client.post(
        url, data={f"status-{people[0].id}": "present", f"status-{people[1].id}": "excused"}
    )
    rows = {a.user_id: a.status for a in db.session.scalars(select(Attendance))}
    assert rows == {people[0].id: AttendanceStatus.PRESENT, people[1].id: AttendanceStatus.EXCUSED}
    assert client.post(url, data={f"status-{people[2].id}": "maybe"}).status_code == 400


def test_other_facilitator_cannot_change_sessions(client, org, coach, make_user, login_as):
    cohort = make_cohort(org, coach)
    sessions = plan(cohort, coach)
    login_as(make_user(Role.FACILITATOR))
    assert client.get(f"/cohorten/{cohort.id}/sessies/{sessions[0].id}").status_code == 404
    assert (
        client.post(f"/cohorten/{cohort.id}/sessies/{sessions[0].id}/annuleren").status_code == 404
    )
    assert (
        client.get(f"/cohorten/{cohort.id}/sessies/{sessions[0].id}/aanwezigheid").status_code
        == 404
    )
    db.session.refresh(sessions[0])
    assert not sessions[0].is_cancelled


def test_session_of_another_cohort_is_not_reachable_through_own_cohort(
    client, org, coach, login_as
):
    mine = make_cohort(org, coach, name="Mijn")
    other = make_cohort(org, coach, name="Andere")
    other_sessions = plan(other, coach)
    login_as(coach)
    assert client.get(f"/cohorten/{mine.id}/sessies/{other_sessions[0].id}").status_code == 404
