"""The privacy feature's periodic job: retention."""

from __future__ import annotations

from learnpath import jobs
from learnpath.db import utcnow
from learnpath.privacy import retention


@jobs.periodic("retention", every=jobs.Beat.REMINDER, order=70, commits=True)
def apply_retention() -> int:
    """Clear trajectories past their organisation's retention period (one commit per organisation)."""
    return retention.run_all(utcnow())
