"""The live sessions' periodic job: invite the people who attended a session to its evaluation."""

from __future__ import annotations

from learnpath import jobs
from learnpath.live import evaluations


@jobs.periodic("evaluation_invitations", every=jobs.Beat.REMINDER, order=23)
def evaluation_invitations() -> int:
    """Mail the evaluation of each session that ended to those who attended it (once each)."""
    return evaluations.invite()
