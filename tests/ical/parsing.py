"""Parse our calendar output with three parsers and check what every test must hold.

- ``icalendar``: no component has parse errors, every TZID has its VTIMEZONE, no floating time.
- ``ical`` (strict, pydantic) and ``vobject`` (validate=True): independent parsers. Both also
  read a copy in which every TZID is renamed to a name no time zone database knows, so the
  times can only come out right through our own VTIMEZONE rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar
import vobject
from ical.calendar_stream import IcsCalendarStream

RENAMED = "Test/Only-Our-Rules"


@dataclass(frozen=True)
class Parsed:
    uid: str
    start: datetime  #: UTC
    end: datetime  #: UTC


def check_icalendar(data: bytes | str) -> icalendar.Calendar:
    raw = data.encode() if isinstance(data, str) else data
    calendar = icalendar.Calendar.from_ical(raw)
    for component in calendar.walk():
        assert not component.errors, (component.name, component.errors)
    zones = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    assert zones, "at least one VTIMEZONE (F3)"
    for event in calendar.walk("VEVENT"):
        for name in ("DTSTART", "DTEND"):
            prop = event[name]
            tzid = prop.params.get("TZID")
            assert tzid is None or tzid in zones, f"{name} TZID {tzid} has no VTIMEZONE"
            assert prop.dt.tzinfo is not None, f"{name} is a floating time"
    return calendar


def _renamed(text: str, zones: set[str]) -> str:
    # One new name per zone: vobject keeps a process-wide registry of the TZIDs it has read.
    for zone in zones:
        text = text.replace(zone, f"{RENAMED}-{zone.replace('/', '-')}")
    return text


def with_ical(text: str) -> list[Parsed]:
    calendar = IcsCalendarStream.calendar_from_ics(text)
    return [
        Parsed(e.uid or "", e.dtstart.astimezone(UTC), e.dtend.astimezone(UTC))  # type: ignore[union-attr]
        for e in calendar.events
    ]


def with_vobject(text: str) -> list[Parsed]:
    calendar = vobject.readOne(text, validate=True)
    return [
        Parsed(e.uid.value, e.dtstart.value.astimezone(UTC), e.dtend.value.astimezone(UTC))
        for e in getattr(calendar, "vevent_list", [])
    ]


def parse_all(data: bytes | str) -> dict[str, list[Parsed]]:
    """Parse with every parser (and the renamed-zone copy); return each one's events."""
    text = data.decode() if isinstance(data, bytes) else data
    calendar = check_icalendar(text)
    zones = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    results = {
        "icalendar": [
            Parsed(str(e["UID"]), e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC))
            for e in calendar.walk("VEVENT")
        ],
        "ical": with_ical(text),
        "vobject": with_vobject(text),
        "ical (own VTIMEZONE only)": with_ical(_renamed(text, zones)),
        "vobject (own VTIMEZONE only)": with_vobject(_renamed(text, zones)),
    }
    return results


def assert_times_match(data: bytes | str, sessions: list) -> None:  # type: ignore[type-arg]
    """Every parser sees exactly these sessions at their UTC start and end."""
    expected = sorted((s.uid, s.starts_at, s.ends_at) for s in sessions)
    for parser, events in parse_all(data).items():
        seen = sorted((e.uid, e.start, e.end) for e in events)
        assert seen == expected, parser


def assert_wire_format(data: bytes) -> None:
    """CRLF line ends and lines of at most 75 octets (F1)."""
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
