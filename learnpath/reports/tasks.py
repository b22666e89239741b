"""The reports' periodic job: compute again the kept reports whose data changed."""

from __future__ import annotations

from learnpath import jobs
from learnpath.reports import evaluation, services, snapshots

#: The kinds of report the job computes again (each module registers its own).
KINDS = (services.hr_report, evaluation.evaluation_report)


@jobs.periodic("report_snapshots", every=jobs.Beat.DELIVERY, order=80, commits=True)
def refresh_report_snapshots() -> int:
    """The HR reports looked at in the last hour whose data changed, computed again (one
    commit each), so the next reader gets them at once; a report that fails is logged.
    After the delivery (mail does not wait for it), at most ``REFRESH_SECONDS`` per run."""
    return snapshots.refresh_due()
