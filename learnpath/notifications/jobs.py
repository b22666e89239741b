"""The scheduler's jobs. Each runs in its own app context and unit of work and is idempotent,
so two scheduler processes started by mistake do no harm (see delivery.py, reminders.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask

from learnpath.cohorts import services as cohorts
from learnpath.extensions import db
from learnpath.lti import jobs as lti_jobs
from learnpath.notifications import delivery, reminders

log = logging.getLogger(__name__)

_app: Flask | None = None


def _expire_offers() -> int:
    expired = cohorts.expire_offers()
    db.session.commit()
    return expired


def _session_reminders() -> int:
    queued = reminders.session_reminders()
    db.session.commit()
    return queued


def _assignment_reminders() -> int:
    queued = reminders.assignment_reminders()
    db.session.commit()
    return queued


def _plan_reminders() -> int:
    from learnpath.notifications import plan_reminders

    queued = plan_reminders.unacknowledged_plan_reminders() + plan_reminders.follow_up_reminders()
    db.session.commit()
    return queued


def _retention() -> int:
    from learnpath.db import utcnow
    from learnpath.privacy import retention

    return retention.run_all(utcnow())  # one commit per organisation


JOBS: dict[str, Callable[[], int]] = {
    "expire_offers": _expire_offers,
    "session_reminders": _session_reminders,
    "assignment_reminders": _assignment_reminders,
    "plan_reminders": _plan_reminders,
    "deliver_outbox": delivery.deliver_pending,
    "lti_scores": lti_jobs.sync_scores_job,
    "retention": _retention,
}


def bind(app: Flask) -> None:
    """Remember the app the scheduler's jobs run in (APScheduler stores jobs by name)."""
    global _app
    _app = app


def run_job(name: str) -> int:
    """Entry point stored in the job store: run one job by name inside the bound app."""
    if _app is None:
        raise RuntimeError("scheduler jobs need an app: call jobs.bind(app) first")
    with _app.app_context():
        try:
            return JOBS[name]()
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", name)
            raise
        finally:
            db.session.remove()


def run_all(app: Flask) -> dict[str, int]:
    """Run every job once, in order (reminders before delivery, so they go out at once)."""
    bind(app)
    return {name: run_job(name) for name in JOBS}
