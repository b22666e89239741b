"""Messages to participants when the schedule of their cohort changes.

Each change is also announced (schedule/signals.py), so that the calendar feature sends its
invitations (iMIP), one message per participant per session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from learnpath.cohorts.models import Cohort, CohortSession
from learnpath.cohorts.queries import seat_holders
from learnpath.cohorts.tracks import track_of
from learnpath.notifications.services import queue_message
from learnpath.schedule.signals import SessionChange, sessions_changed
from learnpath.web.urls import external_url


def _send(
    cohort: Cohort, kind: str, subject: object, sessions: Sequence[CohortSession], **extra: Any
) -> None:
    link = external_url(track_of(cohort).home_endpoint)
    for enrolment in seat_holders(cohort.id):
        key_part = ",".join(f"{s.id}.{s.sequence}" for s in sessions)
        queue_message(
            f"schedule.{kind}",
            enrolment.user,
            subject,
            f"schedule/{kind}",
            idempotency_key=f"schedule.{kind}:{key_part}:user:{enrolment.user_id}",
            cohort=cohort,
            sessions=sessions,
            link=link,
            **extra,
        )


def sessions_scheduled(cohort: Cohort, sessions: Sequence[CohortSession]) -> None:
    _send(cohort, "scheduled", track_of(cohort).wording.scheduled, sessions)
    sessions_changed.send(None, cohort=cohort, sessions=sessions, change=SessionChange.NEW)


def session_changed(session: CohortSession, old_start: datetime) -> None:
    _send(
        session.cohort,
        "changed",
        track_of(session.cohort).wording.session_changed,
        [session],
        old_start=old_start,
    )
    sessions_changed.send(
        None, cohort=session.cohort, sessions=[session], change=SessionChange.UPDATED
    )


def session_replaced(session: CohortSession, cancelled_start: datetime) -> None:
    """A cancelled session planned again: told like a planned one (mail, then the signal, so
    calendars get a REQUEST and rooms are made as for any new session)."""
    _send(
        session.cohort,
        "replaced",
        _l("A replacement has been planned for a cancelled session"),
        [session],
        old_start=cancelled_start,
    )
    sessions_changed.send(None, cohort=session.cohort, sessions=[session], change=SessionChange.NEW)


def session_cancelled(session: CohortSession) -> None:
    _send(
        session.cohort,
        "cancelled",
        track_of(session.cohort).wording.session_cancelled,
        [session],
    )
    sessions_changed.send(
        None, cohort=session.cohort, sessions=[session], change=SessionChange.CANCELLED
    )


def cohort_cancelled(cohort: Cohort, sessions: Sequence[CohortSession]) -> None:
    _send(cohort, "cohort_cancelled", track_of(cohort).wording.cancelled, sessions)
    sessions_changed.send(None, cohort=cohort, sessions=sessions, change=SessionChange.CANCELLED)
