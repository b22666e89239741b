"""Delivery from the outbox to a real SMTP server: parts, retries, failures, races, crashes."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from datetime import timedelta
from email.message import Message

import pytest
from sqlalchemy import func, select

from learnpath.accounts import services as accounts
from learnpath.accounts.models import Role
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications import delivery
from learnpath.notifications.models import OutboxMessage, OutboxStatus
from learnpath.notifications.services import queue_message
from tests.notifications.smtp import SmtpServer, flask_process


@pytest.fixture
def smtp(app):
    server = SmtpServer().start()
    app.config.update(server.config())
    yield server
    server.stop()


def _queue_invites(make_user, n: int) -> list[OutboxMessage]:
    users = [make_user(Role.PARTICIPANT, active=False) for _ in range(n)]
    for user in users:
        accounts.send_invitation(user)
    db.session.commit()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _parts(message: Message) -> list[str]:
    return [part.get_content_type() for part in message.walk()]


def test_message_arrives_with_headers_text_and_html(app, smtp, make_user):
    user = make_user(Role.PARTICIPANT, active=False, name="Ilse Instroom", email="ilse@example.org")
    accounts.send_invitation(user)
    db.session.commit()
    assert delivery.deliver_pending() == 1
    [received] = smtp.recorder.messages
    queued = db.session.scalar(select(OutboxMessage))
    assert received["To"] == "ilse@example.org"
    assert received["From"] == app.config["MAIL_FROM"]
    assert received["Subject"] == "Je uitnodiging voor learnpath"
    assert received["Message-ID"] == queued.message_id
    assert _parts(received) == ["multipart/alternative", "text/plain", "text/html"]
    assert "Hallo Ilse Instroom" in received.get_body(("plain",)).get_content()
    assert "<p>Hallo Ilse Instroom" in received.get_body(("html",)).get_content()
    assert queued.status == OutboxStatus.SENT and queued.sent_at is not None


def test_calendar_part_carries_the_method(app, smtp, make_user):
    user = make_user(Role.PARTICIPANT)
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    queue_message(
        "test.ics", user, "Uitnodiging", "accounts/invite", ics=ics, ics_method="REQUEST", link="x"
    )
    db.session.commit()
    delivery.deliver_pending()
    [received] = smtp.recorder.messages
    calendar = next(p for p in received.walk() if p.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in calendar.get_content()
    assert any(p.get_filename() == "invite.ics" for p in received.walk())


def test_smtp_down_keeps_messages_queued_until_it_is_back(app, make_user):
    server = SmtpServer()
    app.config.update(server.config())  # nothing listens on that port yet
    _queue_invites(make_user, 3)
    assert delivery.deliver_pending() == 0
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert all(r.status == OutboxStatus.PENDING and r.attempts == 1 for r in rows)
    assert all(r.next_attempt_at > utcnow() for r in rows)  # backed off
    assert delivery.deliver_pending() == 0  # not due yet: nothing is attempted
    server.start()
    try:
        for r in rows:
            r.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert delivery.deliver_pending() == 3
        assert len(server.recorder.messages) == 3
    finally:
        server.stop()


def test_permanent_failure_is_recorded_and_visible_to_admins(
    app, smtp, make_user, client, login_as, runner
):
    smtp.recorder.refuse_recipients.add("weg@example.org")
    user = make_user(Role.PARTICIPANT, active=False, email="weg@example.org")
    accounts.send_invitation(user)
    db.session.commit()
    delivery.deliver_pending()
    message = db.session.scalar(select(OutboxMessage))
    assert message.status == OutboxStatus.FAILED and "550" in message.last_error
    login_as(make_user(Role.ADMIN))
    page = client.get("/beheer/berichten").text
    assert "weg@example.org" in page and "550" in page
    status = runner.invoke(args=["outbox", "status"])
    assert "failed   1" in status.output
    smtp.recorder.refuse_recipients.clear()
    assert "1 message(s) queued again" in runner.invoke(args=["outbox", "retry-failed"]).output
    assert delivery.deliver_pending() == 1


def test_two_senders_never_send_the_same_message(app, smtp, make_user, app_config):
    _queue_invites(make_user, 40)
    smtp.recorder.delay_seconds = 0.01
    db.session.commit()

    def sender() -> None:
        with app.app_context():
            delivery.deliver_pending()
            db.session.remove()

    db.session.rollback()
    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = smtp.recorder.message_ids()
    assert len(ids) == 40 and len(set(ids)) == 40
    assert (
        db.session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT))
        == 40
    )


def _deliver_process(app_config, smtp: SmtpServer) -> subprocess.Popen[str]:
    return flask_process(
        app_config, smtp, "outbox", "deliver", OUTBOX_LEASE_SECONDS="1", OUTBOX_BATCH_SIZE="10"
    )


def test_killed_sender_loses_nothing(app, smtp, make_user, app_config):
    queued = {m.message_id for m in _queue_invites(make_user, 30)}
    db.session.commit()
    smtp.recorder.delay_seconds = 0.1  # slow server: the kill lands mid-batch
    process = _deliver_process(app_config, smtp)
    deadline = time.monotonic() + 60
    while len(smtp.recorder.messages) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = len(smtp.recorder.messages)
    assert 0 < before < 30, "the sender was killed mid-batch"
    time.sleep(1.2)  # the dead sender's claims expire (lease 1 s)
    smtp.recorder.delay_seconds = 0
    restarted = _deliver_process(app_config, smtp)
    assert restarted.wait(timeout=120) == 0
    received = smtp.recorder.message_ids()
    assert set(received) == queued  # every message arrived
    # At most the one message that was in flight at the kill can arrive twice, and then
    # with the same Message-ID, so it is recognisable as a repeat.
    assert len(received) - len(set(received)) <= 1
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count()).where(OutboxMessage.status != OutboxStatus.SENT))
        == 0
    )


def test_file_backend_in_development(app, make_user, tmp_path):
    app.config["MAIL_BACKEND"] = "file"
    app.instance_path = str(tmp_path)
    _queue_invites(make_user, 2)
    assert delivery.deliver_pending() == 2
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2
