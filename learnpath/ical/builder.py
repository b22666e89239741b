"""Turn prepared event data into iCalendar text (no database, no Flask).

Both outputs share one VEVENT shape (same UID, SEQUENCE, times, texts); a feed adds
DTSTAMP = the session's last change (F6) and STATUS, an invitation adds METHOD, the single
ATTENDEE and DTSTAMP = the moment the message is made (RFC 5546). No VALARM anywhere:
clients ignore alarms in subscriptions, and a CANCEL must not carry one (M9).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration, vText

from learnpath.ical.timezones import vtimezone, year_range

PRODID = "-//learnpath//learnpath calendar 1.0//EN"
#: How often subscribers should refresh (F10); Google ignores it and takes 8–24 hours.
REFRESH_INTERVAL = timedelta(hours=1)
#: A zone every client knows, for calendars whose zones cannot be written as a rule (F3).
FALLBACK_ZONE = "UTC"


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


class Zones:
    """The VTIMEZONEs a calendar needs; times in zones without one are written in UTC (F8)."""

    def __init__(self, events: Sequence[EventData], default_zone: str, default_year: int) -> None:
        wanted: dict[str, list[datetime]] = {default_zone: []}
        for event in events:
            wanted.setdefault(event.zone, []).extend((event.starts_at, event.ends_at))
        self.components: dict[str, Timezone] = {}
        for zone, instants in wanted.items():
            component = vtimezone(zone, *year_range(instants, default_year))
            if component is not None:
                self.components[zone] = component
        if not self.components:  # never an empty calendar (F3)
            fallback = vtimezone(FALLBACK_ZONE, default_year - 1, default_year)
            assert fallback is not None
            self.components[FALLBACK_ZONE] = fallback

    def local(self, instant: datetime, zone: str) -> datetime:
        """The instant with the zone's TZID, or in UTC when the zone has no VTIMEZONE.

        Also UTC for an instant in the repeated hour when clocks go back: its wall-clock time
        is ambiguous, and readers take the first of the two.
        """
        if zone not in self.components or zone == FALLBACK_ZONE:
            return instant
        local = instant.astimezone(ZoneInfo(zone))
        return local if local.replace(fold=0).astimezone(UTC) == instant else instant

    def add_to(self, calendar: Calendar) -> None:
        for zone in sorted(self.components):
            calendar.add_component(self.components[zone])


def _address(person: Person, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = person.name.replace('"', "'")
    address.params.update(params)
    return address


def _event(data: EventData, zones: Zones) -> Event:
    """The VEVENT properties feeds and invitations share."""
    event = Event()
    event.add("uid", data.uid)
    event.add("sequence", data.sequence)
    event.add("dtstart", zones.local(data.starts_at, data.zone))
    event.add("dtend", zones.local(data.ends_at, data.zone))
    event.add("summary", vText(data.summary))
    event.add("description", vText(data.description))
    event.add("location", vText(data.meeting_url))
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
