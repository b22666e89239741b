"""Issue 23.2: a participant's own manager (same organisation) is the only manager who can ever
receive what they share. ``User.manager_id`` pointing to a manager of another organisation (an
import error in a network of employers) makes that manager nobody's manager: no approval
request, no approvals page entry, no decision, no share, no shared page (learnpath.accounts
.managers)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from learnpath.accounts.models import Role
from learnpath.action_plans import services as plans
from learnpath.action_plans.models import PlanShare
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import Enrolment, EnrolmentStatus
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from tests.factories import enrol, full_plan_data, network_cohort

SHARED = ["question", "goals"]


@pytest.fixture
def people(org, make_org, make_user):
    """A participant of the second member organisation whose manager on record is a manager
    of the cohort's own organisation (the wrong one)."""
    other = make_org("Gemeente Buurdorp")
    coach = make_user(Role.FACILITATOR)
    wrong = make_user(Role.MANAGER, name="Wim Verkeerd")  # of org
    right = make_user(Role.MANAGER, organisation=other, name="Rita Juist")
    person = make_user(Role.PARTICIPANT, organisation=other, name="Petra Buur", manager=wrong)
    return coach, wrong, right, person, other


def _mails_to(user) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.recipient_user_id == user.id)
        )
        or 0
    )


def test_no_approval_goes_to_a_manager_of_another_organisation(client, org, people, login_as):
    coach, wrong, _right, person, other = people
    cohort = network_cohort([org, other], coach, approval=True)
    cohorts.sign_up(cohort, person)
    db.session.commit()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    # Nobody can approve (no manager of their own on record): the place is not held waiting
    # for a decision that never comes, as for anyone without a manager.
    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert _mails_to(wrong) == 0
    login_as(wrong)
    assert person.name not in client.get("/goedkeuringen").text
    response = client.post(f"/goedkeuringen/{enrolment.id}", data={"decision": "approve"})
    assert response.status_code == 404
    db.session.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.ENROLLED
    # A place that waits for approval (their manager changed after the sign-up) cannot be
    # decided by a manager of another organisation either.
    enrolment.status = EnrolmentStatus.PENDING_APPROVAL
    db.session.flush()
    with pytest.raises(cohorts.CohortError):
        cohorts.decide_approval(enrolment, wrong, approve=True)
    db.session.rollback()


def test_no_share_reaches_a_manager_of_another_organisation(client, org, people, login_as):
    coach, wrong, right, person, other = people
    cohort = network_cohort([org, other], coach)
    enrolment = enrol(cohort, person)
    plan = plans.start_plan(enrolment, get_content(), "nl")
    plans.save_plan(plan, full_plan_data(), utcnow().date(), final=True)
    db.session.commit()

    login_as(person)
    page = client.get("/actieplan/delen").text
    assert right.name in page and wrong.name not in page
    response = client.post(
        "/actieplan/delen", data={"manager": wrong.id, "sections": SHARED, "share": "1"}
    )
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(PlanShare)) == 0
    with pytest.raises(plans.PlanError):
        plans.share(plan, wrong, SHARED)
    db.session.rollback()

    # Even a share row that names them (written before the rule, or by hand) opens nothing.
    row = PlanShare(plan_id=plan.id, manager_id=wrong.id, sections=SHARED, created_at=utcnow())
    db.session.add(row)
    db.session.commit()
    login_as(wrong)
    for url in (
        f"/team/plannen/{row.id}",
        f"/team/plannen/{row.id}/export?format=pdf&sections=question",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Vraag-Q" not in response.text
