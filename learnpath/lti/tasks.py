"""Timed LTI work for the scheduler: post changed progress, forget expired launch values."""

from __future__ import annotations

from learnpath import jobs
from learnpath.lti import adapter, platform_services


@jobs.periodic("lti_scores", every=jobs.Beat.REMINDER, order=60)
def sync_scores_job() -> int:
    """Post changed progress to the platforms (idempotent: unchanged scores are skipped)."""
    posted = platform_services.sync_scores()
    adapter.purge_expired()
    return posted
