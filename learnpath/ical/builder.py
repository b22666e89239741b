"""Turn prepared event data into iCalendar text (no database, no Flask).

Both outputs share one VEVENT shape (same UID, SEQUENCE, times, texts); a feed adds
DTSTAMP = the session's last change (F6) and STATUS, an invitation adds METHOD, the single
ATTENDEE and DTSTAMP = the moment the message is made (RFC 5546). No VALARM anywhere:
clients ignore alarms in subscriptions, and a CANCEL must not carry one (M9).

A feed is put together from text kept per part: the calendar's head (its properties), each
VTIMEZONE and each VEVENT are serialised by ``icalendar`` once and remembered (a VEVENT by its
event data, which holds its SEQUENCE and last change), so a feed is mostly concatenation. The
bytes are exactly what serialising the whole calendar at once gives (icalendar folds and ends
every line on its own), which tests/ical/test_feed_assembly.py checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration, vText

from learnpath.ical.timezones import observances, vtimezone, year_range

PRODID = "-//learnpath//learnpath calendar 1.0//EN"
#: How often subscribers should refresh (F10); Google ignores it and takes 8–24 hours.
REFRESH_INTERVAL = timedelta(hours=1)
#: A zone every client knows, for calendars whose zones cannot be written as a rule (F3).
FALLBACK_ZONE = "UTC"
#: VEVENT texts kept per process (one per session, language and SEQUENCE-carrying event data).
VEVENT_CACHE_SIZE = 8192
_END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class EventData:
    """What one session looks like in a calendar, with texts already in the reader's language."""

    uid: str
    sequence: int
    starts_at: datetime  #: UTC
    ends_at: datetime  #: UTC
    zone: str  #: IANA zone of the organisation that runs the cohort
    summary: str
    description: str
    meeting_url: str
    organizer: Person | None
    created_at: datetime
    changed_at: datetime
    is_cancelled: bool


