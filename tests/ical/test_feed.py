"""Subscription feeds: content, time zones, HTTP behaviour, tokens, query count (F1–F13)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import time, timedelta

import pytest
from sqlalchemy import event

from learnpath.accounts.models import Role
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import DropoutReason
from learnpath.extensions import db
from learnpath.ical import services
from learnpath.ical.services import feed_links
from learnpath.schedule import services as schedule
from tests.ical.factories import (
    DST_DAYS,
    MEETING_URL,
    THIRD_DAY,
    bulk_feed,
    enrol,
    make_cohort,
    plan,
    reschedule,
    stamp,
)
from tests.ical.parsing import assert_times_match, assert_wire_format, check_icalendar


def url_of(user, cohort=None):
    row = services.issue_token(user, cohort)
    db.session.commit()
    links = feed_links(row)
    assert links is not None
    return links.https.removeprefix("http://localhost")


def events_of(body):
    return {str(e["UID"]): e for e in check_icalendar(body).walk("VEVENT")}


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


def test_personal_feed_has_the_sessions_at_the_right_times_on_both_dst_days(
    client, cohort, coach, person
):
    sessions = plan(cohort, coach)
    enrol(cohort, person)
    response = client.get(url_of(person))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.data
    assert_wire_format(body)
    assert_times_match(body, sessions)
    text = body.decode()
    assert f"DTSTART;TZID=Europe/Amsterdam:{stamp(DST_DAYS[0], time(10))}" in text
    assert f"DTEND;TZID=Europe/Amsterdam:{stamp(DST_DAYS[1], time(13))}" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in text
    assert "RDATE" not in text


def test_calendar_properties(client, cohort, coach, person):
    plan(cohort, coach)
    enrol(cohort, person)
    calendar = check_icalendar(client.get(url_of(person)).data)
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["PRODID"]) == "-//learnpath//learnpath calendar 1.0//EN"
    assert "METHOD" not in calendar
    assert str(calendar["NAME"]) == str(calendar["X-WR-CALNAME"]) == "learnpath – my sessions"
    text = calendar.to_ical().decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in text
    assert "X-PUBLISHED-TTL:PT1H\r\n" in text


def test_event_content(client, cohort, coach, person):
    sessions = plan(cohort, coach)
    enrol(cohort, person)
    events = events_of(client.get(url_of(person)).data)
    intro, deep_dive = events[sessions[0].uid], events[sessions[1].uid]
    for ev in (intro, deep_dive):
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE"):
            assert name in ev
        # The learnpath join URL, not the room: a moved room needs no new invitation.
        join = f"http://localhost/sessies/{sessions[0 if ev is intro else 1].id}/deelnemen"
        assert str(ev["LOCATION"]) == join
        assert str(ev["URL"]) == join
        assert str(ev["ORGANIZER"]) == "mailto:anna@coach.example"
        assert ev["ORGANIZER"].params["CN"] == "Anna Adviseur"
        assert "ATTENDEE" not in ev  # feeds never list who takes part
        assert "VALARM" not in ev.to_ical().decode()
        assert ev["STATUS"] == "CONFIRMED"
        assert "piet" not in str(ev["UID"]).lower() and str(ev["UID"]).endswith("@learnpath")
    assert str(intro["SUMMARY"]) == "Introductory session – Spring"
    assert str(deep_dive["SUMMARY"]) == "Deep-dive session – Spring"
    # DTSTAMP and LAST-MODIFIED come from the session's last change, not from the request.
    assert intro["DTSTAMP"].dt == sessions[0].changed_at.replace(microsecond=0)
    assert intro["LAST-MODIFIED"].dt == sessions[0].changed_at.replace(microsecond=0)
    description = str(intro["DESCRIPTION"])
    assert f"http://localhost/sessies/{sessions[0].id}/deelnemen" in description
    assert MEETING_URL not in description
    assert "Camera on, please; bring a pen.\\ Thanks" in description  # escaped and back (F9)
    assert "To prepare" not in description  # nothing is due before the first session
    deep = str(deep_dive["DESCRIPTION"])
    assert deep.count("\n- ") == 6 and "\n- Core quadrant\n" in deep  # due after the intro
    assert "- Your career question" in deep


def test_text_is_escaped_on_the_wire(client, cohort, coach, person):
    plan(cohort, coach)
    enrol(cohort, person)
    text = client.get(url_of(person)).data.decode()
    unfolded = text.replace("\r\n ", "")
    assert "Camera on\\, please\\; bring a pen.\\\\ Thanks" in unfolded
    assert "LOCATION:http://localhost/sessies/" in unfolded  # the join URL (no room link)


def test_feed_is_deterministic_with_etag_and_304(client, cohort, coach, person):
    plan(cohort, coach)
    enrol(cohort, person)
    url = url_of(person)
    first, second = client.get(url), client.get(url)
    assert first.data == second.data
    etag = first.headers["ETag"]
    assert etag == second.headers["ETag"] and not etag.startswith("W/")
    assert first.headers["Last-Modified"]
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert not_modified.headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_feed_sets_no_cookie_and_needs_none(client, cohort, coach, person, login_as):
    plan(cohort, coach)
    enrol(cohort, person)
    url = url_of(person)
    response = client.get(url)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    assert client.get_cookie("session") is None
    # A browser that is signed in gets the same bytes, and its session cookie is left alone.
    login_as(person)
    signed_in = client.get(url)
    assert signed_in.data == response.data
    assert "Set-Cookie" not in signed_in.headers
    assert "Cookie" not in signed_in.headers.get("Vary", "")


def test_change_gives_new_etag_and_higher_sequence(client, cohort, coach, person):
    sessions = plan(cohort, coach)
    enrol(cohort, person)
    url = url_of(person)
    before = client.get(url)
    reschedule(sessions[2], THIRD_DAY + timedelta(days=1), time(14, 0), coach)
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    ev = events_of(after.data)[sessions[2].uid]
    assert ev["SEQUENCE"] == 1
    moved = stamp(THIRD_DAY + timedelta(days=1), time(14))
    assert f"DTSTART;TZID=Europe/Amsterdam:{moved}" in after.data.decode()


def test_uid_stays_and_sequence_rises_through_reschedules_and_cancel(client, cohort, coach, person):
    sessions = plan(cohort, coach)
    enrol(cohort, person)
    url = url_of(person)
    target = sessions[2]
    seen = []
    for step in (
        lambda: None,
        lambda: reschedule(target, THIRD_DAY + timedelta(days=1), time(14, 0), coach),
        lambda: reschedule(target, THIRD_DAY + timedelta(days=2), time(9, 0), coach),
        lambda: (schedule.cancel_session(target, coach), db.session.commit()),
    ):
        step()
        ev = events_of(client.get(url).data)[target.uid]
        seen.append((str(ev["UID"]), ev["SEQUENCE"], str(ev["STATUS"])))
    assert [uid for uid, _, _ in seen] == [target.uid] * 4
    assert [seq for _, seq, _ in seen] == [0, 1, 2, 3]
    assert [status for _, _, status in seen] == ["CONFIRMED"] * 3 + ["CANCELLED"]


def test_cancelled_session_stays_marked_with_higher_sequence(client, cohort, coach, person):
    sessions = plan(cohort, coach)
    enrol(cohort, person)
    url = url_of(person)
    schedule.cancel_session(sessions[1], coach)
    db.session.commit()
    body = client.get(url).data
    assert_times_match(body, sessions)
    ev = events_of(body)[sessions[1].uid]
    assert ev["STATUS"] == "CANCELLED"
    assert ev["SEQUENCE"] == 1
    assert str(ev["SUMMARY"]) == "Cancelled: Deep-dive session – Spring"
    assert str(ev["DESCRIPTION"]).startswith("This session has been cancelled.")


def test_withdrawn_participant_loses_the_sessions(client, cohort, coach, person, make_user):
    sessions = plan(cohort, coach)
    enrolment = enrol(cohort, person)
    url = url_of(person)
    assert len(events_of(client.get(url).data)) == 3
    cohorts.withdraw(enrolment)
    db.session.commit()
    body = client.get(url).data
    assert events_of(body) == {}
    assert b"BEGIN:VTIMEZONE" in body  # an empty feed still has a component (F3)
    other = make_user(Role.PARTICIPANT)
    dropped = enrol(cohort, other)
    other_url = url_of(other)
    cohorts.remove(dropped, coach, DropoutReason.WORKLOAD)
    db.session.commit()
    assert events_of(client.get(other_url).data) == {}
    assert sessions  # the sessions themselves are untouched


def test_facilitator_personal_feed_and_cohort_feed(client, cohort, coach, person, make_user):
    sessions = plan(cohort, coach)
    for _ in range(3):
        enrol(cohort, make_user(Role.PARTICIPANT))
    assert_times_match(client.get(url_of(coach)).data, sessions)
    cohort_url = url_of(coach, cohort)
    body = client.get(cohort_url).data
    assert_times_match(body, sessions)
    assert str(check_icalendar(body)["X-WR-CALNAME"]) == "learnpath – Spring"
    assert b"ATTENDEE" not in body


def test_cohort_feed_stops_when_no_longer_facilitator(client, org, cohort, coach, make_user):
    plan(cohort, coach)
    url = url_of(coach, cohort)
    assert client.get(url).status_code == 200
    other = make_user(Role.FACILITATOR)
    cohort.facilitators = [other]
    db.session.commit()
    assert client.get(url).status_code == 404


def test_only_facilitators_of_the_cohort_get_a_cohort_feed(cohort, make_user):
    with pytest.raises(services.NotAllowed):
        services.issue_token(make_user(Role.FACILITATOR), cohort)
    with pytest.raises(services.NotAllowed):
        services.issue_token(make_user(Role.PARTICIPANT), cohort)


def test_revoked_and_replaced_tokens_give_404(client, cohort, coach, person):
    plan(cohort, coach)
    enrol(cohort, person)
    old = url_of(person)
    assert client.get(old).status_code == 200
    new = url_of(person)  # regenerate
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert services.revoke_token(person)
    db.session.commit()
    response = client.get(new)
    assert response.status_code == 404 and "Set-Cookie" not in response.headers
    assert client.get("/cal/not-a-token.ics").status_code == 404


def test_token_is_long_random_and_not_stored(client, person):
    url = url_of(person)
    token = url.removeprefix("/cal/").removesuffix(".ics")
    assert len(token) >= 43  # 256 bits, base64
    row = services.find_token(person)
    stored = " ".join(str(v) for v in (row.seed, row.token_hash, row.scope))
    assert token not in stored


def test_inactive_account_feed_gives_404(client, cohort, coach, person):
    plan(cohort, coach)
    enrol(cohort, person)
    url = url_of(person)
    person.is_active_account = False
    db.session.commit()
    assert client.get(url).status_code == 404


def test_organisation_zone_is_used_brussels(client, make_org, make_user):
    brussels = make_org("Stad Brussel", timezone="Europe/Brussels")
    coach = make_user(Role.FACILITATOR, organisation=brussels, locale="en")
    member = make_user(Role.PARTICIPANT, organisation=brussels, locale="en")
    cohort = make_cohort(brussels, [coach], name="Spring", signup_days=60)
    sessions = plan(cohort, coach)
    enrol(cohort, member)
    body = client.get(url_of(member)).data
    assert_times_match(body, sessions)
    assert f"DTSTART;TZID=Europe/Brussels:{stamp(DST_DAYS[1], time(10))}".encode() in body


def test_zone_without_rule_falls_back_to_utc(client, make_org, make_user):
    casablanca = make_org("Casablanca", timezone="Africa/Casablanca")
    coach = make_user(Role.FACILITATOR, organisation=casablanca)
    member = make_user(Role.PARTICIPANT, organisation=casablanca)
    cohort = make_cohort(casablanca, [coach], name="Spring", signup_days=60)
    sessions = plan(cohort, coach)
    enrol(cohort, member)
    body = client.get(url_of(member)).data
    assert_times_match(body, sessions)
    assert b"TZID=Africa/Casablanca" not in body
    start = sessions[0].starts_at.strftime("%Y%m%dT%H%M%SZ").encode()
    assert b"DTSTART:" + start in body


def test_dutch_user_gets_dutch_names(client, cohort, coach, make_user):
    sessions = plan(cohort, coach)
    dutch = make_user(Role.PARTICIPANT, locale="nl")
    enrol(cohort, dutch)
    schedule.cancel_session(sessions[0], coach)
    db.session.commit()
    ev = events_of(client.get(url_of(dutch)).data)[sessions[0].uid]
    # The prefix is translated once the Dutch catalogue has "Geannuleerd: " (merged by the lead).
    assert str(ev["SUMMARY"]).endswith("Introductiesessie – Spring")


def test_query_count_is_the_same_for_12_and_50_sessions(client, org, make_user):
    facilitators = [make_user(Role.FACILITATOR) for _ in range(5)]
    counts = []
    for n in (12, 50):
        user = make_user(Role.PARTICIPANT)
        bulk_feed(user, org, facilitators, n)
        url = url_of(user)
        client.get(url)
        with counted() as statements:
            assert len(events_of(client.get(url).data)) == n
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 8, counts
