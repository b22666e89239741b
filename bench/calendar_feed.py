"""Benchmark: server time per calendar feed request (not a test).

Builds two feeds and requests each one many times through the Flask test client (the whole
request in-process: routing, token lookup, queries, iCalendar output, ETag):

- the personal feed of a participant with 50 sessions (enrolled in one cohort, finished in 16
  earlier ones, every cohort with its own facilitator);
- the cohort feed of a facilitator whose cohort has 12 participants (3 sessions).

It prints the median and 95th percentile time per request, the time of a conditional request
answered with 304, and the number of SQL queries per request, on a temporary SQLite database
and, when LEARNPATH_TEST_DATABASE_URL is set, on that PostgreSQL database too (its public schema
is dropped and created anew, as the test suite does).

In the same run, interleaved with the requests, it times the icalendar-only floor: building and
serialising the same events with the ``icalendar`` library and its automatic VTIMEZONE
(``add_missing_timezones``), no database, no web; and prints each feed's ratio to it. The feed
code keeps VEVENT texts per process; "nothing kept" is a request right after forgetting them
(the first request for a feed whose sessions no other feed in that worker showed).

    .venv/bin/python bench/calendar_feed.py [--requests 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROGRAMME = "loopbaantraject"


def make_app(url: str) -> Any:
    from flask_migrate import upgrade

    from learnpath import create_app
    from learnpath.extensions import db

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "BASE_URL": "http://localhost",
            "TESTING": True,
        }
    )
    if "ical" not in app.blueprints:  # until the app factory registers it
        from learnpath.ical.blueprint import bp

        app.register_blueprint(bp)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    return app


def _user(org: Any, email: str, role: Any) -> Any:
    from learnpath.accounts.models import User, UserRole
    from learnpath.extensions import db

    user = User(organisation=org, email=email, name=email.split("@")[0].title(), locale="nl")
    db.session.add(user)
    db.session.flush()
    db.session.add(UserRole(user_id=user.id, role=role))
    return user


def _cohort(org: Any, name: str, facilitator: Any, first: datetime, sessions: int) -> Any:
    from learnpath.cohorts.models import Cohort, CohortSession
    from learnpath.content_registry import get_content
    from learnpath.extensions import db

    content = get_content()
    cohort = Cohort(
        organisation=org,
        name=name,
        programme_slug=PROGRAMME,
        content_version=content.version,
        signup_opens_at=first - timedelta(days=60),
        signup_closes_at=first - timedelta(days=7),
        open_to=[org],
        facilitators=[facilitator],
    )
    db.session.add(cohort)
    for position, blueprint in enumerate(content.programme(PROGRAMME).sessions[:sessions], 1):
        db.session.add(
            CohortSession(
                cohort=cohort,
                blueprint_slug=blueprint.slug,
                position=position,
                starts_at=first + timedelta(days=14 * (position - 1)),
                duration_minutes=blueprint.duration_minutes,
                meeting_url="https://teams.microsoft.com/l/meetup-join/bench",
                notes="Zet je camera aan.",
            )
        )
    return cohort


def build(app: Any) -> dict[str, str]:
    """Create the data; return feed name -> URL path."""
    from learnpath.accounts.models import Organisation, Role
    from learnpath.cohorts.models import Enrolment, EnrolmentStatus
    from learnpath.extensions import db
    from learnpath.ical.services import feed_links, issue_token

    with app.app_context():
        org = Organisation(slug="bench", name="Gemeente Bench")
        db.session.add(org)
        db.session.flush()
        participant = _user(org, "deelnemer@bench.example", Role.PARTICIPANT)
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
        for index in range(17):  # 16 x 3 + 2 = 50 sessions
            facilitator = _user(org, f"begeleider{index}@bench.example", Role.FACILITATOR)
            first = start + timedelta(days=50 * (index - 16))
            cohort = _cohort(org, f"Groep {index}", facilitator, first, 2 if index == 16 else 3)
            status = EnrolmentStatus.ENROLLED if index == 16 else EnrolmentStatus.COMPLETED
            db.session.add(
                Enrolment(
                    cohort=cohort,
                    user=participant,
                    status=status,
                    active_user_id=participant.id if index == 16 else None,
                )
            )
        coach = _user(org, "coach@bench.example", Role.FACILITATOR)
        group = _cohort(org, "Groep van twaalf", coach, start, 3)
        for n in range(12):
            member = _user(org, f"lid{n}@bench.example", Role.PARTICIPANT)
            db.session.add(
                Enrolment(
                    cohort=group,
                    user=member,
                    status=EnrolmentStatus.ENROLLED,
                    active_user_id=member.id,
                )
            )
        db.session.flush()
        urls = {
            "personal feed, 50 sessions": issue_token(participant),
            "cohort feed, 12 participants": issue_token(coach, group),
        }
        db.session.commit()
        result = {}
        for name, row in urls.items():
            links = feed_links(row)
            assert links is not None
            result[name] = links.https.removeprefix("http://localhost")
        return result


def _timed(call: Callable[[], Any], count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def feed_events(app: Any, path: str) -> list[Any]:
    """The feed's events as calendar data (read once, outside the timings)."""
    import icalendar

    client = app.test_client()
    calendar = icalendar.Calendar.from_ical(client.get(path).data)
    return list(calendar.walk("VEVENT"))


