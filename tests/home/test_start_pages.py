"""Each role's start page says what to do next: the participant's next session with its join
button (from 15 minutes before, for seat holders only), what is due before it, progress and
the plan; the waitlist with a switch to a group with free places; the manager's plans waiting,
conversation and meeting; the facilitator's week; HR's headline figures."""

from __future__ import annotations

from datetime import timedelta

from learnpath.accounts.models import Role
from learnpath.action_plans import services as plan_services
from learnpath.assignments import services as assignment_services
from learnpath.cohorts import services as cohort_services
from learnpath.cohorts.join import JOIN_OPENS_BEFORE, can_join, join_window
from learnpath.cohorts.models import Enrolment, EnrolmentStatus
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.demo import answers_for
from learnpath.extensions import db
from tests.factories import enrol, full_plan_data, make_cohort, plan

MEETING = "https://teams.microsoft.com/l/meetup-join/abc"


def _fill(cohort, make_user, n: int = 4) -> None:
    for _ in range(n):
        enrol(cohort, make_user(Role.PARTICIPANT))


def _main(response) -> str:
    text = response.get_data(as_text=True)
    return text[text.index("<main") : text.index("</main>")]


def test_join_window_is_fifteen_minutes_before_until_the_end(group):
    session = group.sessions[0]
    window = join_window(session)
    assert window.opens_at == session.starts_at - JOIN_OPENS_BEFORE
    assert window.closes_at == session.ends_at
    enrolment = group.enrolments[0]
    assert not can_join(enrolment, session, session.starts_at - timedelta(minutes=16))
    assert can_join(enrolment, session, session.starts_at - timedelta(minutes=15))
    assert can_join(enrolment, session, session.ends_at - timedelta(seconds=1))
    assert not can_join(enrolment, session, session.ends_at)


def test_enrolled_participant_sees_next_session_and_what_is_due(group, login_as, client, clock):
    session = group.sessions[0]
    clock(session.starts_at - timedelta(days=3))
    login_as(group.participants[0])
    page = _main(client.get("/"))
    assert "Introductiesessie" in page
    assert "over 3 dagen" in page
    # Before session 1 only the intake self-assessment is due; the rest is due later.
    assert "Zelfscan (beginmeting)" in page
    assert "/zelfscan/start" in page
    assert "openstaande opdrachten, met een latere deadline" in page
    # The join button is not there yet: the time it appears is.
    assert MEETING not in page
    opens = (session.starts_at - timedelta(minutes=15)).astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/Amsterdam")
    )
    assert f"om {opens:%H:%M}" in page
    assert "0 van 11 ingeleverd" in page
    assert "Nog niet begonnen" in page


def test_join_button_appears_at_t_minus_15(group, login_as, client, clock):
    session = group.sessions[0]
    login_as(group.participants[0])
    # The button leads to the learnpath join URL, which redirects to the room (never the room
    # link itself in the page).
    join = f"/sessies/{session.id}/deelnemen"
    clock(session.starts_at - timedelta(minutes=16))
    assert join not in _main(client.get("/"))
    clock(session.starts_at - timedelta(minutes=15))
    page = _main(client.get("/"))
    assert join in page and 'id="join-session"' in page and MEETING not in page
    clock(session.starts_at + timedelta(minutes=30))
    assert join in _main(client.get("/"))
    clock(session.ends_at + timedelta(minutes=1))
    # Past the end: the next session is the one shown, its button not yet there.
    page = _main(client.get("/"))
    assert 'id="join-session"' not in page


def test_the_link_is_never_shown_without_a_seat(make_user, org, login_as, client, clock):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach, capacity=4)
    sessions = plan(cohort, coach)
    _fill(cohort, make_user)
    waiting = make_user(Role.PARTICIPANT)
    cohort_services.sign_up(cohort, waiting)
    db.session.commit()
    clock(sessions[0].starts_at - timedelta(minutes=5))
    login_as(waiting)
    page = _main(client.get("/"))
    assert "nummer 1 van de wachtlijst" in page
    assert MEETING not in page


