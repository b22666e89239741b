"""Assignment reminders: due within 48 hours, and overdue once; not for handed-in work."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from learnpath.assignments import reminders
from learnpath.assignments.services import due_for
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage, ReminderItem
from tests.factories import hand_in

SLUG = "kernkwadrant"


def _items(kind: str) -> list[ReminderItem]:
    return list(db.session.scalars(select(ReminderItem).where(ReminderItem.kind == kind)))


def _message(item: ReminderItem) -> OutboxMessage:
    return db.session.get(OutboxMessage, item.outbox_message_id)


def test_due_soon_then_overdue_once_and_not_for_handed_in_work(make_group):
    group = make_group(size=2)
    first, second = group.enrolments
    assignment = next(a for a in get_content().assignments.values() if a.slug == SLUG)
    due = due_for(first, assignment, get_content())
    hand_in(second, SLUG)
    with freeze_time(due - timedelta(hours=72)):
        reminders.assignment_reminders()
    assert _items("reminder.assignment.due_soon") == []
    with freeze_time(due - timedelta(hours=47)):
        reminders.assignment_reminders()
        assert reminders.assignment_reminders() == 0  # the same reminder is never queued twice
    db.session.commit()
    due_soon = _items("reminder.assignment.due_soon")
    mine = [i for i in due_soon if i.recipient_user_id == first.user_id]
    assert any("Kernkwadrant" in _message(i).body_text for i in mine)
    # The participant who handed this one in is not reminded of it (only of the others).
    assert not [i for i in due_soon if f":{second.id}:{SLUG}:" in i.key]
    assert [i for i in due_soon if f":{first.id}:{SLUG}:" in i.key]
    with freeze_time(due + timedelta(hours=1)):
        reminders.assignment_reminders()
    with freeze_time(due + timedelta(days=2)):
        reminders.assignment_reminders()
    db.session.commit()
    overdue = [
        i for i in _items("reminder.assignment.overdue") if i.recipient_user_id == first.user_id
    ]
    overdue_for_kernkwadrant = [i for i in overdue if i.key.endswith(f":{first.id}:{SLUG}")]
    assert overdue and len(overdue_for_kernkwadrant) == 1
    with freeze_time(due + timedelta(days=8)):
        before = len(_items("reminder.assignment.overdue"))
        reminders.assignment_reminders()
        assert len(_items("reminder.assignment.overdue")) == before  # too late to nudge


def test_switched_off_assignment_reminders(make_group):
    group = make_group(size=1)
    [enrolment] = group.enrolments
    group.participants[0].wants_assignment_reminders = False
    db.session.commit()
    assignment = get_content().assignments[SLUG]
    due = due_for(enrolment, assignment, get_content())
    with freeze_time(due - timedelta(hours=20)):
        assert reminders.assignment_reminders() == 0
