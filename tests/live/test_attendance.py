"""Attendance with care: only for a session that has started, pre-filled from the join clicks
and "ik kan niet komen", "iedereen aanwezig" as a start, no one listed who is not enrolled,
excused apart from absent; only what the facilitator confirms counts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.cohorts import services as cohort_services
from learnpath.cohorts.models import Attendance, AttendanceStatus, EnrolmentStatus
from learnpath.extensions import db
from learnpath.live import services
from learnpath.live.models import AbsenceReason
from tests.live.conftest import main_of


def _checked(page: str, user_id: int) -> str | None:
    for status in AttendanceStatus:
        marker = f'id="st-{user_id}-{status.value}" name="status-{user_id}" value="{status.value}" checked'
        if marker in page:
            return status.value
    return None


def test_the_form_waits_for_the_start(make_group, login_as, client, clock):
    group = make_group(size=1)
    session = group.sessions[0]
    url = f"/cohorten/{group.cohort.id}/sessies/{session.id}/aanwezigheid"
    login_as(group.facilitator)
    clock(session.starts_at - timedelta(minutes=1))
    page = main_of(client.get(url))
    assert 'id="attendance-not-started"' in page and "<fieldset" not in page
    client.post(url, data={f"status-{group.participants[0].id}": "present"})
    assert db.session.scalars(select(Attendance)).all() == []


def test_prefilled_from_joins_and_notices_then_confirmed(
    make_group, make_user, login_as, client, clock
):
    group = make_group(size=3)
    session = group.sessions[0]
    joined, excused, silent = group.participants
    services.say_cannot_come(
        session, excused, AbsenceReason.ILLNESS, session.starts_at - timedelta(days=1)
    )
    services.record_join(session, joined, session.starts_at - timedelta(minutes=10))
    offered = make_user(Role.PARTICIPANT, name="Aangeboden Plaats")
    cohort_services.sign_up(group.cohort, offered).status = EnrolmentStatus.OFFERED
    db.session.commit()
    url = f"/cohorten/{group.cohort.id}/sessies/{session.id}/aanwezigheid"
    login_as(group.facilitator)
    clock(session.starts_at + timedelta(minutes=20))
    page = main_of(client.get(url))
    assert "Aangeboden Plaats" not in page  # an unconfirmed offer is not listed
    assert _checked(page, joined.id) == "present" and "Deelgenomen om" in page
    assert _checked(page, excused.id) == "excused" and "Ziekte" in page
    assert _checked(page, silent.id) is None
    # Nothing counts before the facilitator confirms: the join is not attendance.
    assert db.session.scalar(select(Attendance).where(Attendance.user_id == joined.id)) is None
    start = main_of(client.get(url + "?start=iedereen"))
    assert _checked(start, silent.id) == "present" and _checked(start, excused.id) == "excused"
    response = client.post(
        url,
        data={
            f"status-{joined.id}": "present",
            f"status-{excused.id}": "excused",
            f"status-{silent.id}": "absent",
        },
    )
    assert response.status_code == 302
    marks = {a.user_id: a.status for a in db.session.scalars(select(Attendance))}
    assert marks == {
        joined.id: AttendanceStatus.PRESENT,
        excused.id: AttendanceStatus.EXCUSED,
        silent.id: AttendanceStatus.ABSENT,
    }
    assert "Bevestigd" in main_of(client.get(url))
