"""The VTIMEZONE generator: rules from zoneinfo, checked against zoneinfo by other parsers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from learnpath.ical.builder import EventData, feed_ics
from learnpath.ical.timezones import vtimezone
from tests.ical.parsing import parse_all


def test_eu_zones_are_rule_based():
    for zone in ("Europe/Amsterdam", "Europe/Brussels"):
        text = vtimezone(zone, 2026, 2028).to_ical().decode()
        assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n" in text
        assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n" in text
        assert "DTSTART:20260329T020000\r\n" in text and "DTSTART:20261025T030000\r\n" in text
        assert "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200" in text
        assert "RDATE" not in text
        assert text.count("BEGIN:DAYLIGHT") == text.count("BEGIN:STANDARD") == 1


def test_other_rules_and_fixed_zones():
    assert "BYDAY=2SU;BYMONTH=3" in vtimezone("America/New_York", 2026, 2027).to_ical().decode()
    tokyo = vtimezone("Asia/Tokyo", 2026, 2027).to_ical().decode()
    assert "RRULE" not in tokyo and "TZOFFSETTO:+0900" in tokyo


def test_irregular_zone_gives_none():
    assert vtimezone("Africa/Casablanca", 2026, 2028) is None  # DST suspended for Ramadan


@pytest.mark.parametrize(
    "zone", ["Europe/Amsterdam", "Europe/Brussels", "America/New_York", "Australia/Sydney"]
)
def test_every_hour_around_the_changes_matches_zoneinfo(zone):
    """Events every 9 hours (and every half hour around the changes) through the changes of
    2027, read back by three parsers (instants in the repeated hour are written in UTC)."""
    tz = ZoneInfo(zone)
    starts = []
    for month in (3, 4, 10, 11):
        first = datetime(2027, month, 1, tzinfo=UTC)
        starts += [first + timedelta(hours=h) for h in range(0, 24 * 30, 9)]
    for change in (
        t for t in starts if t.astimezone(tz).dst() != (t - timedelta(hours=5)).astimezone(tz).dst()
    ):
        starts += [change - timedelta(minutes=30 * k) for k in range(1, 10)]
    events = [
        EventData(
            uid=f"{i}@test",
            sequence=0,
            starts_at=start,
            ends_at=start + timedelta(minutes=90),
            zone=zone,
            summary="x",
            description="",
            meeting_url="https://example.org/m",
            organizer=None,
            created_at=datetime(2027, 1, 1, tzinfo=UTC),
            changed_at=datetime(2027, 1, 1, tzinfo=UTC),
            is_cancelled=False,
        )
        for i, start in enumerate(starts)
    ]
    body = feed_ics("test", zone, events, 2027)
    assert Calendar.from_ical(body).walk("VTIMEZONE")
    expected = sorted((e.uid, e.starts_at, e.ends_at) for e in events)
    for parser, parsed in parse_all(body).items():
        assert sorted((p.uid, p.start, p.end) for p in parsed) == expected, parser
