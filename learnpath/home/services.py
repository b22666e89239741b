"""The one change the start page makes: a waitlisted participant switches to another group
that has a free seat (leaving the waitlist and taking the seat in one unit of work)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from learnpath.accounts.models import User
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from learnpath.cohorts.services import CohortError
from learnpath.extensions import db


def switch_group(enrolment: Enrolment, target: Cohort, user: User, now: datetime) -> Enrolment:
    """Leave the waitlist of ``enrolment``'s cohort for a free seat in ``target``.

    Refused (and nothing changes) unless the person is waitlisted, the target is another group
    of the same kind open to them, and a seat is free when the switch happens: the caller rolls
    back on refusal, so the waitlist place is kept when the seat was taken meanwhile.
    """
    if enrolment.user_id != user.id or enrolment.status != EnrolmentStatus.WAITLISTED:
        raise CohortError(_l("You can only switch groups from a waitlist."))
    if target.id == enrolment.cohort_id or target.kind != enrolment.cohort.kind:
        raise CohortError(_l("You cannot switch to that group."))
    if not cohorts.is_open_to(target, user) or not cohorts.signup_is_open(target, now):
        raise CohortError(_l("Sign-up for this cohort is closed."))
    cohorts.withdraw(enrolment, now)
    db.session.flush()
    placed = cohorts.sign_up(target, user, now)
    if placed.status == EnrolmentStatus.WAITLISTED:
        raise CohortError(
            _l("That group has no free seat any more; you keep your place on the waitlist.")
        )
    return placed
