"""The join window and attendance from joins: no button and no link at T-16, both at T-15, for
seat holders only; the learnpath join URL redirects to the room in the window and explains
otherwise; every click in the window is one join record per person and session."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learnpath import create_app
from learnpath.accounts.models import Role, User
from learnpath.cohorts import services as cohort_services
from learnpath.cohorts.join import join_window
from learnpath.cohorts.models import CohortSession, EnrolmentStatus
from learnpath.extensions import db
from learnpath.live import services
from learnpath.live.models import SessionJoin
from tests.factories import make_cohort, plan
from tests.live.conftest import main_of


def _joins(session_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(SessionJoin).where(SessionJoin.session_id == session_id)
    )


def test_window_comes_from_content(group):
    session = group.sessions[0]
    assert join_window(session).opens_at == session.starts_at - timedelta(minutes=15)


def test_no_button_or_link_at_t_minus_16_both_at_t_minus_15(group, login_as, client, clock):
    session = group.sessions[0]
    join = f"/sessies/{session.id}/deelnemen"
    login_as(group.participants[0])
    clock(session.starts_at - timedelta(minutes=16))
    page = main_of(client.get("/"))
    assert 'id="join-session"' not in page and join not in page
    assert session.meeting_url not in page
    # The join URL itself explains and does not redirect, nor record anything.
    response = client.get(join)
    assert response.status_code == 200 and session.meeting_url not in response.text
    assert "De online ruimte gaat open op" in response.text
    assert _joins(session.id) == 0
    clock(session.starts_at - timedelta(minutes=15))
    page = main_of(client.get("/"))
    assert 'id="join-session"' in page and join in page
    response = client.get(join)
    assert response.status_code == 302 and response.headers["Location"] == session.meeting_url
    client.get(join)  # a second click: still one record
    assert _joins(session.id) == 1
    clock(session.ends_at)
    response = client.get(join)
    assert response.status_code == 200 and "Deze sessie is afgelopen." in response.text


def test_people_without_a_seat_never_get_the_room(group, make_user, org, login_as, client, clock):
    session = group.sessions[0]
    clock(session.starts_at - timedelta(minutes=5))
    join = f"/sessies/{session.id}/deelnemen"
    # Another cohort's participant: the session does not exist for them.
    other_coach = make_user(Role.FACILITATOR)
    other = make_cohort(org, other_coach, name="Ander")
    plan(other, other_coach)
    outsider = make_user(Role.PARTICIPANT)
    cohort_services.sign_up(other, outsider)
    db.session.commit()
    login_as(outsider)
    assert client.get(join).status_code == 404
    # A place offered but not confirmed: an explanation, no room.
    offered = make_user(Role.PARTICIPANT)
    enrolment = cohort_services.sign_up(group.cohort, offered)
    enrolment.status = EnrolmentStatus.OFFERED
    db.session.commit()
    login_as(offered)
    response = client.get(join)
    assert response.status_code == 200 and session.meeting_url not in response.text
    assert 'id="join-session"' not in main_of(client.get("/"))
    # Another facilitator (of another cohort) is refused; the group's own goes in at any time.
    login_as(other_coach)
    assert client.get(join).status_code == 404
    clock(session.starts_at - timedelta(days=2))
    login_as(group.facilitator)
    response = client.get(join)
    assert response.status_code == 302 and response.headers["Location"] == session.meeting_url
    assert _joins(session.id) == 0


@pytest.fixture
def pool_app(app_config, _migrated, app):
    """A second app on the same database whose connections run in threads."""
    sqlite = app_config["DATABASE_URL"].startswith("sqlite")
    return create_app(
        {
            **app_config,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                **({"connect_args": {"timeout": 30, "check_same_thread": False}} if sqlite else {}),
                "pool_size": 8,
                "max_overflow": 0,
            },
        }
    )


def test_parallel_clicks_make_one_record(pool_app, group):
    session, user = group.sessions[0], group.participants[0]
    session_id, user_id, now = session.id, user.id, session.starts_at
    db.session.commit()
    db.session.rollback()
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def click() -> None:
        with pool_app.app_context():
            barrier.wait()
            try:
                services.record_join(
                    db.session.get(CohortSession, session_id), db.session.get(User, user_id), now
                )
                db.session.commit()
            except BaseException as exc:  # collected below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda _: click(), range(6)))
    assert errors == []
    db.session.expire_all()
    assert _joins(session_id) == 1
