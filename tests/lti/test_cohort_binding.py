"""Issue #25 point 7: only a facilitator's binding, or a Deep Linking answer we signed, binds."""

from __future__ import annotations

from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.cohorts.models import Enrolment
from learnpath.extensions import db
from learnpath.lti import services
from learnpath.lti.models import ResourceLink
from tests.factories import make_cohort
from tests.lti.platform import CLAIM, LEARNER


def _learner_launch(launch, lti, custom, link="typed-link", context="course-1"):
    hint = lti.platform.prepare_launch(
        "learner-7",
        [LEARNER],
        resource_link_id=link,
        **{CLAIM + "custom": custom, CLAIM + "context": {"id": context, "title": "Cursus"}},
    )
    return launch(hint)


def _bound(link="typed-link"):
    return db.session.scalar(
        select(ResourceLink.cohort_id).where(ResourceLink.resource_link_id == link)
    )


def test_a_typed_in_cohort_parameter_binds_nothing(client, launch, lti, org, make_user):
    private = make_cohort(org, make_user(Role.FACILITATOR), name="Alleen op uitnodiging")
    response = _learner_launch(launch, lti, {services.COHORT_PARAMETER: str(private.id)})
    assert response.status_code == 200  # "not connected yet"
    assert _bound() is None
    assert db.session.scalar(select(Enrolment)) is None


def test_a_forged_or_copied_binding_binds_nothing(client, launch, lti, org, make_user):
    facilitator = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, facilitator)
    signed = services.binding_parameters(
        lti.registration, lti.platform.deployment_id, "course-1", cohort, facilitator
    )
    forged = {**signed, services.BINDING_PARAMETER: signed[services.BINDING_PARAMETER][:-2] + "xx"}
    _learner_launch(launch, lti, forged)
    assert _bound() is None
    client.post("/logout")
    # Copied to a link in another course: refused as well.
    _learner_launch(launch, lti, signed, link="elsewhere", context="course-2")
    assert _bound("elsewhere") is None
    client.post("/logout")
    # In the course it was made for, it binds (as the Deep Linking round trip does).
    _learner_launch(launch, lti, signed, link="right")
    assert _bound("right") == cohort.id
    assert (
        db.session.scalar(
            select(ResourceLink).where(ResourceLink.resource_link_id == "right")
        ).bound_by_id
        == facilitator.id
    )


def test_a_binding_by_a_facilitator_who_lost_the_cohort_binds_nothing(
    client, launch, lti, org, make_user
):
    facilitator = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, make_user(Role.FACILITATOR))  # facilitator does not manage it
    signed = services.binding_parameters(
        lti.registration, lti.platform.deployment_id, "course-1", cohort, facilitator
    )
    _learner_launch(launch, lti, signed)
    assert _bound() is None
