"""The assignments' periodic job: reminders of work due soon or overdue."""

from __future__ import annotations

from learnpath import jobs
from learnpath.assignments import follow_up, reminders


@jobs.periodic("assignment_reminders", every=jobs.Beat.REMINDER, order=21)
def assignment_reminders() -> int:
    """Queue the "due in 48 hours" and "overdue" reminders."""
    return reminders.assignment_reminders()


@jobs.periodic("follow_up_invitations", every=jobs.Beat.REMINDER, order=24)
def follow_up_invitations() -> int:
    """Invite to the follow-up self-assessment when its window opens."""
    return follow_up.follow_up_invitations()
