"""Calendar invitations follow what cohorts, schedule and action plans announce (see their
signals.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from learnpath.action_plans.models import Conversation
from learnpath.action_plans.signals import conversation_agreed, conversation_cancelled
from learnpath.cohorts.models import Cohort, CohortSession, Enrolment
from learnpath.cohorts.signals import enrolment_changed
from learnpath.ical import conversations, invitations
from learnpath.schedule.signals import SessionChange, sessions_changed


@enrolment_changed.connect
def _enrolment_changed(_sender: Any, *, enrolment: Enrolment) -> None:
    """A REQUEST per planned session on enrolment; a CANCEL per future session on leaving."""
    invitations.enrolment_changed(enrolment)


@sessions_changed.connect
def _sessions_changed(
    _sender: Any, *, cohort: Cohort, sessions: Sequence[CohortSession], change: SessionChange
) -> None:
    """Planned, changed or cancelled sessions go to every enrolled participant."""
    invitations.sessions_changed(cohort, sessions, invitations.Reason(change.value))


@conversation_agreed.connect
def _conversation_agreed(_sender: Any, *, conversation: Conversation, now: datetime) -> None:
    """The participant and the manager each get an invitation for the agreed time."""
    conversations.invite_both(conversation, now)


@conversation_cancelled.connect
def _conversation_cancelled(_sender: Any, *, conversation: Conversation, now: datetime) -> None:
    """A revoked share cancels the agreed conversation in both calendars."""
    conversations.cancel_both(conversation, now)
