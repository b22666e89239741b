"""The cohorts' periodic jobs: seats whose confirmation time passed go to the waitlist; seats
that quotas kept free go to the waitlist once the quotas are released."""

from __future__ import annotations

import logging

from learnpath import jobs
from learnpath.cohorts import quotas, services
from learnpath.db import utcnow
from learnpath.extensions import db

log = logging.getLogger(__name__)


@jobs.periodic("expire_offers", every=jobs.Beat.REMINDER, order=10)
def expire_offers() -> int:
    """Give seats whose claim deadline passed to the next person (the notices are queued)."""
    return services.expire_offers()


@jobs.periodic("quota_release", every=jobs.Beat.REMINDER, order=11, commits=True)
def quota_release() -> int:
    """Fill the free seats of cohorts whose quota release moment passed (cohorts.quotas): one
    commit per cohort, so one cohort that fails stops nothing else (it is tried again)."""
    now = utcnow()
    cohort_ids = quotas.due_for_release(now)
    db.session.rollback()  # the read holds nothing
    promoted = 0
    for cohort_id in cohort_ids:
        try:
            promoted += services.fill_released(cohort_id, now)
            db.session.commit()
        except Exception:  # one cohort never stops the batch; the next run tries it again
            db.session.rollback()
            log.exception("free seats of cohort %s could not be filled", cohort_id)
    return promoted
