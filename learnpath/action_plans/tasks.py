"""The action plans' periodic job: unacknowledged shared plans and follow-up dates."""

from __future__ import annotations

from learnpath import jobs
from learnpath.action_plans import reminders


@jobs.periodic("plan_reminders", every=jobs.Beat.REMINDER, order=22)
def plan_reminders() -> int:
    """Queue the reminders to managers (plan not acknowledged) and of follow-up dates."""
    return reminders.unacknowledged_plan_reminders() + reminders.follow_up_reminders()
