"""What happens to someone's places when their account is deactivated (a leaver).

Connected to ``accounts.signals.user_deactivated`` in ``cohorts/receivers.py``. Waitlist places,
open offers and open invitations are withdrawn (a freed offer goes to the next person on the
waitlist, as on any withdrawal). A seat the person holds (enrolled, or waiting for the
manager's approval) is kept until a facilitator decides, on the cohort page. The facilitators
of every cohort concerned get one message each, saying which places were withdrawn and which
are kept.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.cohorts import services
from learnpath.cohorts.models import ACTIVE_STATUSES, Cohort, Enrolment, EnrolmentStatus
from learnpath.extensions import db
from learnpath.notifications.services import queue_message
from learnpath.web.urls import external_url

#: Places taken back from a leaver at once; the others are seats, kept for the facilitator.
WITHDRAWN_ON_LEAVING = frozenset(
    {EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED, EnrolmentStatus.INVITED}
)


def withdraw_leaver(user: User) -> tuple[list[Enrolment], list[Enrolment]]:
    """Withdraw the deactivated ``user`` from waitlists and open offers and tell the
    facilitators; returns (withdrawn, kept) enrolments."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(
            Enrolment.user_id == user.id,
            Enrolment.status.in_(ACTIVE_STATUSES | {EnrolmentStatus.INVITED}),
        )
        .options(selectinload(Enrolment.cohort).selectinload(Cohort.facilitators))
        .order_by(Enrolment.id)
    ).all()
    withdrawn: list[Enrolment] = []
    kept: list[Enrolment] = []
    for enrolment in enrolments:
        if enrolment.status in WITHDRAWN_ON_LEAVING:
            services.withdraw(enrolment, reason=services.WITHDRAWN_ACCOUNT_DEACTIVATED)
            enrolment.note = "account deactivated"
            withdrawn.append(enrolment)
        else:
            kept.append(enrolment)
    _tell_facilitators(user, withdrawn, kept)
    return withdrawn, kept


def _tell_facilitators(user: User, withdrawn: list[Enrolment], kept: list[Enrolment]) -> None:
    per_facilitator: dict[int, tuple[User, list[Enrolment], list[Enrolment]]] = {}
    for index, group in enumerate((withdrawn, kept)):
        for enrolment in group:
            for facilitator in enrolment.cohort.facilitators:
                if not facilitator.is_active_account or facilitator.id == user.id:
                    continue
                entry = per_facilitator.setdefault(facilitator.id, (facilitator, [], []))
                entry[1 + index].append(enrolment)
    for facilitator, gone, seats in per_facilitator.values():
        queue_message(
            "cohorts.leaver",
            facilitator,
            _l("%(name)s no longer has an account", name=user.name),
            "cohorts/leaver",
            person=user,
            withdrawn=[
                (e.cohort, external_url("cohorts.detail", cohort_id=e.cohort_id)) for e in gone
            ],
            kept=[(e.cohort, external_url("cohorts.detail", cohort_id=e.cohort_id)) for e in seats],
        )
