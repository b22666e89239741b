"""Two schedulers at every reminder boundary, on PostgreSQL: real threads, separate connections.

At each boundary both run the session and the assignment reminder jobs at the same moment
(each job its own transaction, as ``jobs.run_job`` does). Whatever the interleaving, every
person gets at most one message per job and moment, no item is marked twice, and a third run
at the same moment finds nothing left (nothing was lost either).
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from learnpath import create_app
from learnpath.assignments import reminders as assignment_reminders
from learnpath.assignments.services import due_for
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.notifications import digest
from learnpath.notifications.models import OutboxMessage, ReminderItem
from learnpath.schedule import reminders as session_reminders
from tests.conftest import is_postgres

pytestmark = pytest.mark.skipif(
    not is_postgres(), reason="concurrent schedulers are checked on PostgreSQL"
)

JOBS = (session_reminders.session_reminders, assignment_reminders.assignment_reminders)


@pytest.fixture
def second_app(app_config, _migrated, app) -> Flask:
    config = {**app_config, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 4, "max_overflow": 0}}
    return create_app(config)


def _two_schedulers(
    second_app: Flask, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> list[BaseException]:
    """Run both jobs in two threads; both read what was sent before either writes (so both
    try to queue the same items and the database must let exactly one win)."""
    db.session.rollback()
    barrier = threading.Barrier(2)
    read_both = threading.Barrier(2)
    errors: list[BaseException] = []
    original = digest.already_marked

    def already_marked_then_wait(keys):
        found = original(keys)
        read_both.wait(timeout=30)
        return found

    monkeypatch.setattr(digest, "already_marked", already_marked_then_wait)

    def scheduler() -> None:
        with second_app.app_context():
            try:
                for job in JOBS:
                    barrier.wait()
                    try:
                        job(now)
                        db.session.commit()
                    except BaseException:
                        db.session.rollback()
                        raise
            except BaseException as exc:  # asserted on below
                errors.append(exc)
                barrier.abort()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    monkeypatch.setattr(digest, "already_marked", original)
    return errors


def test_two_schedulers_at_every_boundary_send_one_mail_per_person_and_moment(
    make_group, second_app, monkeypatch
):
    group = make_group(size=3)
    intro = group.sessions[0]
    content = get_content()
    due = due_for(group.enrolments[0], content.assignments["kernkwadrant"], content)
    assert due is not None
    tick = timedelta(microseconds=1)
    boundaries = [
        intro.starts_at - timedelta(hours=24),  # the day-before reminder starts
        intro.starts_at - timedelta(hours=1),  # the hour-before reminder starts
        due - assignment_reminders.DUE_SOON,  # five due soon: one digest
        due,  # still on time ("Jij op je best" becomes due soon a day before its own)
        due + tick,  # overdue
        due + assignment_reminders.OVERDUE_WINDOW - tick,  # the last moment to nudge
    ]
    people = {p.id for p in group.participants}
    seen: set[int] = set()
    for now in boundaries:
        errors = _two_schedulers(second_app, now, monkeypatch)
        assert errors == []
        new = [
            m
            for m in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind.startswith("reminder."))
            )
            if m.id not in seen
        ]
        seen |= {m.id for m in new}
        per_person_and_job = Counter((m.recipient_user_id, m.kind.split(".")[1]) for m in new)
        assert per_person_and_job, f"nothing sent at {now}"
        assert set(per_person_and_job.values()) == {1}, (now, per_person_and_job)
        assert {user for user, _job in per_person_and_job} == people
        # A third scheduler at the same moment finds nothing left to send.
        assert [job(now) for job in JOBS] == [0, 0]
        db.session.rollback()
    items = db.session.scalars(select(ReminderItem)).all()
    assert len({i.key for i in items}) == len(items)
    # Every marked item belongs to a message to the same person.
    messages = {m.id: m for m in db.session.scalars(select(OutboxMessage))}
    assert all(
        messages[i.outbox_message_id].recipient_user_id == i.recipient_user_id for i in items
    )
    # Per person: 2 session reminders, 5 + 1 due soon, 5 + 1 overdue.
    assert Counter(i.recipient_user_id for i in items) == {p: 14 for p in people}
