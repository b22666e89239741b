"""Times shown to a particular person: their organisation's zone, their language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from learnpath.accounts.models import User


def for_user(value: datetime, user: User, fmt: str = "EEEE d MMMM y, HH:mm") -> str:
    """Format a UTC datetime in the user's organisation time zone and language."""
    zone = ZoneInfo(user.organisation.timezone)
    return format_datetime(value, fmt, tzinfo=zone, locale=user.locale)
