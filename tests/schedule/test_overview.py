"""All my cohorts at a glance: a week or month of every session a facilitator runs, with
overlaps marked, in a constant number of queries; one calendar feed for all of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from learnpath.accounts.models import Role
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import CohortKind, CohortSession
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.ical import services as ical
from learnpath.schedule import services as schedule
from tests.ical.factories import DST_DAYS, MEETING_URL, make_cohort, plan
from tests.ical.parsing import assert_times_match

WEEK_OF = DST_DAYS[0]  # a Sunday: its week runs Monday to that Sunday


@pytest.fixture
def coach(make_user):
    return make_user(Role.FACILITATOR, name="Anna Adviseur", locale="en")


def extra_session(cohort, starts_at, minutes=60, slug="extra"):
    session = CohortSession(
        cohort_id=cohort.id,
        blueprint_slug=slug,
        position=9,
        starts_at=starts_at,
        duration_minutes=minutes,
        meeting_url=MEETING_URL,
    )
    db.session.add(session)
    db.session.commit()
    return session


def workshop_group(org, coach, name="Leidinggevenden"):
    now = datetime.now(UTC)
    data = cohorts.CohortData(
        name=name,
        capacity=12,
        signup_opens_at=now - timedelta(days=1),
        signup_closes_at=now + timedelta(days=30),
        open_to=[org],
        facilitators=[coach],
        kind=CohortKind.WORKSHOP,
    )
    group = cohorts.create_cohort(
        org, "het-goede-loopbaangesprek", get_content().version, data, coach
    )
    db.session.commit()
    return group


def count_queries(client, url):
    statements = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


def test_week_shows_every_cohort_and_group_with_overlaps_marked(
    client, org, coach, make_user, login_as
):
    first = make_cohort(org, [coach], name="Spring")
    sessions = plan(first, coach)  # intro on WEEK_OF 10:00-13:00 local
    group = workshop_group(org, coach)
    overlapping = extra_session(group, sessions[0].starts_at + timedelta(hours=1))
    apart = extra_session(
        make_cohort(org, [coach], name="Summer"), sessions[0].starts_at - timedelta(days=2)
    )
    other_coach = make_user(Role.FACILITATOR)
    hidden = extra_session(make_cohort(org, [other_coach], name="Not mine"), apart.starts_at)
    login_as(coach)
    page = client.get(f"/agenda/overzicht?weergave=week&datum={WEEK_OF.isoformat()}").text
    assert "Spring" in page and "Leidinggevenden" in page and "Summer" in page
    assert "Not mine" not in page and hidden.id
    assert page.count(">Overlap<") == 2  # both sessions that overlap, in words
    assert "2 sessions overlap another one" in page
    assert "at the same time as" in page
    # A cancelled session is shown as cancelled and overlaps nothing.
    schedule.cancel_session(db.session.get(CohortSession, overlapping.id), coach)
    db.session.commit()
    page = client.get(f"/agenda/overzicht?weergave=week&datum={WEEK_OF.isoformat()}").text
    assert ">Overlap<" not in page and "Cancelled" in page


def test_month_view_and_bad_input_never_fail(client, org, coach, login_as):
    cohort = make_cohort(org, [coach], name="Spring")
    plan(cohort, coach)
    login_as(coach)
    month = client.get(f"/agenda/overzicht?weergave=maand&datum={WEEK_OF.isoformat()}").text
    assert "Introduction session" in month or "Spring" in month
    assert f"{WEEK_OF:%B}" in month
    for query in ("weergave=jaar&datum=xx", "datum=2026-13-45", "datum=" + "9" * 40, ""):
        assert client.get(f"/agenda/overzicht?{query}").status_code == 200


def test_query_count_does_not_grow_with_cohorts(client, org, coach, login_as):
    login_as(coach)
    url = f"/agenda/overzicht?weergave=maand&datum={WEEK_OF.isoformat()}"
    plan(make_cohort(org, [coach], name="One"), coach)
    few = count_queries(client, url)
    for name in ("Two", "Three", "Four"):
        cohort = make_cohort(org, [coach], name=name)
        extra_session(cohort, datetime(WEEK_OF.year, WEEK_OF.month, 3, 9, tzinfo=UTC))
    workshop = workshop_group(org, coach)
    extra_session(workshop, datetime(WEEK_OF.year, WEEK_OF.month, 4, 9, tzinfo=UTC))
    assert count_queries(client, url) == few


def test_one_feed_for_all_facilitated_cohorts(client, org, coach, make_user, login_as):
    first = make_cohort(org, [coach], name="Spring")
    sessions = plan(first, coach)
    group = workshop_group(org, coach)
    sessions.append(extra_session(group, sessions[0].starts_at + timedelta(days=1)))
    make_cohort(org, [make_user(Role.FACILITATOR)], name="Not mine")
    login_as(coach)
    overview = client.get("/agenda/overzicht")
    assert "Create a calendar link" in overview.text
    response = client.post("/agenda/link", data={"scope": "facilitating", "back": "overzicht"})
    assert response.status_code == 302 and response.location.endswith("/agenda/overzicht")
    row = ical.find_token(coach, facilitating=True)
    assert row is not None
    links = ical.feed_links(row)
    assert links is not None and links.webcal.startswith("webcal://")
    assert links.https in client.get("/agenda/overzicht").text
    assert links.https in client.get("/agenda").text
    body = client.get(links.https.removeprefix("http://localhost")).data
    assert_times_match(body, sessions)  # three parsers agree, only these sessions
    assert b"ATTENDEE" not in body
    # Without the facilitator role the feed is gone; a participant cannot make one.
    coach.role_rows = [r for r in coach.role_rows if r.role != Role.FACILITATOR]
    db.session.commit()
    assert client.get(links.https.removeprefix("http://localhost")).status_code == 404
    participant = make_user(Role.PARTICIPANT)
    login_as(participant)
    assert client.post("/agenda/link", data={"scope": "facilitating"}).status_code == 404
    assert client.get("/agenda/overzicht").status_code in (403, 404)
    assert client.post("/agenda/link", data={"scope": "iets-anders"}).status_code == 400
