"""The outbox's periodic job: deliver what is due (after the jobs that queue mail)."""

from __future__ import annotations

from learnpath import jobs
from learnpath.notifications import delivery


@jobs.periodic("deliver_outbox", every=jobs.Beat.DELIVERY, order=jobs.DELIVERY_ORDER, commits=True)
def deliver_outbox() -> int:
    """Claim and send due messages (one commit per claim and per message)."""
    return delivery.deliver_pending()
