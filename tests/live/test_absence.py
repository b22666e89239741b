"""'Ik kan niet komen': a signed one-click link in the reminder mail (once, only for its person
and session) and a button on the start page until the start; the person is excused, the
facilitator told, and the page offers what to catch up with."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from learnpath.cohorts.models import Attendance, AttendanceStatus
from learnpath.extensions import db
from learnpath.live import services
from learnpath.live.models import AbsenceNotice
from learnpath.notifications.models import OutboxMessage
from tests.live.conftest import main_of


def _notices() -> list[AbsenceNotice]:
    return list(db.session.scalars(select(AbsenceNotice)))


def test_the_signed_link_works_once_for_its_person_and_session(group, client, clock, login_as):
    session, other_session = group.sessions[0], group.sessions[1]
    person, other = group.participants
    clock(session.starts_at - timedelta(days=1))
    token = services.absence_token(session.id, person.id)
    url = f"/sessies/{session.id}/afmelden/{token}"
    # Not for another session, not tampered with, not while someone else is signed in.
    assert client.get(f"/sessies/{other_session.id}/afmelden/{token}").status_code == 404
    assert client.get(url + "x").status_code == 404
    login_as(other)
    assert client.get(url).status_code == 404
    with client.session_transaction() as s:
        s.clear()
    page = client.get(url)
    assert page.status_code == 200 and "Bevestigen dat ik niet kan komen" in page.text
    done = client.post(url, data={"reason": "work"})
    assert "De begeleider heeft bericht gekregen" in done.text
    assert 'href="/opdrachten/' in done.text  # the work that follows the missed session
    notice = _notices()
    assert [(n.user_id, n.session_id, n.reason.value) for n in notice] == [
        (person.id, session.id, "work")
    ]
    mark = db.session.scalar(select(Attendance).where(Attendance.user_id == person.id))
    assert mark.status == AttendanceStatus.EXCUSED
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "live.absence"))
    assert mail.recipient_email == group.facilitator.email and person.name in mail.body_text
    # Works once.
    again = client.post(url, data={"reason": ""})
    assert "Je hebt al laten weten" in again.text and len(_notices()) == 1


def test_the_start_page_button_until_the_session_starts(group, client, clock, login_as):
    session = group.sessions[0]
    person = group.participants[0]
    login_as(person)
    clock(session.starts_at - timedelta(hours=2))
    page = main_of(client.get("/"))
    assert f'href="/sessies/{session.id}/afmelden"' in page
    client.post(f"/sessies/{session.id}/afmelden", data={"reason": ""})
    assert 'id="absence-noted"' in main_of(client.get("/"))
    assert len(_notices()) == 1 and _notices()[0].reason is None
    # Once the session has started, there is no button and the page refuses.
    other = group.participants[1]
    login_as(other)
    clock(session.starts_at + timedelta(minutes=1))
    assert f'href="/sessies/{session.id}/afmelden"' not in main_of(client.get("/"))
    refused = client.post(f"/sessies/{session.id}/afmelden", data={"reason": ""})
    assert "De sessie is al begonnen" in refused.text and len(_notices()) == 1
