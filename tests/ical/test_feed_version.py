"""A 304 is decided by one query, from a version of the feed's inputs (issue #17.4).

The version (counts, sums of ids and latest ``updated_at`` of what the events are made of) must
change with every change that changes the body: each test here takes the ETag of a feed, makes
one change, and checks that the stale ETag now gets a 200 whose body is the reference feed (the
one-piece serialisation of test_feed_assembly) and whose ETag a later request answers with 304.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.action_plans import services as plans
from learnpath.action_plans.models import Conversation, PlanShare
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import Enrolment, EnrolmentStatus
from learnpath.extensions import db
from learnpath.ical import feeds, views
from learnpath.schedule import services as schedule
from tests.ical.factories import DST_DAYS, bulk_feed, make_cohort, plan, reschedule
from tests.ical.test_feed_assembly import counted, reference, token_of
from tests.ical.test_feed_assembly import rich as rich  # noqa: F401, PLC0414  (the fixture)


class Feed:
    """One feed URL, its last ETag, and checks on what a conditional request gets."""

    def __init__(self, client, token: str) -> None:  # noqa: ANN001
        self.client, self.token = client, token
        self.url = f"/cal/{token}.ics"
        first = client.get(self.url)
        assert first.status_code == 200
        self.etag, self.body = first.headers["ETag"], first.data
        assert self.get(self.etag).status_code == 304

    def get(self, etag: str):  # noqa: ANN201
        return self.client.get(self.url, headers={"If-None-Match": etag})

    def changed(self, *, discreet: bool = False) -> bytes:
        """After a change: the old ETag gets the new body (the reference), then a 304."""
        db.session.commit()
        answer = self.get(self.etag)
        assert answer.status_code == 200, "a stale ETag got a 304"
        assert answer.headers["ETag"] != self.etag
        db.session.rollback()
        if not discreet:  # the reference has no discreet mode
            assert answer.data == reference(self.token)
        assert answer.data != self.body
        assert self.get(answer.headers["ETag"]).status_code == 304
        self.etag, self.body = answer.headers["ETag"], answer.data
        return answer.data


@pytest.fixture
def feed(client, rich):  # noqa: ANN001
    return Feed(client, token_of(rich["person"]))


def test_a_304_is_one_query_and_builds_nothing(client, rich, monkeypatch):
    feed = Feed(client, token_of(rich["person"]))

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003
        raise AssertionError("the feed was built for a 304")

    monkeypatch.setattr(feeds, "_session_rows", refuse)
    monkeypatch.setattr(feeds, "_conversation_rows", refuse)
    monkeypatch.setattr(feeds, "feed_text", refuse)
    with counted() as statements:
        answer = feed.get(feed.etag)
    assert answer.status_code == 304 and answer.headers["ETag"] == feed.etag
    queries = [q for q in statements if not q.startswith("BEGIN")]  # SQLite's BEGIN IMMEDIATE
    assert len(queries) == 1, queries


def test_the_etag_and_date_of_a_200_are_those_of_the_304(client, rich, cohort, coach):
    for token in (
        token_of(rich["person"]),
        token_of(rich["manager"]),
        token_of(coach),
        token_of(coach, cohort),
    ):
        full = client.get(f"/cal/{token}.ics")
        again = client.get(f"/cal/{token}.ics", headers={"If-None-Match": full.headers["ETag"]})
        assert again.status_code == 304
        assert again.headers["ETag"] == full.headers["ETag"]
        assert (
            again.headers.get("Last-Modified", full.headers["Last-Modified"])
            == (full.headers["Last-Modified"])
        )
        assert (
            client.get(f"/cal/{token}.ics").headers["Last-Modified"]
            == (full.headers["Last-Modified"])
        )


def test_moving_a_session(feed, rich, coach):
    reschedule(rich["sessions"][0], DST_DAYS[0] + timedelta(days=1), time(9, 0), coach)
    feed.changed()


def test_cancelling_a_session(feed, rich, coach):
    schedule.cancel_session(rich["sessions"][0], coach)
    feed.changed()


def test_a_new_enrolment(client, org, coach, make_user):
    other = make_cohort(org, [coach], name="Autumn", signup_days=60)
    plan(other, coach)
    person = make_user(Role.PARTICIPANT, locale="en")
    feed = Feed(client, token_of(person))
    cohorts.sign_up(other, person)
    assert feed.changed().count(b"BEGIN:VEVENT") == 3


def test_withdrawing(feed, rich, cohort):
    enrolment = db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == rich["person"].id, Enrolment.cohort_id == cohort.id
        )
    )
    cohorts.withdraw(enrolment)
    feed.changed()


def test_a_withdrawn_share(feed, rich, client):
    manager_feed = Feed(client, token_of(rich["manager"]))
    plans.revoke(db.session.scalar(select(PlanShare)))
    body = feed.changed()
    assert b"career-conversation" not in body
    assert b"career-conversation" not in manager_feed.changed()


def test_a_moved_conversation_and_a_renamed_manager(feed, rich):
    conversation = db.session.scalar(select(Conversation))
    conversation.starts_at += timedelta(days=1)
    conversation.sequence += 1
    feed.changed()
    rich["manager"].name = "Marie Manager-de Wit"
    feed.changed()


def test_a_renamed_cohort_and_facilitator(feed, cohort, coach):
    cohort.name = "Spring, renamed"
    feed.changed()
    coach.name = "Anna Adviseur-Jansen"
    feed.changed()


def test_facilitators_swapped_between_cohorts_with_as_many_sessions(client, org, make_user):
    """Same people, same number of sessions each: only who runs which cohort changes."""
    first = make_user(Role.FACILITATOR, name="Aaron Eerst")
    second = make_user(Role.FACILITATOR, name="Bea Tweede")
    person = make_user(Role.PARTICIPANT, locale="en")
    groups = [
        make_cohort(org, [f], name=f"Groep {f.name}", signup_days=60) for f in (first, second)
    ]
    for group, facilitator in zip(groups, (first, second), strict=True):
        plan(group, facilitator)
        db.session.add(Enrolment(cohort=group, user=person, status=EnrolmentStatus.COMPLETED))
    db.session.commit()
    feed = Feed(client, token_of(person))
    groups[0].facilitators, groups[1].facilitators = [second], [first]
    feed.changed()


def test_a_changed_translation(feed, monkeypatch):
    monkeypatch.setattr(feeds, "_translations_version", lambda: "other words")
    answer = feed.get(feed.etag)
    assert answer.status_code == 200 and answer.headers["ETag"] != feed.etag


def test_discreet_mode_on_and_off(feed, rich):
    rich["person"].discreet_calendar = True
    assert b"Appointment" in feed.changed(discreet=True)
    rich["person"].discreet_calendar = False
    feed.changed()


def test_the_readers_language(feed, rich):
    rich["person"].locale = "nl"
    feed.changed()


def test_a_change_of_the_organisations_time_zone(feed, org):
    org.timezone = "Europe/Brussels"
    body = feed.changed()
    assert b"TZID=Europe/Brussels" in body


def test_the_cohort_feed_follows_its_cohort_and_its_facilitators(client, rich, cohort, coach):
    feed = Feed(client, token_of(coach, cohort))
    cohort.name = "Spring, renamed"
    feed.changed()
    schedule.cancel_session(rich["sessions"][0], coach)
    feed.changed()
    cohort.facilitators = [rich["manager"]]
    db.session.commit()
    assert feed.get(feed.etag).status_code == 404


def test_a_cancelled_session_leaves_the_feed_30_days_after_its_start(feed, rich, monkeypatch):
    """The window depends on now: the same data gives a new ETag once a cancelled session
    falls out of it (sessions are planned next year, so the clock is moved there)."""
    cancelled = rich["sessions"][1]
    assert cancelled.status.value == "cancelled"
    start = cancelled.starts_at
    monkeypatch.setattr(views, "utcnow", lambda: start + timedelta(days=29))
    inside = Feed(feed.client, feed.token)
    assert cancelled.uid.encode() in inside.body
    monkeypatch.setattr(views, "utcnow", lambda: start + timedelta(days=31))
    answer = inside.get(inside.etag)
    assert answer.status_code == 200
    assert cancelled.uid.encode() not in answer.data
    assert inside.get(answer.headers["ETag"]).status_code == 304


def test_a_new_year_gives_a_new_etag(feed, monkeypatch):
    """The year is part of the time zones an empty part of the feed gets (its default)."""
    monkeypatch.setattr(views, "utcnow", lambda: datetime(2100, 1, 1, tzinfo=UTC))
    assert feed.get(feed.etag).status_code == 200


def test_a_finished_programme_keeps_its_etag(feed, rich, cohort):
    """A change that changes nothing the feed shows (enrolled to completed) keeps the ETag."""
    enrolment = db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == rich["person"].id, Enrolment.cohort_id == cohort.id
        )
    )
    enrolment.status = EnrolmentStatus.COMPLETED
    db.session.commit()
    assert feed.get(feed.etag).status_code == 304


def test_a_200_reads_only_the_kinds_of_events_the_version_counted(client, org, make_user):
    """Without conversations (most people) a full feed is the version and the sessions' rows;
    a feed without events is the version alone."""
    facilitators = [make_user(Role.FACILITATOR)]
    person, nobody = make_user(Role.PARTICIPANT), make_user(Role.PARTICIPANT)
    bulk_feed(person, org, facilitators, 12)
    for user, expected in ((person, 2), (nobody, 1)):
        url = f"/cal/{token_of(user)}.ics"
        client.get(url)  # the events are kept from now on
        with counted() as statements:
            assert client.get(url).status_code == 200
        queries = [q for q in statements if not q.startswith("BEGIN")]
        assert len(queries) == expected, queries