def floor(events: list[Any], zone: str) -> bytes:
    """The same events built and serialised with icalendar alone, automatic VTIMEZONE."""
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event, vCalAddress

    tz = ZoneInfo(zone)
    calendar = Calendar()
    calendar.add("prodid", "-//bench//floor//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "floor")
    for source in events:
        event = Event()
        event.add("uid", str(source["UID"]))
        event.add("sequence", int(source["SEQUENCE"]))
        event.add("dtstamp", source["DTSTAMP"].dt)
        event.add("dtstart", source["DTSTART"].dt.astimezone(tz))
        event.add("dtend", source["DTEND"].dt.astimezone(tz))
        event.add("summary", str(source["SUMMARY"]))
        event.add("description", str(source["DESCRIPTION"]))
        event.add("location", str(source["LOCATION"]))
        event.add("url", str(source["URL"]))
        event.add("created", source["CREATED"].dt)
        event.add("last-modified", source["LAST-MODIFIED"].dt)
        event.add("status", str(source["STATUS"]))
        event.add("transp", "OPAQUE")
        event.add("class", "PRIVATE")
        if "ORGANIZER" in source:
            organizer = vCalAddress(str(source["ORGANIZER"]))
            organizer.params["CN"] = source["ORGANIZER"].params.get("CN", "")
            event.add("organizer", organizer)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def forget() -> None:
    """Drop what the feed code keeps per process (event data, VEVENT texts), if it keeps any."""
    from learnpath.ical import builder, feeds

    for name in ("feed_vevent", "_vtimezone_text", "_feed_head"):
        kept = getattr(builder, name, None)
        if kept is not None and hasattr(kept, "cache_clear"):
            kept.cache_clear()
    if hasattr(feeds, "clear_kept_events"):
        feeds.clear_kept_events()


def measure(app: Any, url: str, requests: int) -> dict[str, float]:
    from learnpath.extensions import db

    events = feed_events(app, url)
    client = app.test_client()
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    etag = first.headers["ETag"]
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    client.get(url)
    event.remove(engine, "before_cursor_execute", count)
    full: list[float] = []
    conditional: list[float] = []
    floors: list[float] = []
    cold: list[float] = []
    unknown: list[float] = []
    nobody = "/cal/" + "x" * 43 + ".ics"  # well-formed, no such token: one query, then 404
    for _ in range(requests):  # interleaved, so load on the machine hits all alike
        full += _timed(lambda: client.get(url), 1)
        conditional += _timed(lambda: client.get(url, headers={"If-None-Match": etag}), 1)
        floors += _timed(lambda: floor(events, "Europe/Amsterdam"), 1)
        unknown += _timed(lambda: client.get(nobody), 1)
        forget()
        cold += _timed(lambda: client.get(url), 1)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url).data == first.data
    return {
        "cold_ms": statistics.median(cold),
        "min_ms": min(full),
        "min_304_ms": min(conditional),
        "min_floor_ms": min(floors),
        "unknown_ms": statistics.median(unknown),
        "median_ms": statistics.median(full),
        "p95_ms": statistics.quantiles(full, n=20)[-1],
        "median_304_ms": statistics.median(conditional),
        "floor_ms": statistics.median(floors),
        "ratio": statistics.median(full) / statistics.median(floors),
        "queries": len(statements),
        "kbytes": len(first.data) / 1024,
        "events": first.data.count(b"BEGIN:VEVENT"),
    }


def run(label: str, url: str, requests: int) -> None:
    app = make_app(url)
    feeds = build(app)
    print(f"== {label} (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    for name, path in feeds.items():
        m = measure(app, path, requests)
        print(
            f"  {name:30s} median {m['median_ms']:6.1f} ms  p95 {m['p95_ms']:6.1f} ms  "
            f"304 median {m['median_304_ms']:6.2f} ms  {m['queries']:.0f} queries  "
            f"{m['events']:.0f} events, {m['kbytes']:.1f} KiB  "
            f"icalendar floor {m['floor_ms']:6.1f} ms  feed/floor {m['ratio']:.2f}x  "
            f"(nothing kept: {m['cold_ms']:6.1f} ms, {m['cold_ms'] / m['floor_ms']:.2f}x)\n"
            f"  {'':30s} fastest: feed {m['min_ms']:.2f} ms  304 {m['min_304_ms']:.2f} ms  "
            f"floor {m['min_floor_ms']:.2f} ms  feed/floor {m['min_ms'] / m['min_floor_ms']:.2f}x;  "
            f"unknown token (one query, 404) median {m['unknown_ms']:.2f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args.requests)
    postgres = os.environ.get("LEARNPATH_TEST_DATABASE_URL")
    if postgres:
        run(f"PostgreSQL ({postgres})", postgres, args.requests)


if __name__ == "__main__":
    main()
