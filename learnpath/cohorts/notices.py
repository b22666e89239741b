"""Messages to people when their enrolment changes (queued in the outbox)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from learnpath.accounts.managers import own_manager
from learnpath.cohorts.models import Enrolment, EnrolmentStatus
from learnpath.cohorts.queries import waitlist_position
from learnpath.cohorts.signals import enrolment_changed as enrolment_changed_signal
from learnpath.cohorts.tracks import track_of
from learnpath.notifications.services import queue_message
from learnpath.web.urls import external_url


def _subject(enrolment: Enrolment) -> object | None:
    """The subject for the enrolment's new status, in the words of its track (None: no mail)."""
    words = track_of(enrolment.cohort).wording
    return {
        EnrolmentStatus.INVITED: words.invited,
        EnrolmentStatus.ENROLLED: words.enrolled,
        EnrolmentStatus.WAITLISTED: words.waitlisted,
        EnrolmentStatus.OFFERED: _l("A place has become free for you: please confirm"),
        EnrolmentStatus.PENDING_APPROVAL: _l("Your sign-up is waiting for your manager"),
        EnrolmentStatus.WITHDRAWN: words.no_longer,
        EnrolmentStatus.DROPPED_OUT: words.no_longer,
    }.get(enrolment.status)


def enrolment_changed(
    enrolment: Enrolment,
    old: EnrolmentStatus | None,
    *,
    expired: bool = False,
    position: int | None = None,
) -> None:
    """Tell the participant (and, for approvals, the manager) what changed; ``expired``: an
    offered place went to the next person because the time to confirm ran out; ``position``:
    the waitlist position when the caller has read it in this transaction (else read here)."""
    new = enrolment.status
    if new == old:
        return
    # Calendar invitations are separate messages (the ical feature listens): a REQUEST per
    # session on enrolment, a CANCEL per future session on withdrawal, drop-out or a move.
    enrolment_changed_signal.send(None, enrolment=enrolment)
    subject = _l("The time to confirm your place has run out") if expired else _subject(enrolment)
    if subject is None:
        return
    queue_message(
        f"enrolment.{new.value}",
        enrolment.user,
        subject,
        "cohorts/enrolment",
        enrolment=enrolment,
        cohort=enrolment.cohort,
        status="expired" if expired else new.value,
        position=position if position is not None else waitlist_position(enrolment),
        link=external_url(track_of(enrolment.cohort).home_endpoint),
    )
    manager = own_manager(enrolment.user)
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
