"""Messages to people when their enrolment changes (queued in the outbox)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from learnpath.cohorts.models import Enrolment, EnrolmentStatus
from learnpath.cohorts.queries import waitlist_position
from learnpath.cohorts.tracks import track_of
from learnpath.ical import invitations
from learnpath.notifications.services import queue_message
from learnpath.web.urls import external_url

_SUBJECTS = {
    EnrolmentStatus.INVITED: _l("You are invited to a career programme"),
    EnrolmentStatus.ENROLLED: _l("You have a place in the career programme"),
    EnrolmentStatus.WAITLISTED: _l("You are on the waitlist of the career programme"),
    EnrolmentStatus.OFFERED: _l("A place has become free for you: please confirm"),
    EnrolmentStatus.PENDING_APPROVAL: _l("Your sign-up is waiting for your manager"),
    EnrolmentStatus.WITHDRAWN: _l("You are no longer signed up for the career programme"),
    EnrolmentStatus.DROPPED_OUT: _l("You are no longer signed up for the career programme"),
}


def enrolment_changed(enrolment: Enrolment, old: EnrolmentStatus | None) -> None:
    """Tell the participant (and, for approvals, the manager) what changed."""
    new = enrolment.status
    if new == old:
        return
    # Calendar invitations are separate messages: a REQUEST per session on enrolment,
    # a CANCEL per future session on withdrawal, drop-out or a move.
    invitations.enrolment_changed(enrolment)
    if new not in _SUBJECTS:
        return
    queue_message(
        f"enrolment.{new.value}",
        enrolment.user,
        _SUBJECTS[new],
        "cohorts/enrolment",
        enrolment=enrolment,
        cohort=enrolment.cohort,
        status=new.value,
        position=waitlist_position(enrolment),
        link=external_url(track_of(enrolment.cohort).home_endpoint),
    )
    manager = enrolment.user.manager
    if new == EnrolmentStatus.PENDING_APPROVAL and manager is not None:
        queue_message(
            "enrolment.approval_requested",
            manager,
            _l("A sign-up from your team is waiting for your approval"),
            "cohorts/approval_request",
            enrolment=enrolment,
            cohort=enrolment.cohort,
            link=external_url("cohorts.approvals"),
        )