class Timed(Protocol):
    """What the time zones of a calendar depend on: an event's zone, start and end."""

    @property
    def zone(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...


class Zones:
    """The VTIMEZONEs a calendar needs; times in zones without one are written in UTC (F8)."""

    def __init__(self, events: Sequence[Timed], default_zone: str, default_year: int) -> None:
        wanted: dict[str, list[datetime]] = {default_zone: []}
        for event in events:
            wanted.setdefault(event.zone, []).extend((event.starts_at, event.ends_at))
        #: zone -> the years its VTIMEZONE covers, for the zones that have one
        self.ranges: dict[str, tuple[int, int]] = {}
        for zone, instants in wanted.items():
            years = year_range(instants, default_year)
            if observances(zone, *years) is not None:  # else vtimezone() gives None
                self.ranges[zone] = years
        if not self.ranges:  # never an empty calendar (F3)
            assert observances(FALLBACK_ZONE, default_year - 1, default_year) is not None
            self.ranges[FALLBACK_ZONE] = (default_year - 1, default_year)

    @property
    def components(self) -> dict[str, Timezone]:
        """zone -> its VTIMEZONE component."""
        found = {zone: vtimezone(zone, *years) for zone, years in self.ranges.items()}
        return {zone: component for zone, component in found.items() if component is not None}

    def writes_local(self, zone: str) -> bool:
        """Whether times in this zone are written with its TZID (else in UTC)."""
        return zone in self.ranges and zone != FALLBACK_ZONE

    def local(self, instant: datetime, zone: str) -> datetime:
        """The instant with the zone's TZID, or in UTC when the zone has no VTIMEZONE."""
        return _local(instant, zone, self.writes_local(zone))

    def add_to(self, calendar: Calendar) -> None:
        components = self.components
        for zone in sorted(components):
            calendar.add_component(components[zone])

    def text(self) -> bytes:
        """The VTIMEZONE components as they appear in a calendar, in the same order."""
        return b"".join(_vtimezone_text(zone, *self.ranges[zone]) for zone in sorted(self.ranges))


def _local(instant: datetime, zone: str, writes_local: bool) -> datetime:
    """The instant with the zone's TZID, or in UTC when the zone has no VTIMEZONE.

    Also UTC for an instant in the repeated hour when clocks go back: its wall-clock time
    is ambiguous, and readers take the first of the two.
    """
    if not writes_local:
        return instant
    local = instant.astimezone(ZoneInfo(zone))
    return local if local.replace(fold=0).astimezone(UTC) == instant else instant


@lru_cache(maxsize=256)
def _vtimezone_text(zone: str, first_year: int, last_year: int) -> bytes:
    component = vtimezone(zone, first_year, last_year)
    assert component is not None
    return component.to_ical()


def _address(person: Person, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = person.name.replace('"', "'")
    address.params.update(params)
    return address


def _event(data: EventData, zones: Zones) -> Event:
    """The VEVENT properties feeds and invitations share."""
    return _event_in(data, zones.writes_local(data.zone))


def _event_in(data: EventData, writes_local: bool) -> Event:
    event = Event()
    event.add("uid", data.uid)
    event.add("sequence", data.sequence)
    event.add("dtstart", _local(data.starts_at, data.zone, writes_local))
    event.add("dtend", _local(data.ends_at, data.zone, writes_local))
    event.add("summary", vText(data.summary))
    event.add("description", vText(data.description))
    event.add("location", vText(data.meeting_url))
    # A career conversation's place may be a room rather than a link: URL holds links only.
    if not data.meeting_url or data.meeting_url.startswith(("https://", "http://")):
        event.add("url", data.meeting_url)
    event.add("created", data.created_at)
    event.add("last-modified", data.changed_at)
    event.add("transp", "OPAQUE")
    event.add("class", "PRIVATE")
    return event


def _calendar(method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method)
    return calendar


def feed_ics(name: str, default_zone: str, events: Iterable[EventData], default_year: int) -> bytes:
    """A subscription feed (no METHOD). Deterministic: the same data gives the same bytes."""
    items = sorted(events, key=lambda e: (e.starts_at, e.uid))
    zones = Zones(items, default_zone, default_year)
    return feed_text(name, default_zone, zones, items)


def feed_text(name: str, default_zone: str, zones: Zones, items: Sequence[EventData]) -> bytes:
    """The feed of these events (already in feed order) with these zones, from kept parts."""
    parts = [_feed_head(name, default_zone, default_zone in zones.ranges), zones.text()]
    parts += [feed_vevent(data, zones.writes_local(data.zone)) for data in items]
    parts.append(_END)
    return b"".join(parts)


@lru_cache(maxsize=1024)
def _feed_head(name: str, default_zone: str, names_zone: bool) -> bytes:
    """BEGIN:VCALENDAR and the calendar's properties (F2, F10), without its END line."""
    calendar = _calendar()
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    if names_zone:
        calendar.add("x-wr-timezone", default_zone)
    calendar.add("refresh-interval", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    text = calendar.to_ical()
    assert text.endswith(_END)
    return text[: -len(_END)]


@lru_cache(maxsize=VEVENT_CACHE_SIZE)
def feed_vevent(data: EventData, writes_local: bool) -> bytes:
    """One VEVENT of a feed; ``writes_local``: its times carry the zone's TZID (else UTC)."""
    event = _event_in(data, writes_local)
    event.add("dtstamp", data.changed_at)
    event.add("status", "CANCELLED" if data.is_cancelled else "CONFIRMED")
    if data.organizer is not None:
        event.add("organizer", _address(data.organizer))
    return event.to_ical()


def feed_ics_in_one_piece(
    name: str, default_zone: str, events: Iterable[EventData], default_year: int
) -> bytes:
    """The feed serialised as one icalendar Calendar, as feeds were made before they were put
    together from kept parts: the reference the tests compare :func:`feed_ics` with."""
    items = sorted(events, key=lambda e: (e.starts_at, e.uid))
    zones = Zones(items, default_zone, default_year)
    calendar = _calendar()
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    if default_zone in zones.components:
        calendar.add("x-wr-timezone", default_zone)
    calendar.add("refresh-interval", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    zones.add_to(calendar)
    for data in items:
        event = _event(data, zones)
        event.add("dtstamp", data.changed_at)
        event.add("status", "CANCELLED" if data.is_cancelled else "CONFIRMED")
        if data.organizer is not None:
            event.add("organizer", _address(data.organizer))
        calendar.add_component(event)
    return calendar.to_ical()


def invitation_ics(
    data: EventData,
    method: str,
    attendee: Person,
    sent_by: str,
    now: datetime,
    *,
    with_status: bool,
) -> str:
    """An iMIP message body: METHOD, its VTIMEZONE and exactly one VEVENT (M1).

    ``attendee`` is the recipient and the only ATTENDEE (M10). The organiser is the
    facilitator, with ``SENT-BY`` naming the platform mailbox the message comes from (M11);
    without a facilitator the platform mailbox itself organises. ``with_status`` is False for
    a CANCEL that only removes this attendee (M9).
    """
    zones = Zones([data], data.zone, data.starts_at.year)
    calendar = _calendar(method)
    zones.add_to(calendar)
    event = _event(data, zones)
    event.add("dtstamp", now)
    if with_status:
        event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = data.organizer or Person("learnpath", sent_by)
    params = {"SENT-BY": f"mailto:{sent_by}"} if organizer.email != sent_by else {}
    event.add("organizer", _address(organizer, **params))
    event.add(
        "attendee",
        _address(
            attendee,
            ROLE="REQ-PARTICIPANT",
            PARTSTAT="NEEDS-ACTION",
            CUTYPE="INDIVIDUAL",
            RSVP="FALSE",
        ),
    )
    calendar.add_component(event)
    return calendar.to_ical().decode()
