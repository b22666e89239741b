"""When a session's online-meeting link may be used: the join window.

The link opens ``join_opens_minutes`` of the programme (or workshop series) in content before
the session starts (15 minutes unless content says otherwise) and closes when it ends. It is
for people with a confirmed seat only (``may_see_link``: enrolled, not a place still waiting for
approval or confirmation); everyone else never sees it. One rule, used by the
start page (and by attendance-from-join, which builds on the same window).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from learnpath.cohorts.models import Cohort, CohortKind, CohortSession, Enrolment, EnrolmentStatus
from learnpath.content.schema import DEFAULT_JOIN_OPENS_MINUTES
from learnpath.content_registry import get_content

#: How long before the start the join button appears when content does not say.
JOIN_OPENS_BEFORE = timedelta(minutes=DEFAULT_JOIN_OPENS_MINUTES)


@dataclass(frozen=True)
class JoinWindow:
    opens_at: datetime
    closes_at: datetime

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def has_closed(self, now: datetime) -> bool:
        return now >= self.closes_at


def opens_before(cohort: Cohort) -> timedelta:
    """How long before a session of ``cohort`` starts its join button appears (from content)."""
    content = get_content()
    minutes = DEFAULT_JOIN_OPENS_MINUTES
    if cohort.kind == CohortKind.PROGRAMME and cohort.programme_slug in content.programmes:
        minutes = content.programmes[cohort.programme_slug].join_opens_minutes
    elif cohort.kind == CohortKind.WORKSHOP and cohort.programme_slug in content.workshop_series:
        minutes = content.workshop_series[cohort.programme_slug].join_opens_minutes
    return timedelta(minutes=minutes)


def join_window(session: CohortSession) -> JoinWindow:
    """From ``opens_before`` the start (15 minutes by default) until the end of the session."""
    return JoinWindow(session.starts_at - opens_before(session.cohort), session.ends_at)


def may_see_link(enrolment: Enrolment | None, session: CohortSession) -> bool:
    """Whether this enrolment may see the session's meeting link at all (a confirmed seat, same
    cohort, session not cancelled); the window says when."""
    return (
        enrolment is not None
        and enrolment.status == EnrolmentStatus.ENROLLED
        and enrolment.cohort_id == session.cohort_id
        and not session.is_cancelled
    )


def can_join(enrolment: Enrolment | None, session: CohortSession, now: datetime) -> bool:
    """The join button is shown: a seat holder, within the window."""
    return may_see_link(enrolment, session) and join_window(session).is_open(now)
