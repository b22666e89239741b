"""Times shown to a particular person: their organisation's zone, their language."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_datetime


class _Zoned(Protocol):
    timezone: str


class Reader(Protocol):
    """Whoever a time is shown to: a user, with a language and an organisation (time zone)."""

    @property
    def locale(self) -> str: ...

    @property
    def organisation(self) -> _Zoned: ...


def for_user(value: datetime, user: Reader, fmt: str = "EEEE d MMMM y, HH:mm") -> str:
    """Format a UTC datetime in the user's organisation time zone and language."""
    zone = ZoneInfo(user.organisation.timezone)
    return format_datetime(value, fmt, tzinfo=zone, locale=user.locale)


def to_utc(day: date, start: time, zone: ZoneInfo) -> datetime | None:
    """Local wall-clock date+time to UTC; None when that time does not exist (DST gap)."""
    local = datetime.combine(day, start, tzinfo=zone)
    utc = local.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return utc
