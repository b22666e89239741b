"""Email invitations (iMIP): REQUEST / CANCEL per person per session, through the services."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.cohorts import services as cohorts
from learnpath.extensions import db
from learnpath.ical import invitations
from learnpath.notifications.models import OutboxMessage
from learnpath.schedule import services as schedule
from tests.ical.factories import THIRD_DAY, enrol, make_cohort, plan, reschedule, stamp
from tests.ical.parsing import assert_times_match, check_icalendar


def imip(user=None, uid=None):
    """Queued iMIP messages (oldest first), optionally for one user and/or one session."""
    query = select(OutboxMessage).where(OutboxMessage.kind.like("ical.%"))
    if user is not None:
        query = query.where(OutboxMessage.recipient_user_id == user.id)
    messages = list(db.session.scalars(query.order_by(OutboxMessage.id)))
    if uid is not None:
        messages = [m for m in messages if f"UID:{uid}\r\n" in m.ics]
    return messages


def vevent(message):
    """Check the invariants every invitation holds and return its only VEVENT."""
    calendar = check_icalendar(message.ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1  # M1
    assert str(calendar["METHOD"]) == message.ics_method  # M2/M3
    assert message.ics.index("METHOD:") < message.ics.index("BEGIN:VTIMEZONE")
    assert "BEGIN:VALARM" not in message.ics
    event = events[0]
    attendees = event.get("ATTENDEE")
    assert not isinstance(attendees, list)  # only the recipient (M10)
    assert str(attendees) == f"mailto:{message.recipient_email}"
    assert str(event["ORGANIZER"]) != str(attendees)  # M6
    assert "DTSTAMP" in event and "SEQUENCE" in event  # M5
    if message.ics_method == "REQUEST":
        assert event.get("STATUS") != "CANCELLED"
    return event


def test_enrolment_sends_one_request_per_session(cohort, coach, person):
    sessions = plan(cohort, coach)
    enrol(cohort, person)
    messages = imip(person)
    assert [m.ics_method for m in messages] == ["REQUEST"] * 3
    for message, session in zip(messages, sessions, strict=True):
        event = vevent(message)
        assert str(event["UID"]) == session.uid
        assert event["SEQUENCE"] == session.sequence == 0
        assert event["STATUS"] == "CONFIRMED"
        assert str(event["ORGANIZER"]) == "mailto:anna@coach.example"
        assert event["ORGANIZER"].params["SENT-BY"] == "mailto:noreply@learnpath.local"
        assert message.idempotency_key == f"ical:{session.uid}:0:REQUEST:{person.id}"
        assert_times_match(message.ics, [session])
        assert message.subject.startswith("Invitation: ")
        assert "You are invited to the session below" in message.body_text
    assert imip(coach) == []  # the organiser gets no invitation


def test_planning_sends_requests_to_enrolled_participants(org, coach, make_user):
    cohort = make_cohort(org, [coach], name="Spring", signup_days=60)
    people = [make_user(Role.PARTICIPANT, locale="en") for _ in range(3)]
    for member in people:
        cohorts.sign_up(cohort, member)
    db.session.commit()
    assert imip() == []  # nothing planned yet
    sessions = plan(cohort, coach)
    for member in people:
        messages = imip(member)
        assert sorted(str(vevent(m)["UID"]) for m in messages) == sorted(s.uid for s in sessions)


def test_reschedule_reschedule_cancel_keeps_uid_and_raises_sequence(cohort, coach, person):
    sessions = plan(cohort, coach)
    enrol(cohort, person)
    target = sessions[2]
    reschedule(target, THIRD_DAY + timedelta(days=1), time(14, 0), coach)
    reschedule(target, THIRD_DAY + timedelta(days=2), time(9, 0), coach)
    schedule.cancel_session(target, coach)
    db.session.commit()
    messages = imip(person, target.uid)
    assert [m.ics_method for m in messages] == ["REQUEST", "REQUEST", "REQUEST", "CANCEL"]
    events = [vevent(m) for m in messages]
    assert {str(e["UID"]) for e in events} == {target.uid}
    sequences = [e["SEQUENCE"] for e in events]
    assert sequences == sorted(set(sequences)) == [0, 1, 2, 3]  # strictly increasing (M7/M8)
    stamps = [e["DTSTAMP"].dt for e in events]
    assert stamps == sorted(stamps)
    moved = stamp(THIRD_DAY + timedelta(days=2), time(9))
    assert f"DTSTART;TZID=Europe/Amsterdam:{moved}" in messages[2].ics
    assert events[3]["STATUS"] == "CANCELLED"  # M8
    assert messages[1].subject.startswith("Changed: ")
    assert messages[3].subject.startswith("Cancelled: ")


def test_withdrawal_cancels_only_for_that_person_without_status(cohort, coach, person, make_user):
    sessions = plan(cohort, coach)
    other = make_user(Role.PARTICIPANT, locale="en")
    enrolment = enrol(cohort, person)
    enrol(cohort, other)
    before_other = len(imip(other))
    cohorts.withdraw(enrolment)
    db.session.commit()
    cancels = [m for m in imip(person) if m.ics_method == "CANCEL"]
    assert len(cancels) == 3
    for message, session in zip(cancels, sessions, strict=True):
        event = vevent(message)
        assert str(event["UID"]) == session.uid
        assert "STATUS" not in event  # M9
        assert event["SEQUENCE"] == session.sequence
        assert "You no longer take part in Spring" in message.body_text
    assert len(imip(other)) == before_other  # nobody else hears of it (M9/M10)


def test_cohort_cancel_sends_cancel_with_status(cohort, coach, person):
    sessions = plan(cohort, coach)
    enrol(cohort, person)
    schedule.cancel_cohort(cohort, coach)
    db.session.commit()
    cancels = [m for m in imip(person) if m.ics_method == "CANCEL"]
    assert len(cancels) == 3
    for message, session in zip(cancels, sessions, strict=True):
        event = vevent(message)
        assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1
        assert str(event["UID"]) == session.uid


def test_retries_never_double(cohort, coach, person):
    sessions = plan(cohort, coach)
    enrol(cohort, person)
    assert invitations.send(sessions, [person], invitations.Reason.NEW) == 0
    enrolment = cohorts.active_enrolment(person)
    invitations.enrolment_changed(enrolment)
    db.session.commit()
    assert len(imip(person)) == 3


def test_coming_back_after_withdrawal_gets_new_invitations(cohort, coach, person):
    sessions = plan(cohort, coach)
    enrolment = enrol(cohort, person)
    cohorts.withdraw(enrolment)
    db.session.commit()
    enrol(cohort, person)
    methods = [m.ics_method for m in imip(person, sessions[0].uid)]
    assert methods == ["REQUEST", "CANCEL", "REQUEST"]
    keys = [m.idempotency_key for m in imip(person, sessions[0].uid)]
    assert keys[2] == f"ical:{sessions[0].uid}:0:REQUEST:{person.id}:3"


def test_unconfirmed_seat_gets_invitations_once_approved(org, coach, make_user):
    manager = make_user(Role.MANAGER)
    member = make_user(Role.PARTICIPANT, manager=manager, locale="en")
    cohort = make_cohort(org, [coach], name="Spring", signup_days=60, approval=True)
    plan(cohort, coach)
    enrolment = cohorts.sign_up(cohort, member)
    db.session.commit()
    assert imip(member) == []
    cohorts.decide_approval(enrolment, manager, approve=True)
    db.session.commit()
    assert [m.ics_method for m in imip(member)] == ["REQUEST"] * 3


def test_declined_seat_without_invitation_gets_no_cancel(org, coach, make_user):
    manager = make_user(Role.MANAGER)
    member = make_user(Role.PARTICIPANT, manager=manager)
    cohort = make_cohort(org, [coach], name="Spring", signup_days=60, approval=True)
    plan(cohort, coach)
    enrolment = cohorts.sign_up(cohort, member)
    cohorts.decide_approval(enrolment, manager, approve=False)
    db.session.commit()
    assert imip(member) == []


def test_invitation_in_the_recipients_language(cohort, coach, make_user):
    plan(cohort, coach)
    dutch = make_user(Role.PARTICIPANT, locale="nl")
    enrol(cohort, dutch)
    event = vevent(imip(dutch)[0])
    assert str(event["SUMMARY"]) == "Introductiesessie – Spring"
