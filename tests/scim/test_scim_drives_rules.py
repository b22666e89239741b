"""The manager and department that SCIM sets are the ones the rules use: sign-up approval (and
its hand-off when the manager changes) and the hierarchy rule of intervision groups."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnpath.accounts.models import Role, User
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import EnrolmentStatus
from learnpath.cohorts.services import CohortError
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from tests.factories import make_cohort
from tests.manager_tracks.helpers import make_group
from tests.scim import entra_payloads as entra


def _fresh(user_id: int) -> User:
    db.session.rollback()
    user = db.session.get(User, user_id)
    assert user is not None
    db.session.refresh(user)
    return user


def test_the_scim_manager_approves_and_a_new_manager_takes_over(scim, org, make_user):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach, approval=True)
    first = make_user(Role.MANAGER, email="eerste@testdorp.nl")
    second = make_user(Role.MANAGER, email="tweede@testdorp.nl")
    person_id = int(
        scim("POST", "/Users", json=entra.create_user("deelnemer@testdorp.nl")).get_json()["id"]
    )
    assert (
        scim("PATCH", f"/Users/{person_id}", json=entra.manager(str(first.id))).status_code == 200
    )

    enrolment = cohorts.sign_up(cohort, _fresh(person_id))
    db.session.commit()
    assert enrolment.status == EnrolmentStatus.PENDING_APPROVAL
    asked = db.session.scalars(
        select(OutboxMessage.recipient_user_id).where(
            OutboxMessage.kind == "enrolment.approval_requested"
        )
    ).all()
    assert asked == [first.id]

    # Entra ID reports a new manager: the pending decision moves with it.
    assert (
        scim("PATCH", f"/Users/{person_id}", json=entra.manager(str(second.id))).status_code == 200
    )
    db.session.rollback()
    with pytest.raises(CohortError):
        cohorts.decide_approval(enrolment, _fresh(first.id), approve=True)
    db.session.rollback()
    cohorts.decide_approval(enrolment, _fresh(second.id), approve=True)
    db.session.commit()
    assert enrolment.status == EnrolmentStatus.ENROLLED


def test_a_reporting_line_from_scim_keeps_two_managers_out_of_one_group(scim, org, make_user):
    coach = make_user(Role.FACILITATOR)
    boss = make_user(Role.MANAGER, email="baas@testdorp.nl")
    lead = make_user(Role.MANAGER, email="teamleider@testdorp.nl")
    group = make_group(org, coach, [boss])
    # Both were invited before provisioning; Entra ID finds them by userName and sets the line.
    found = scim("GET", '/Users?filter=userName eq "teamleider@testdorp.nl"').get_json()
    lead_id = found["Resources"][0]["id"]
    assert scim("PATCH", f"/Users/{lead_id}", json=entra.manager(str(boss.id))).status_code == 200
    with pytest.raises(CohortError):
        cohorts.sign_up(group, _fresh(lead.id))
