"""Scheduling rules, table-driven, DST included (messages in Dutch, the default language)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from learnpath.content.schema import CAREER_PROGRAMME
from learnpath.content_registry import get_content
from learnpath.schedule.services import SessionInput, validate_schedule, validate_session
from learnpath.timefmt import to_utc

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
URL = "https://zoom.us/j/123"


def item(day=date(2027, 2, 1), start=time(9, 30), minutes=90, url=URL, slug="intro"):
    return SessionInput(slug, day, start, minutes, url)


@pytest.mark.parametrize(
    ("case", "given", "field", "message"),
    [
        ("missing date", item(day=None), "day", "Vul een datum in."),
        ("missing time", item(start=None), "start", "Vul een begintijd in."),
        ("past", item(day=date(2027, 1, 3)), "day", "Dit moment is al voorbij."),
        (
            "too early",
            item(start=time(6, 30)),
            "start",
            "Sessies beginnen op zijn vroegst om 07:00.",
        ),
        (
            "too late",
            item(start=time(21, 0)),
            "duration_minutes",
            "Sessies eindigen op zijn laatst om 22:00.",
        ),
        (
            "past midnight",
            item(start=time(20, 0), minutes=300),
            "duration_minutes",
            "Sessies eindigen op zijn laatst om 22:00.",
        ),
        (
            "zero duration",
            item(minutes=0),
            "duration_minutes",
            "De duur moet 15 tot 480 minuten zijn.",
        ),
        (
            "huge duration",
            item(minutes=600),
            "duration_minutes",
            "De duur moet 15 tot 480 minuten zijn.",
        ),
        (
            "no duration",
            item(minutes=None),
            "duration_minutes",
            "De duur moet 15 tot 480 minuten zijn.",
        ),
        ("http link", item(url="http://zoom.us/j/1"), "meeting_url", "https://"),
        ("not a link", item(url="teams vergadering"), "meeting_url", "https://"),
        ("link without host", item(url="https://"), "meeting_url", "https://"),
    ],
)
def test_single_session_rules(app, case, given, field, message):
    errors, _ = validate_session(given, AMS, NOW)
    assert field in errors, case
    assert message in errors[field]


def test_valid_session_has_no_errors(app):
    errors, starts_at = validate_session(item(), AMS, NOW)
    assert errors == {}
    assert starts_at == datetime(2027, 2, 1, 8, 30, tzinfo=UTC)


def _three(days, starts=(time(9, 30),) * 3):
    programme = get_content().programme(CAREER_PROGRAMME)
    return programme, [
        SessionInput(b.slug, d, s, b.duration_minutes, URL)
        for b, d, s in zip(programme.sessions, days, starts, strict=True)
    ]


@pytest.mark.parametrize(
    ("case", "days", "starts", "slug", "message"),
    [
        (
            "out of order",
            (date(2027, 2, 15), date(2027, 2, 1), date(2027, 3, 1)),
            None,
            "verdieping",
            "moet beginnen nadat de vorige is afgelopen",
        ),
        (
            "same time",
            (date(2027, 2, 1), date(2027, 2, 1), date(2027, 3, 1)),
            None,
            "verdieping",
            "moet beginnen nadat de vorige is afgelopen",
        ),
        (
            "gap too small",
            (date(2027, 2, 1), date(2027, 2, 5), date(2027, 3, 1)),
            None,
            "verdieping",
            "minstens 7 dagen",
        ),
        (
            "overlap same day",
            (date(2027, 2, 1), date(2027, 2, 1), date(2027, 3, 1)),
            (time(9, 0), time(10, 0), time(9, 0)),
            "verdieping",
            "moet beginnen nadat de vorige is afgelopen",
        ),
        (
            "last gap too small",
            (date(2027, 2, 1), date(2027, 2, 15), date(2027, 2, 20)),
            None,
            "actie",
            "minstens 7 dagen",
        ),
    ],
)
def test_sequence_rules(app, case, days, starts, slug, message):
    programme, items = _three(days, starts or (time(9, 30),) * 3)
    errors, _ = validate_schedule(items, programme, AMS, NOW)
    assert slug in errors, case
    assert message in errors[slug]["day"]


def test_exactly_min_gap_days_is_allowed(app):
    programme, items = _three((date(2027, 2, 1), date(2027, 2, 8), date(2027, 2, 15)))
    errors, planned = validate_schedule(items, programme, AMS, NOW)
    assert errors == {}
    assert [p.duration_minutes for p in planned] == [90, 180, 90]


def test_session_on_the_autumn_dst_day_lasts_exactly_its_duration(app):
    # Last Sunday of October 2027: clocks go back from 03:00 CEST to 02:00 CET.
    errors, starts_at = validate_session(
        item(day=date(2027, 10, 31), start=time(10, 0), minutes=180), AMS, NOW
    )
    assert errors == {}
    assert starts_at == datetime(2027, 10, 31, 9, 0, tzinfo=UTC)  # CET, UTC+1
    end = starts_at + timedelta(minutes=180)
    assert end.astimezone(AMS).strftime("%H:%M") == "13:00"
    assert (end - starts_at) == timedelta(hours=3)


def test_session_on_the_spring_dst_day(app):
    # Last Sunday of March 2027: 02:00 CET becomes 03:00 CEST.
    errors, starts_at = validate_session(item(day=date(2027, 3, 28), start=time(10, 0)), AMS, NOW)
    assert errors == {}
    assert starts_at == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)  # CEST, UTC+2


def test_session_across_the_night_of_the_change_keeps_its_real_duration(app):
    # A (hypothetical) 8-hour slot starting the evening before still lasts 8 real hours.
    start = to_utc(date(2027, 10, 30), time(20, 0), AMS)
    assert start is not None
    assert (start + timedelta(hours=8)).astimezone(AMS).strftime("%d %H:%M") == "31 03:00"


def test_nonexistent_local_time_is_refused():
    assert to_utc(date(2027, 3, 28), time(2, 30), AMS) is None
    assert to_utc(date(2027, 3, 28), time(3, 30), AMS) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_brussels_organisation_uses_its_own_zone(app):
    errors, starts_at = validate_session(item(), ZoneInfo("Europe/Brussels"), NOW)
    assert starts_at == datetime(2027, 2, 1, 8, 30, tzinfo=UTC)
