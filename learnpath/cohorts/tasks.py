"""The cohorts' periodic job: seats whose confirmation time passed go to the waitlist."""

from __future__ import annotations

from learnpath import jobs
from learnpath.cohorts import services


@jobs.periodic("expire_offers", every=jobs.Beat.REMINDER, order=10)
def expire_offers() -> int:
    """Give seats whose claim deadline passed to the next person (the notices are queued)."""
    return services.expire_offers()
