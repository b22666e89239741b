"""Feeds put together from kept parts give the same bytes as serialising the whole calendar at
once (as feeds were made before, issue #17.4), and the ETag / 304 is decided before anything
is built.

The reference below is the feed code as it was: load the sessions and conversations as ORM
objects, make every event's data and serialise one icalendar Calendar. The fixture is rich:
both DST days, escaped notes, a moved and a cancelled session, a cohort with a long non-ASCII
name and two facilitators, a finished cohort, a career conversation, a Dutch and an English
reader, and a zone without a rule (written in UTC).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event

from learnpath.accounts.models import Role
from learnpath.action_plans.models import ActionPlan, Conversation, PlanShare
from learnpath.cohorts.models import Enrolment, EnrolmentStatus
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.ical import builder, feeds, services
from learnpath.ical.conversations import conversation_event
from learnpath.ical.events import event_data
from learnpath.schedule import services as schedule
from tests.ical.factories import (
    THIRD_DAY,
    YEAR,
    bulk_feed,
    enrol,
    make_cohort,
    plan,
    reschedule,
)
from tests.ical.parsing import check_icalendar


def reference(token: str) -> bytes:
    """The feed of a token as the one-piece code made it (before #17)."""
    row = services.resolve(token)
    assert row is not None
    user, now = row.user, utcnow()
    with force_locale(user.locale):
        if row.is_personal:
            name, zone = _("my sessions"), user.organisation.timezone
            sessions = feeds.personal_sessions(user, now)
            conversations = feeds.personal_conversations(user)
        else:
            assert row.cohort is not None
            name, zone = row.cohort.name, row.cohort.organisation.timezone
            sessions = feeds.cohort_sessions(row.cohort.id, now)
            conversations = []
        events = [event_data(s, mark_cancelled=True) for s in sessions]
        events += [conversation_event(c) for c in conversations]
        return builder.feed_ics_in_one_piece(f"learnpath – {name}", zone, events, now.year)


def token_of(user, cohort=None) -> str:
    row = services.issue_token(user, cohort)
    db.session.commit()
    return services.derive_token(row.seed)


@contextmanager
def counted():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def assert_same(client, token: str) -> bytes:
    """The served feed equals the reference, cold (nothing kept) and warm."""
    feeds.clear_kept_events()
    builder.feed_vevent.cache_clear()
    cold = client.get(f"/cal/{token}.ics")
    warm = client.get(f"/cal/{token}.ics")
    db.session.rollback()  # see what the requests committed
    expected = reference(token)
    assert cold.status_code == 200
    assert cold.data == expected
    assert warm.data == expected
    assert warm.headers["ETag"] == cold.headers["ETag"]
    check_icalendar(expected)
    return expected


def unfolded(body: bytes) -> bytes:
    """The feed's content lines joined again (RFC 5545 3.1 folds them at 75 octets)."""
    return body.replace(b"\r\n ", b"")


@pytest.fixture
def rich(org, make_org, make_user, cohort, coach, person):
    """A participant (English) and a colleague (Dutch) with a rich set of events."""
    sessions = plan(cohort, coach)
    enrol(cohort, person)
    dutch = make_user(Role.PARTICIPANT, locale="nl", name="Joke de Vries")
    enrol(cohort, dutch)
    reschedule(sessions[2], THIRD_DAY + timedelta(days=1), time(14, 0), coach)
    schedule.cancel_session(sessions[1], coach)
    db.session.commit()
    # A finished cohort with a long non-ASCII name and two facilitators.
    other = make_user(Role.FACILITATOR, name="Ümit Özdemir", email="umit@coach.example")
    long = make_cohort(
        org, [coach, other], name="Zuid-Holland één – " + "heel lang " * 8, signup_days=60
    )
    for person_ in (person, dutch):
        db.session.add(Enrolment(cohort=long, user=person_, status=EnrolmentStatus.COMPLETED))
    db.session.commit()
    plan(long, coach)
    # A career conversation with the participant's manager.
    manager = make_user(Role.MANAGER, name="Marie Manager", email="marie@gemeente.example")
    action_plan = ActionPlan(user=person, cohort=cohort, content_version=get_content().version)
    share = PlanShare(plan=action_plan, manager=manager, sections=["goals"])
    db.session.add_all([action_plan, share])
    db.session.flush()
    db.session.add(
        Conversation(
            share_id=share.id,
            starts_at=datetime(YEAR, 10, 25, 9, 30, tzinfo=UTC),
            duration_minutes=45,
            sequence=2,
        )
    )
    db.session.commit()
    return {"person": person, "dutch": dutch, "manager": manager, "sessions": sessions}


def test_feeds_are_byte_identical_to_one_piece_serialisation(client, rich, cohort, coach):
    tokens = [
        token_of(rich["person"]),
        token_of(rich["dutch"]),
        token_of(rich["manager"]),
        token_of(coach),
        token_of(coach, cohort),
    ]
    bodies = [assert_same(client, t) for t in tokens]
    assert b"STATUS:CANCELLED" in bodies[0] and b"career-conversation-" in bodies[0]
    assert b"career-conversation-" in bodies[2]  # the manager's feed
    assert b"ORGANIZER;CN=" in bodies[0]


def test_changes_show_in_the_kept_parts_too(client, rich, cohort, coach, make_user):
    token = token_of(rich["person"])
    before = assert_same(client, token)
    etag = client.get(f"/cal/{token}.ics").headers["ETag"]
    # Things that change an event's text without touching the session row.
    cohort.name = "Spring renamed"
    db.session.commit()
    renamed = assert_same(client, token)
    assert renamed != before and b"Spring renamed" in unfolded(renamed)
    coach.name = "Anna Adviseur-Jansen"
    db.session.commit()
    assert b"Anna Adviseur-Jansen" in unfolded(assert_same(client, token))
    cohort.facilitators = [make_user(Role.FACILITATOR, name="Aaron Eerst")]
    db.session.commit()
    assert b"Aaron Eerst" in unfolded(assert_same(client, token))
    rich["sessions"][0].notes = "Nieuwe notitie; met puntkomma"
    db.session.commit()
    assert b"Nieuwe notitie\\; met puntkomma" in unfolded(assert_same(client, token))
    conversation = db.session.scalar(db.select(Conversation))
    conversation.starts_at += timedelta(hours=1)
    conversation.sequence += 1
    db.session.commit()
    assert_same(client, token)
    rich["person"].locale = "nl"
    db.session.commit()
    dutch = assert_same(client, token)
    assert b"mijn sessies" in unfolded(dutch) or b"my sessions" not in unfolded(dutch)
    assert client.get(f"/cal/{token}.ics", headers={"If-None-Match": etag}).status_code == 200


def test_zone_without_rule_is_identical_too(client, make_org, make_user):
    org = make_org(timezone="America/Sao_Paulo")
    facilitator = make_user(Role.FACILITATOR, organisation=org)
    person = make_user(Role.PARTICIPANT, organisation=org, locale="en")
    bulk_feed(person, org, [facilitator], 5)
    assert_same(client, token_of(person))


def test_304_is_decided_without_building_the_feed(client, rich, monkeypatch):
    token = token_of(rich["person"])
    first = client.get(f"/cal/{token}.ics")

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003
        raise AssertionError("the feed was built for a 304")

    monkeypatch.setattr(feeds, "feed_text", refuse)
    with counted() as statements:
        answer = client.get(f"/cal/{token}.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert answer.status_code == 304 and answer.headers["ETag"] == first.headers["ETag"]
    queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(queries) <= 3, queries  # the token, the sessions' rows, the conversations' rows


def test_kept_feed_loads_no_sessions(client, org, make_user):
    """Once its events are kept, a feed reads only the rows (no ORM sessions, no facilitators),
    for 12 and for 50 sessions alike."""
    facilitators = [make_user(Role.FACILITATOR) for _ in range(3)]
    counts = []
    for n in (12, 50):
        user = make_user(Role.PARTICIPANT)
        bulk_feed(user, org, facilitators, n)
        token = token_of(user)
        client.get(f"/cal/{token}.ics")
        with counted() as statements:
            assert client.get(f"/cal/{token}.ics").data.count(b"BEGIN:VEVENT") == n
        counts.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")]))
    assert counts[0] == counts[1] <= 3, counts
