"""The cohorts a facilitator may bind an LTI link to: those they manage (cohorts.can_manage),
listed in a fixed number of queries however many cohorts and network cohorts there are."""

from __future__ import annotations

from sqlalchemy import event, select

from learnpath.accounts import networks
from learnpath.accounts.models import Role
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import Cohort, CohortStatus
from learnpath.extensions import db
from learnpath.lti.services import bindable_cohorts
from tests.factories import make_cohort, network_cohort


def _statements(call) -> tuple[object, list[str]]:
    db.session.expire_all()
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return result, seen


def _expected(user) -> list[int]:
    """What the rule says, cohort by cohort."""
    own = db.session.scalars(
        select(Cohort).where(Cohort.organisation_id == user.organisation_id)
    ).all()
    own = sorted(own, key=lambda c: (c.name, c.id))
    return [c.id for c in own if cohorts.can_manage(user, c) and not c.is_cancelled]


def test_bindable_cohorts_do_not_grow_with_the_cohorts(org, make_org, make_user):
    other = make_org("Gemeente Buur")
    coordinator = make_user(Role.FACILITATOR, name="Cora Coördinator")
    colleague = make_user(Role.FACILITATOR, name="Collega")
    make_cohort(org, coordinator, name="Eigen A")
    make_cohort(org, colleague, name="Van een ander")
    network_cohort([org, other], colleague, coordinators=[coordinator], name="Netwerk 1")
    few, few_seen = _statements(lambda: [c.id for c in bindable_cohorts(coordinator)])
    assert few == _expected(coordinator) and len(few) == 2

    for name in ("Eigen B", "Eigen C", "Eigen D"):
        make_cohort(org, coordinator, name=name)
    gone = make_cohort(org, coordinator, name="Eigen geannuleerd")
    gone.status = CohortStatus.CANCELLED
    for i in range(3):
        network_cohort([org, other], colleague, coordinators=[coordinator], name=f"Netwerk {i + 2}")
    network_cohort(
        [org, other], colleague, coordinators=[colleague], network_name="Ander netwerk", name="Niet"
    )
    db.session.commit()
    many, many_seen = _statements(lambda: [c.id for c in bindable_cohorts(coordinator)])
    assert many == _expected(coordinator) and len(many) == 8
    assert len(many_seen) == len(few_seen), "\n---\n".join(many_seen)


def test_can_manage_with_the_coordinated_networks_read_once(org, make_org, make_user):
    other = make_org("Gemeente Buur")
    coordinator = make_user(Role.FACILITATOR)
    colleague = make_user(Role.FACILITATOR)
    mine = network_cohort([org, other], colleague, coordinators=[coordinator], name="Mijn netwerk")
    theirs = network_cohort(
        [org, other], colleague, coordinators=[colleague], network_name="Ander", name="Ander"
    )
    plain = make_cohort(org, colleague, name="Gewoon")
    ids = networks.coordinated_network_ids(coordinator)
    assert ids == {n.id for n in networks.coordinated_networks(coordinator)}
    checked, seen = _statements(
        lambda: [cohorts.can_manage(coordinator, c, ids) for c in (mine, theirs, plain)]
    )
    assert checked == [cohorts.can_manage(coordinator, c) for c in (mine, theirs, plain)]
    assert checked == [True, False, False]
    assert not [s for s in seen if "network_coordinators" in s]  # the networks were read once
