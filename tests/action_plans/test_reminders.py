"""Scheduler reminders around the action plan: unacknowledged shares and follow-up dates."""

from __future__ import annotations

from datetime import date, timedelta

from freezegun import freeze_time
from sqlalchemy import select

from learnpath.action_plans import reminders as plan_reminders
from learnpath.action_plans import services
from learnpath.action_plans.models import Conversation
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage


def _messages(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_manager_is_reminded_once_of_an_unacknowledged_plan(setup, shared):
    shared(["question"])
    with freeze_time(utcnow() + timedelta(days=6)):
        assert plan_reminders.unacknowledged_plan_reminders() == 0
    with freeze_time(utcnow() + timedelta(days=8)):
        assert plan_reminders.unacknowledged_plan_reminders() == 1
        assert plan_reminders.unacknowledged_plan_reminders() == 0
    db.session.commit()
    [mail] = _messages("reminder.plan_ack")
    assert mail.recipient_user_id == setup.manager.id
    assert setup.participant.name in mail.body_text


def test_acknowledged_or_revoked_plans_send_no_reminder(setup, shared):
    row = shared(["question"])
    services.acknowledge(row)
    db.session.commit()
    with freeze_time(utcnow() + timedelta(days=30)):
        assert plan_reminders.unacknowledged_plan_reminders() == 0


def test_follow_up_date_reminds_participant_and_manager_once(setup, shared):
    row = shared(["question"])
    follow_up = (utcnow() + timedelta(days=40)).date()
    db.session.add(Conversation(share_id=row.id, follow_up_on=follow_up))
    db.session.commit()
    with freeze_time(follow_up - timedelta(days=1)):
        assert plan_reminders.follow_up_reminders() == 0
    with freeze_time(follow_up + timedelta(hours=9)):
        assert plan_reminders.follow_up_reminders() == 2
        assert plan_reminders.follow_up_reminders() == 0
    db.session.commit()
    mails = {m.recipient_user_id: m for m in _messages("reminder.follow_up")}
    assert set(mails) == {setup.participant.id, setup.manager.id}
    # Only the participant is asked to record how far they got (the manager never sees it).
    assert "/actieplan/terugblik" in mails[setup.participant.id].body_text
    assert "alleen jij ziet je antwoorden" in mails[setup.participant.id].body_text
    assert "/actieplan/terugblik" not in mails[setup.manager.id].body_text
    with freeze_time(follow_up + timedelta(days=20)):
        assert plan_reminders.follow_up_reminders() == 0
    assert isinstance(follow_up, date)


def test_manager_start_page_shows_shared_plans_and_groups(setup, shared, login_as, client):
    shared(["question"])
    login_as(setup.manager)
    page = client.get("/").text
    assert "Met jou gedeelde plannen: 1" in page and "1 nog niet bevestigd" in page
    assert "Je workshop- en intervisiegroepen: 0" in page
