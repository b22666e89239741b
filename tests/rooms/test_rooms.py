"""Rooms made for you: Jitsi at once, Teams through the retry job, the manual link as fallback,
the admin's settings (secret encrypted), and what the facilitator sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.cohorts.models import CohortSession
from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.rooms import queries, services, tasks
from learnpath.rooms.models import MeetingRoom, Provider, RoomAction, RoomSettings, RoomStatus
from learnpath.rooms.providers import Made, ProviderFailed
from learnpath.schedule import services as schedule
from tests.factories import local, make_cohort, plan

MANUAL = "https://teams.microsoft.com/l/meetup-join/abc"


def configure(org, provider, **values):
    services.save_settings(org, services.SettingsData(provider=provider, **values), None)
    db.session.commit()


def rooms():
    return list(db.session.scalars(select(MeetingRoom).order_by(MeetingRoom.session_id)))


class FakeTeams:
    def __init__(self):
        self.calls = []
        self.fail = None

    def create(self, session, subject):
        self.calls.append(("create", session.id))
        if self.fail:
            raise ProviderFailed(self.fail)
        return Made(
            f"meeting-{session.id}", f"https://teams.microsoft.com/l/meetup-join/{session.id}"
        )

    def update(self, session, subject, external_id):
        self.calls.append(("update", external_id))
        return None

    def cancel(self, external_id):
        self.calls.append(("cancel", external_id))


@pytest.fixture
def teams(monkeypatch):
    fake = FakeTeams()
    monkeypatch.setattr(services, "provider_for", lambda settings, secret: fake)
    return fake


def test_jitsi_rooms_are_made_when_planned_unguessable_and_cancelled_with_the_session(
    org, make_user, make_org, client, login_as
):
    configure(org, Provider.JITSI, jitsi_url="https://meet.gemeente.nl/")
    facilitator = make_user(Role.FACILITATOR)
    sessions = plan(make_cohort(org, facilitator), facilitator)
    made = rooms()
    assert [r.status for r in made] == [RoomStatus.READY] * len(sessions)
    names = {r.external_id for r in made}
    assert len(names) == len(sessions) and all(len(n) >= 32 for n in names)
    urls = queries.join_urls(sessions)
    assert urls[sessions[0].id] == f"https://meet.gemeente.nl/{made[0].external_id}"

    login_as(make_user(Role.FACILITATOR))  # not this cohort's facilitator
    assert client.post(f"/sessies/{sessions[0].id}/ruimte/opnieuw").status_code == 404

    schedule.cancel_session(db.session.get(CohortSession, sessions[0].id), facilitator)
    db.session.commit()
    assert queries.room_of(sessions[0].id).status == RoomStatus.CANCELLED
    assert queries.join_url(sessions[0]) == MANUAL

    elsewhere = make_org()  # without a provider: no rooms, the manual link
    other = make_user(Role.FACILITATOR, organisation=elsewhere)
    plain = plan(make_cohort(elsewhere, other), other)
    assert all(queries.room_of(s.id) is None for s in plain)
    assert set(queries.join_urls(plain).values()) == {MANUAL}


def test_teams_rooms_are_queued_retried_shown_and_follow_moves_and_cancellations(
    org, make_user, teams, client, login_as
):
    configure(
        org,
        Provider.TEAMS,
        teams_tenant_id="tenant",
        teams_client_id="client",
        teams_client_secret="geheim",
        teams_organizer="trainingen@gemeente.nl",
    )
    facilitator = make_user(Role.FACILITATOR)
    sessions = plan(make_cohort(org, facilitator), facilitator)
    first = sessions[0]
    assert {r.pending_action for r in rooms()} == {RoomAction.CREATE}
    assert teams.calls == []  # no call to Microsoft inside the facilitator's request

    teams.fail = "Microsoft could not be reached (ConnectTimeout)."
    assert tasks.meeting_rooms() == 0
    room = queries.room_of(first.id)
    assert room.attempts == 1 and room.status == RoomStatus.PENDING
    assert room.next_attempt_at > utcnow() + timedelta(minutes=4)
    assert queries.join_url(first) == MANUAL  # the fallback while it is not made
    assert tasks.meeting_rooms() == 0  # not due yet: nobody hammers Microsoft
    assert len(teams.calls) == len(sessions)

    login_as(facilitator)
    page = client.get(f"/sessies/{first.id}/materialen").get_data(as_text=True)
    assert "ConnectTimeout" in page
    assert client.post(f"/sessies/{first.id}/ruimte/opnieuw").status_code == 302

    teams.fail = None
    db.session.execute(db.update(MeetingRoom).values(next_attempt_at=utcnow()))
    db.session.commit()
    assert tasks.meeting_rooms() == len(sessions)
    room = queries.room_of(first.id)
    assert room.status == RoomStatus.READY and room.last_error is None
    assert queries.join_url(first) == f"https://teams.microsoft.com/l/meetup-join/{first.id}"

    programme = get_content().programme(CAREER_PROGRAMME)
    moved = local(first) + timedelta(hours=1)
    item = schedule.SessionInput(
        first.blueprint_slug, moved.date(), moved.time(), first.duration_minutes, MANUAL
    )
    schedule.reschedule_session(
        db.session.get(CohortSession, first.id), programme, item, facilitator
    )
    db.session.commit()
    assert queries.room_of(first.id).pending_action == RoomAction.UPDATE
    tasks.meeting_rooms()
    assert teams.calls[-1] == ("update", f"meeting-{first.id}")

    schedule.cancel_session(db.session.get(CohortSession, first.id), facilitator)
    db.session.commit()
    tasks.meeting_rooms()
    assert teams.calls[-1] == ("cancel", f"meeting-{first.id}")
    assert queries.room_of(first.id).status == RoomStatus.CANCELLED
    assert queries.join_url(first) == MANUAL


def test_a_claimed_room_is_skipped_by_a_second_job_and_gives_up_after_the_session(
    org, make_user, teams
):
    configure(
        org,
        Provider.TEAMS,
        teams_tenant_id="t",
        teams_client_id="c",
        teams_client_secret="s",
        teams_organizer="o",
    )
    facilitator = make_user(Role.FACILITATOR)
    plan(make_cohort(org, facilitator), facilitator)
    now = utcnow()
    claimed = services.claim_due(now)
    db.session.commit()
    assert claimed and services.claim_due(now) == []

    room = services.rooms_with_sessions(claimed[:1])[0]
    teams.fail = "down"
    services.process(room, room.session, teams, room.session.ends_at + timedelta(minutes=1))
    assert room.status == RoomStatus.FAILED and room.pending_action is None


def test_admin_saves_settings_with_the_secret_encrypted(client, login_as, org, make_user, make_org):
    admin = make_user(Role.ADMIN)
    login_as(admin)
    incomplete = client.post(
        "/beheer/vergaderruimtes", data={"provider": "teams", "teams_tenant_id": "mijn-tenant"}
    )
    assert incomplete.status_code == 200
    assert 'value="mijn-tenant"' in incomplete.get_data(as_text=True)
    assert db.session.scalar(select(RoomSettings)) is None

    data = {
        "provider": "teams",
        "teams_tenant_id": "mijn-tenant",
        "teams_client_id": "client-1",
        "teams_client_secret": "heel-geheim-123",
        "teams_organizer": "trainingen@gemeente.nl",
    }
    assert client.post("/beheer/vergaderruimtes", data=data).status_code == 302
    saved = db.session.scalar(select(RoomSettings))
    assert saved.organisation_id == org.id
    assert "heel-geheim-123" not in (saved.teams_secret_encrypted or "")
    assert services.client_secret(saved) == "heel-geheim-123"
    page = client.get("/beheer/vergaderruimtes").get_data(as_text=True)
    assert "heel-geheim-123" not in page and "client-1" in page

    # saving again without a secret keeps it; a bad Jitsi address is refused
    data.update(teams_client_secret="", teams_client_id="client-2")
    assert client.post("/beheer/vergaderruimtes", data=data).status_code == 302
    assert services.client_secret(db.session.scalar(select(RoomSettings))) == "heel-geheim-123"
    bad = client.post(
        "/beheer/vergaderruimtes", data={"provider": "jitsi", "jitsi_url": "http://x"}
    )
    assert bad.status_code == 200 and "https://" in bad.get_data(as_text=True)

    login_as(make_user(Role.ADMIN, organisation=make_org()))
    assert "client-2" not in client.get("/beheer/vergaderruimtes").get_data(as_text=True)


def test_a_move_while_the_meeting_is_being_made_is_not_lost(org, make_user, teams):
    configure(
        org,
        Provider.TEAMS,
        teams_tenant_id="t",
        teams_client_id="c",
        teams_client_secret="s",
        teams_organizer="o",
    )
    facilitator = make_user(Role.FACILITATOR)
    first = plan(make_cohort(org, facilitator), facilitator)[0]
    created = teams.create

    def create_while_moved(session, subject):
        made = created(session, subject)
        if session.id == first.id:  # another request moves the session meanwhile
            db.session.execute(
                db.update(MeetingRoom)
                .where(MeetingRoom.session_id == first.id)
                .values(updated_at=utcnow() + timedelta(seconds=1))
            )
        return made

    teams.create = create_while_moved
    tasks.meeting_rooms()
    room = queries.room_of(first.id)
    assert room.external_id == f"meeting-{first.id}"
    assert room.pending_action == RoomAction.UPDATE  # the new time still goes to Microsoft


def test_with_rooms_made_a_link_of_ones_own_is_optional_and_a_room_not_ready_is_explained(
    org, make_user, client, login_as, teams, clock
):
    from dataclasses import replace

    from tests.factories import enrol, schedule_inputs

    facilitator = make_user(Role.FACILITATOR)
    programme = get_content().programme(CAREER_PROGRAMME)
    without_link = [replace(item, meeting_url="") for item in schedule_inputs()]
    # The manual link only: every session needs its own link.
    with pytest.raises(schedule.ScheduleInvalid) as refused:
        schedule.schedule_sessions(
            make_cohort(org, facilitator), programme, without_link, facilitator
        )
    assert all("meeting_url" in fields for fields in refused.value.errors.values())
    db.session.rollback()
    # With rooms made for the organisation, the link may stay empty (one given is still checked).
    configure(
        org,
        Provider.TEAMS,
        teams_tenant_id="t",
        teams_client_id="c",
        teams_client_secret="s",
        teams_organizer="o@gemeente.nl",
    )
    cohort = make_cohort(org, facilitator, name="Met ruimtes")
    bad = [replace(without_link[0], meeting_url="http://niet-veilig.example")] + without_link[1:]
    with pytest.raises(schedule.ScheduleInvalid):
        schedule.schedule_sessions(cohort, programme, bad, facilitator)
    db.session.rollback()
    cohort = db.session.get(type(cohort), cohort.id)
    sessions = schedule.schedule_sessions(cohort, programme, without_link, facilitator)
    db.session.commit()
    assert [s.meeting_url for s in sessions] == [""] * len(sessions)
    login_as(facilitator)
    form = client.get(f"/cohorten/{cohort.id}/sessies/{sessions[0].id}").text
    assert "Niet verplicht: er wordt een vergaderruimte voor deze sessie gemaakt" in form
    # The Teams room is still being made and there is no link of one's own: the join URL says so.
    person = make_user(Role.PARTICIPANT)
    enrol(cohort, person)
    db.session.commit()
    clock(sessions[0].starts_at - timedelta(minutes=5))
    login_as(person)
    response = client.get(f"/sessies/{sessions[0].id}/deelnemen")
    assert response.status_code == 200
    assert "De online ruimte is nog niet klaar" in response.text
