"""The schedule's periodic job: reminders of upcoming sessions."""

from __future__ import annotations

from learnpath import jobs
from learnpath.schedule import reminders


@jobs.periodic("session_reminders", every=jobs.Beat.REMINDER, order=20)
def session_reminders() -> int:
    """Queue the session reminders that are due (a day and an hour before)."""
    return reminders.session_reminders()
