"""The MIME form of invitations (M3/M4), built from real outbox rows."""

from __future__ import annotations

import email
import email.policy

from sqlalchemy import select

from learnpath.cohorts import services as cohorts
from learnpath.extensions import db
from learnpath.notifications.mime import build_message
from learnpath.notifications.models import OutboxMessage
from tests.ical.factories import enrol, plan
from tests.ical.parsing import check_icalendar, parse_all

FROM = "learnpath <noreply@learnpath.local>"


def outbox(kind):
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def received(message):
    """What a mail client gets: the serialised message parsed back."""
    return email.message_from_bytes(
        build_message(message, FROM).as_bytes(), policy=email.policy.SMTP
    )


def structure(message):
    return [part.get_content_type() for part in message.walk()]


def check(row):
    mail = received(row)
    assert structure(mail) == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ]
    assert mail["From"] == FROM and mail["To"] == row.recipient_email
    assert mail["Message-ID"] == row.message_id
    calendar_part = next(p for p in mail.walk() if p.get_content_type() == "text/calendar")
    attachment = next(p for p in mail.walk() if p.get_content_type() == "application/ics")
    data = calendar_part.get_payload(decode=True)
    assert calendar_part.get_content_charset() == "utf-8"
    method = calendar_part.get_param("method")
    assert method == row.ics_method
    assert str(check_icalendar(data)["METHOD"]) == method  # the parameter equals METHOD (M3)
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_payload(decode=True) == data == row.ics.encode()
    assert data.count(b"BEGIN:VEVENT") == 1
    assert all(len(events) == 1 for events in parse_all(data).values())
    assert (
        "Hello"
        in next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_content()
    )
    return data


def test_request_and_cancel_are_multipart_with_calendar_part_and_attachment(cohort, coach, person):
    plan(cohort, coach)
    enrolment = enrol(cohort, person)
    cohorts.withdraw(enrolment)
    db.session.commit()
    requests, cancels = outbox("ical.request"), outbox("ical.cancel")
    assert len(requests) == len(cancels) == 3
    for row in requests + cancels:
        data = check(row)
        assert f"METHOD:{row.ics_method}\r\n".encode() in data


def test_message_without_calendar_is_text_and_html(cohort, person):
    cohorts.sign_up(cohort, person)
    db.session.commit()
    row = outbox("enrolment.enrolled")[0]
    assert structure(received(row)) == ["multipart/alternative", "text/plain", "text/html"]
