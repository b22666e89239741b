"""Rule-based VTIMEZONE components, generated from the zoneinfo database (CALENDAR.md F8).

Outlook desktop mis-maps VTIMEZONEs made of long RDATE lists, so we write what Outlook itself
writes: one STANDARD and one DAYLIGHT observance, each with a yearly RRULE such as
``FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU``. The rule is read off the actual transitions of every
year the calendar needs (and the year before, so the first event is covered by an onset);
zones without DST get a single STANDARD observance. A zone whose transitions follow no such
rule in those years gets no VTIMEZONE: the caller writes its times in UTC instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_SCAN_STEP = timedelta(hours=6)


@dataclass(frozen=True)
class Transition:
    """One change of UTC offset."""

    #: Wall-clock time at which it happens, in the offset before it (naive), e.g. 02:00.
    local: datetime
    offset_from: timedelta
    offset_to: timedelta
    #: Abbreviation in force afterwards, e.g. "CEST".
    name: str
    is_dst: bool


@dataclass(frozen=True)
class Observance:
    """A STANDARD or DAYLIGHT sub-component."""

    is_dst: bool
    start: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    #: e.g. {"FREQ": "YEARLY", "BYMONTH": 3, "BYDAY": "-1SU"}; None for a fixed offset.
    rrule: dict[str, object] | None


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)


def _pinpoint(zone: ZoneInfo, before: datetime, after: datetime) -> Transition:
    """Bisect to the first second with the new offset, between two UTC instants."""
    old = _offset(zone, before)
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if _offset(zone, middle) == old:
            before = middle
        else:
            after = middle
    after = after.replace(microsecond=0)
    local = after.astimezone(zone)
    return Transition(
        local=(after + old).replace(tzinfo=None),
        offset_from=old,
        offset_to=_offset(zone, after),
        name=local.tzname() or "",
        is_dst=bool(local.dst()),
    )


@lru_cache(maxsize=512)
def year_transitions(zone_name: str, year: int) -> tuple[Transition, ...]:
    """All offset changes of a zone in one (UTC) calendar year."""
    zone = ZoneInfo(zone_name)
    found: list[Transition] = []
    instant = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    before = _offset(zone, instant)
    while instant < end:
        following = instant + _SCAN_STEP
        after = _offset(zone, following)
        if after != before:
            found.append(_pinpoint(zone, instant, following))
        instant, before = following, after
    return tuple(found)


def _week_specs(day: datetime) -> set[int]:
    """Ways to name the day's week in an RRULE: its number in the month, and -1 if last."""
    specs = {(day.day - 1) // 7 + 1}
    if (day + timedelta(days=7)).month != day.month:
        specs.add(-1)
    return specs


def _rule(changes: Sequence[Transition]) -> Observance | None:
    """The yearly rule that all these transitions (one per year, same kind) follow, or None."""
    first = changes[0]
    shape = (
        first.local.month,
        first.local.weekday(),
        first.local.time(),
        first.offset_from,
        first.offset_to,
        first.name,
    )
    common = _week_specs(first.local)
    for change in changes[1:]:
        local = change.local
        if (
            local.month,
            local.weekday(),
            local.time(),
            change.offset_from,
            change.offset_to,
            change.name,
        ) != shape:
            return None
        common &= _week_specs(local)
    if not common:
        return None
    week = -1 if -1 in common else min(common)
    byday = f"{week}{_WEEKDAYS[first.local.weekday()]}"
    return Observance(
        is_dst=first.is_dst,
        start=first.local,
        offset_from=first.offset_from,
        offset_to=first.offset_to,
        name=first.name,
        rrule={"FREQ": "YEARLY", "BYMONTH": first.local.month, "BYDAY": byday},
    )


def _fixed(zone_name: str, years: Sequence[int]) -> Observance | None:
    zone = ZoneInfo(zone_name)
    starts = [datetime(year, 1, 1, tzinfo=UTC).astimezone(zone) for year in years]
    offsets = {start.utcoffset() for start in starts}
    if len(offsets) != 1:
        return None
    offset = starts[0].utcoffset() or timedelta(0)
    return Observance(
        False, datetime(years[0], 1, 1), offset, offset, starts[0].tzname() or "", None
    )


@lru_cache(maxsize=256)
def observances(zone_name: str, first_year: int, last_year: int) -> tuple[Observance, ...] | None:
    """Observances valid for every year in the range, or None if no simple rule fits."""
    years = list(range(first_year, last_year + 1))
    per_year = [year_transitions(zone_name, year) for year in years]
    if all(not changes for changes in per_year):
        fixed = _fixed(zone_name, years)
        return None if fixed is None else (fixed,)
    if any(len(changes) != 2 or changes[0].is_dst == changes[1].is_dst for changes in per_year):
        return None
    rules = []
    for is_dst in (False, True):
        rule = _rule([next(c for c in changes if c.is_dst == is_dst) for changes in per_year])
        if rule is None:
            return None
        rules.append(rule)
    return tuple(sorted(rules, key=lambda o: o.start))


def year_range(instants: Iterable[datetime], default_year: int) -> tuple[int, int]:
    """The years a VTIMEZONE must cover: the year before the first instant up to the last."""
    years = [instant.year for instant in instants] or [default_year]
    return min(years) - 1, max(years)


def vtimezone(zone_name: str, first_year: int, last_year: int) -> Timezone | None:
    """A VTIMEZONE for the zone valid in these years, or None (then write UTC times)."""
    found = observances(zone_name, first_year, last_year)
    if found is None:
        return None
    component = Timezone()
    component.add("tzid", zone_name)
    for observance in found:
        sub = TimezoneDaylight() if observance.is_dst else TimezoneStandard()
        sub.add("dtstart", observance.start)
        sub.add("tzoffsetfrom", observance.offset_from)
        sub.add("tzoffsetto", observance.offset_to)
        if observance.name:
            sub.add("tzname", observance.name)
        if observance.rrule is not None:
            sub.add("rrule", observance.rrule)
        component.add_component(sub)
    return component
