"""The assignments' periodic job: reminders of work due soon or overdue."""

from __future__ import annotations

from learnpath import jobs
from learnpath.assignments import reminders


@jobs.periodic("assignment_reminders", every=jobs.Beat.REMINDER, order=21)
def assignment_reminders() -> int:
    """Queue the "due in 48 hours" and "overdue" reminders."""
    return reminders.assignment_reminders()