def test_waitlisted_participant_switches_to_a_group_with_a_free_place(
    make_user, org, login_as, client
):
    coach = make_user(Role.FACILITATOR)
    full = make_cohort(org, coach, capacity=4, name="Vol")
    _fill(full, make_user)
    other = make_cohort(org, coach, capacity=4, name="Ruimte")
    plan(other, coach)
    waiting = make_user(Role.PARTICIPANT)
    enrolment = cohort_services.sign_up(full, waiting)
    db.session.commit()
    login_as(waiting)
    page = _main(client.get("/"))
    assert "Wissel naar deze groep" in page and "Ruimte" in page and "4 plaatsen vrij" in page
    response = client.post(
        f"/start/wachtlijst/{enrolment.id}/wisselen/{other.id}", follow_redirects=True
    )
    assert "Je bent gewisseld naar Ruimte" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == EnrolmentStatus.WITHDRAWN
    moved = db.session.scalar(
        db.select(Enrolment).where(Enrolment.user_id == waiting.id, Enrolment.cohort_id == other.id)
    )
    assert moved.status == EnrolmentStatus.ENROLLED


def test_switching_to_a_full_group_keeps_the_waitlist_place(make_user, org, login_as, client):
    coach = make_user(Role.FACILITATOR)
    full = make_cohort(org, coach, capacity=4, name="Vol")
    _fill(full, make_user)
    other = make_cohort(org, coach, capacity=4, name="Ook vol")
    _fill(other, make_user, 3)
    waiting = make_user(Role.PARTICIPANT)
    enrolment = cohort_services.sign_up(full, waiting)
    db.session.commit()
    enrol(other, make_user(Role.PARTICIPANT))  # the free place is taken meanwhile
    login_as(waiting)
    response = client.post(
        f"/start/wachtlijst/{enrolment.id}/wisselen/{other.id}", follow_redirects=True
    )
    assert "wachtlijst" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == EnrolmentStatus.WAITLISTED


def test_switch_is_refused_for_others(make_user, make_org, org, login_as, client):
    coach = make_user(Role.FACILITATOR)
    full = make_cohort(org, coach, capacity=4, name="Vol")
    _fill(full, make_user)
    other = make_cohort(org, coach, capacity=4, name="Ruimte")
    elsewhere_org = make_org("Gemeente Elders")
    elsewhere = make_cohort(elsewhere_org, make_user(Role.FACILITATOR, organisation=elsewhere_org))
    waiting = make_user(Role.PARTICIPANT)
    enrolment = cohort_services.sign_up(full, waiting)
    db.session.commit()
    url = f"/start/wachtlijst/{enrolment.id}/wisselen/{other.id}"
    login_as(make_user(Role.MANAGER))
    assert client.post(url).status_code == 403
    login_as(make_user(Role.PARTICIPANT))  # same role, not their enrolment
    assert client.post(url).status_code == 404
    login_as(waiting)  # a group not open to the person's organisation
    assert (
        client.post(f"/start/wachtlijst/{enrolment.id}/wisselen/{elsewhere.id}").status_code == 404
    )
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == EnrolmentStatus.WAITLISTED


def test_not_signed_up_participant_sees_groups_with_free_places(make_user, org, login_as, client):
    coach = make_user(Role.FACILITATOR)
    make_cohort(org, coach, capacity=5, name="Najaar")
    login_as(make_user(Role.PARTICIPANT))
    page = _main(client.get("/"))
    assert "Je bent nog niet aangemeld" in page
    assert "Najaar" in page and "5 plaatsen vrij" in page


def test_progress_and_what_the_manager_sees(setup, shared, login_as, client):
    shared(["goals", "support"])
    login_as(setup.participant)
    page = _main(client.get("/"))
    assert "Definitief (versie 1)" in page
    assert "Doelen, Steun die ik nodig heb" in page


