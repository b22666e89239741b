"""Mail wording that depends on the reader: texts made in their language when the message is
rendered, and moments said from the actual distance ("today at 09:00", "tomorrow at 09:30")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask_babel import gettext as _

from learnpath.timefmt import Reader


class Deferred:
    """A text made when it is turned into a string.

    The outbox renders subjects inside the recipient's locale (``force_locale``), so a subject
    that quotes a name and a moment (``gettext`` with parameters) is written in the recipient's
    language when it is a ``Deferred`` of a function that calls ``gettext``.
    """

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make

    def __str__(self) -> str:
        return self._make()


def relative_when(moment: datetime, reader: Reader, now: datetime) -> str:
    """``moment`` said from ``now``, by the calendar day in the reader's time zone and language.

    "today at 09:00", "tomorrow at 09:30", "yesterday at 17:00", else "on Monday 3 March at
    09:30". Call it where the reader's locale is active (a mail being rendered).
    """
    zone = ZoneInfo(reader.organisation.timezone)
    days = (moment.astimezone(zone).date() - now.astimezone(zone).date()).days
    time = format_datetime(moment, "HH:mm", tzinfo=zone, locale=reader.locale)
    if days == 0:
        return _("today at %(time)s", time=time)
    if days == 1:
        return _("tomorrow at %(time)s", time=time)
    if days == -1:
        return _("yesterday at %(time)s", time=time)
    pattern = "EEEE d MMMM" if abs(moment - now) < timedelta(days=180) else "EEEE d MMMM y"
    day = format_datetime(moment, pattern, tzinfo=zone, locale=reader.locale)
    return _("on %(date)s at %(time)s", date=day, time=time)


def names_list(names: list[str], *, limit: int = 3) -> str:
    """Join names: "A, B, C" and, past ``limit`` names, "A, B, C and 2 more" (in the active language)."""
    shown = ", ".join(names[:limit])
    rest = len(names) - limit
    return _("%(names)s and %(count)s more", names=shown, count=rest) if rest > 0 else shown
