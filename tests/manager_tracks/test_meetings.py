"""Intervision meetings: rotation on real data, chair override, agenda, case and notes
(members only), and what HR sees (counts only)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from learnpath.accounts.models import Role
from learnpath.cohorts.filters import session_name
from learnpath.cohorts.models import AttendanceStatus, CohortKind
from learnpath.cohorts.services import CohortError
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.ical import feeds
from learnpath.ical.events import session_name as ical_session_name
from learnpath.manager_tracks import services
from learnpath.manager_tracks.agenda import agenda
from learnpath.schedule import services as schedule
from tests.manager_tracks.helpers import make_group, plan_next, plan_workshop

SECRET = "Mijn teamlid wil weg en ik weet niet hoe ik dat bespreek"


@pytest.fixture
def group(org, coach, managers):
    return make_group(org, coach, managers[:5])


def _meeting(group, coach):
    session = plan_next(group, coach)
    meeting = services.meeting_for(session)
    db.session.commit()
    return meeting


def test_meetings_rotate_the_case_bringer_on_real_data(group, coach, managers):
    bringers = []
    for _ in range(5):
        meeting = _meeting(group, coach)
        roles = meeting.role_map
        assert len(set(roles.values())) == len(roles) == 3
        bringers.append(roles["case_bringer"])
    assert sorted(bringers) == sorted(m.id for m in managers[:5])


def test_excused_members_and_waivers_are_skipped(group, coach, managers):
    session = plan_next(group, coach)
    schedule.record_attendance(session, {managers[0].id: AttendanceStatus.EXCUSED}, coach)
    meeting = services.meeting_for(session)
    assert managers[0].id not in meeting.role_map.values()
    first = meeting.role_map["case_bringer"]
    services.waive(meeting, db.session.get(type(managers[0]), first), True)
    assert meeting.role_map["case_bringer"] != first


def test_the_chair_can_override_roles_but_not_collide(group, coach, managers):
    meeting = _meeting(group, coach)
    chair = db.session.get(type(managers[0]), meeting.role_map["chair"])
    other = next(m for m in managers[:5] if m.id != chair.id)
    with pytest.raises(CohortError):
        services.set_roles(
            meeting, {"case_bringer": other.id, "chair": chair.id, "timekeeper": other.id}, chair
        )
    with pytest.raises(CohortError):
        services.set_roles(meeting, {"case_bringer": other.id, "chair": chair.id}, other)
    services.set_roles(
        meeting, {"case_bringer": chair.id, "chair": other.id, "timekeeper": None}, chair
    )
    assert meeting.roles_confirmed
    assert meeting.role_map == {"case_bringer": chair.id, "chair": other.id}


def test_method_choice_brings_its_roles_and_an_agenda_with_start_times(group, coach):
    meeting = _meeting(group, coach)
    member = meeting.roles[0].user
    services.choose_method(meeting, "incidentmethode", member)
    method = get_content().intervision_methods["incidentmethode"]
    assert set(meeting.role_map) == set(method.roles)
    rows = agenda(method, meeting.session.starts_at)
    assert rows[0].starts_at == meeting.session.starts_at
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.starts_at == before.starts_at + timedelta(minutes=before.phase.minutes)
    with pytest.raises(CohortError):
        services.choose_method(meeting, "bestaat-niet", member)


def test_only_the_case_bringer_describes_the_case(group, coach):
    meeting = _meeting(group, coach)
    bringer = next(r.user for r in meeting.roles if r.role == "case_bringer")
    chair = next(r.user for r in meeting.roles if r.role == "chair")
    with pytest.raises(CohortError):
        services.submit_case(meeting, SECRET, chair)
    services.submit_case(meeting, SECRET, bringer)
    assert meeting.case_description == SECRET


def test_intervision_sessions_are_named_and_in_the_personal_feed(group, coach, managers):
    session = plan_next(group, coach)
    assert session.blueprint_slug == "meeting-1"
    assert session_name(session) == "Intervisiebijeenkomst 1"
    assert ical_session_name(session) == "Intervisiebijeenkomst 1"
    mine = feeds.personal_sessions(managers[0], session.starts_at - timedelta(days=1))
    assert [s.id for s in mine] == [session.id]


def test_next_meeting_must_leave_four_weeks(group, coach):
    first = plan_next(group, coach)
    with pytest.raises(schedule.ScheduleInvalid):
        plan_next(group, coach, day=first.starts_at.date() + timedelta(weeks=2))


def test_workshop_sessions_come_from_the_series(org, coach, managers):
    workshop = make_group(org, coach, managers[:3], kind=CohortKind.WORKSHOP, capacity=12)
    sessions = plan_workshop(workshop, coach)
    series = get_content().workshop_series["het-goede-loopbaangesprek"]
    assert [s.duration_minutes for s in sessions] == [m.duration_minutes for m in series.meetings]
    assert session_name(sessions[0]) == "Voorbereiden"
    assert len(feeds.personal_sessions(managers[0], sessions[0].starts_at - timedelta(days=1))) == 3


# --- pages and privacy -----------------------------------------------------------------------


def _url(meeting, suffix=""):
    return f"/leidinggevenden/groepen/{meeting.session.cohort_id}/bijeenkomsten/{meeting.session_id}{suffix}"


def test_members_see_case_and_notes_others_do_not(
    client, login_as, group, coach, managers, make_user, org
):
    meeting = _meeting(group, coach)
    bringer = next(r.user for r in meeting.roles if r.role == "case_bringer")
    services.submit_case(meeting, SECRET, bringer)
    db.session.commit()
    login_as(managers[1])
    page = client.get(_url(meeting))
    assert page.status_code == 200 and SECRET in page.text
    assert "Agenda" not in page.text or "Methode" in page.text
    # A manager of the same organisation who is not in the group: 404 everywhere.
    outsider = make_user(Role.MANAGER)
    login_as(outsider)
    assert client.get(_url(meeting)).status_code == 404
    assert client.get(f"/leidinggevenden/groepen/{group.id}").status_code == 404
    assert client.post(_url(meeting, "/casus"), data={"description": "x"}).status_code == 404
    assert client.post(_url(meeting, "/notities"), data={"notes": "x"}).status_code == 404
    # The facilitator and HR are not members: no meeting page (role table) and no case text.
    login_as(coach)
    assert client.get(_url(meeting)).status_code == 403
    assert SECRET not in client.get(f"/cohorten/{group.id}").text
    hr = make_user(Role.HR)
    login_as(hr)
    overview = client.get("/leidinggevenden/groepen")
    assert overview.status_code == 200
    assert SECRET not in overview.text
    assert managers[0].name not in overview.text
    # HR's cohort list leaves intervision groups out.
    assert group.name not in client.get("/cohorten").text


def test_hr_sees_attendance_counts_only(group, coach, managers, org):
    session = plan_next(group, coach)
    session.starts_at = session.starts_at - timedelta(weeks=10)  # as if it took place
    db.session.commit()
    schedule.record_attendance(
        session,
        {m.id: AttendanceStatus.PRESENT for m in managers[:4]}
        | {managers[4].id: AttendanceStatus.ABSENT},
        coach,
    )
    counts = services.counts_for_hr(org)
    assert [(c.cohort.id, c.members, c.present) for c in counts] == [(group.id, 5, [4])]


def test_manager_page_shows_groups_meetings_and_my_role(client, login_as, group, coach, managers):
    meeting = _meeting(group, coach)
    login_as(managers[0])
    page = client.get("/leidinggevenden/mijn-groepen")
    assert page.status_code == 200
    assert group.name in page.text and "Intervisiebijeenkomst 1" in page.text
    mine = [r.role for r in meeting.roles if r.user_id == managers[0].id]
    if mine:
        assert "Inbrenger" in page.text or "Voorzitter" in page.text or "Tijdbewaker" in page.text


def test_waive_and_notes_through_the_pages(client, login_as, group, coach, managers):
    meeting = _meeting(group, coach)
    bringer = next(r.user for r in meeting.roles if r.role == "case_bringer")
    login_as(bringer)
    assert client.post(_url(meeting, "/overslaan"), data={"waive": "1"}).status_code == 302
    db.session.expire_all()
    assert meeting.role_map["case_bringer"] != bringer.id
    # Notes only once the meeting has started.
    client.post(_url(meeting, "/notities"), data={"notes": "Afspraken"})
    db.session.expire_all()
    assert meeting.notes is None


def test_plan_view_plans_the_next_intervision_meeting(client, login_as, group, coach):
    login_as(coach)
    page = client.get(f"/cohorten/{group.id}/planning")
    assert page.status_code == 200
    plan_next(group, coach)
    # Open-ended: the planning page stays available for the next meeting.
    assert client.get(f"/cohorten/{group.id}/planning").status_code == 200
    assert (
        "Plan de volgende bijeenkomst" in client.get(f"/cohorten/{group.id}").text
        or client.get(f"/cohorten/{group.id}").status_code == 200
    )