def test_manager_sees_plans_waiting_conversation_and_meeting(setup, shared, login_as, client):
    row = shared(["goals"])
    plan_services.propose_times(row, [utcnow() + timedelta(days=3)], 60, utcnow())
    db.session.commit()
    login_as(setup.manager)
    page = _main(client.get("/"))
    assert f"Actieplan van {setup.participant.name}" in page
    assert "nog niet bevestigd" in page
    assert "1 gesprek wacht" in page


def test_facilitator_sees_work_waiting_for_feedback_and_falling_behind(
    group, login_as, client, clock
):
    content = get_content()
    assignment = content.assignments["loopbaanvraag"]
    enrolment = group.enrolments[0]
    assignment_services.submit(
        enrolment,
        assignment,
        content,
        answers_for(assignment),
        None,
    )
    db.session.commit()
    login_as(group.facilitator)
    page = _main(client.get("/"))
    assert "1 ingeleverde opdracht" in page
    assert "Groepen die vollopen" in page and "2 / 4" in page
    assert "Niemand heeft meer dan één opdracht over de deadline" in page
    # Long after session 2: every intro assignment is past its deadline.
    clock(group.sessions[1].starts_at + timedelta(days=1))
    page = _main(client.get("/"))
    behind = page[page.index("Deelnemers die achterlopen") :]
    assert group.participants[1].name in behind  # nothing handed in
    assert "opdrachten over de deadline" in behind


def test_hr_sees_the_headline_figures(group, make_user, login_as, client):
    login_as(make_user(Role.HR))
    page = _main(client.get("/"))
    assert "Kerncijfers" in page
    assert "Alle cijfers van de organisatie" in page


def _count_queries(client) -> int:
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_query_counts_do_not_grow_with_data(make_group, make_user, make_org, org, login_as, client):
    manager = make_user(Role.MANAGER)
    first = make_group(size=2)
    participant = first.participants[0]
    participant.manager = manager
    facilitator = first.facilitator
    facilitator.roles  # noqa: B018 - loaded
    db.session.commit()
    counts = {}
    for user in (participant, facilitator, manager):
        login_as(user)
        counts[user.id] = _count_queries(client)
    # More of everything: participants, cohorts of the same facilitator, hand-ins, other orgs.
    content = get_content()
    more = make_group(size=4, facilitator=facilitator)
    for enrolment in more.enrolments:
        assignment_services.submit(
            enrolment,
            content.assignments["loopbaanvraag"],
            content,
            answers_for(content.assignments["loopbaanvraag"]),
            None,
        )
    other_org = make_org("Gemeente Anders")
    other_coach = make_user(Role.FACILITATOR, organisation=other_org)
    other = make_cohort(other_org, other_coach, capacity=5, name="Anders")
    plan(other, other_coach)
    for _ in range(3):
        enrol(other, make_user(Role.PARTICIPANT, organisation=other_org))
    db.session.commit()
    for user in (participant, facilitator, manager):
        login_as(user)
        assert _count_queries(client) == counts[user.id], user


def test_workspace_says_what_is_due_truthfully(group, login_as, client):
    login_as(group.participants[0])
    page = _main(client.get("/opdrachten"))
    assert "Op dit moment geen openstaande opdrachten" not in page
    next_section = page[page.index('id="next-heading"') : page.index("<h2>Tijdlijn")]
    assert "Zelfscan (beginmeting)" in next_section
    assert "Je loopbaanvraag" in next_section
    assert "na een latere sessie" in next_section


def test_plan_page_data_for_progress(setup, final_plan, login_as, client):
    final_plan(full_plan_data())
    login_as(setup.participant)
    page = _main(client.get("/"))
    assert "Jij hebt je plan niet gedeeld" in page or "niet gedeeld" in page
