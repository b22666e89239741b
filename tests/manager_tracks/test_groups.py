"""Manager track groups on the shared cohort machinery: kinds, roles, capacity, hierarchy."""

from __future__ import annotations

import pytest

from learnpath.accounts.models import Role
from learnpath.cohorts import services as cohorts
from learnpath.cohorts.models import CohortKind, EnrolmentStatus
from learnpath.cohorts.services import CohortError
from learnpath.extensions import db
from learnpath.manager_tracks import hierarchy, services
from tests.factories import make_cohort
from tests.manager_tracks.helpers import enrolment, group_data, make_group


def test_sign_up_needs_the_manager_role(org, coach, make_user):
    group = make_group(org, coach, [])
    participant = make_user(Role.PARTICIPANT)
    with pytest.raises(CohortError, match="Alleen leidinggevenden|Only managers"):
        cohorts.sign_up(group, participant)
    db.session.rollback()
    programme = make_cohort(org, coach)
    manager = make_user(Role.MANAGER)
    with pytest.raises(CohortError):
        cohorts.sign_up(programme, manager)


def test_a_manager_can_be_in_several_tracks_and_a_programme(org, coach, make_user):
    person = make_user(Role.MANAGER, Role.PARTICIPANT)
    workshop = make_group(org, coach, [person], kind=CohortKind.WORKSHOP, capacity=12)
    intervision = make_group(org, coach, [person], name="Groep B")
    programme = make_cohort(org, coach)
    cohorts.sign_up(programme, person)
    db.session.commit()
    assert enrolment(workshop, person).status == EnrolmentStatus.ENROLLED
    assert enrolment(intervision, person).status == EnrolmentStatus.ENROLLED
    # The one-active-programme rule still holds for programmes only.
    assert enrolment(workshop, person).active_user_id is None
    assert enrolment(programme, person).active_user_id == person.id
    second = make_cohort(org, coach, name="Najaar")
    with pytest.raises(CohortError):
        cohorts.sign_up(second, person)


def test_intervision_capacity_is_4_to_8_with_advice_for_5_or_6(org, coach):
    for capacity, ok in ((3, False), (4, True), (8, True), (9, False)):
        data = group_data(org, coach, CohortKind.INTERVISION, capacity)
        assert ("capacity" not in cohorts.validate_cohort_data(data)) is ok
    assert services.capacity_warning(CohortKind.INTERVISION, 4)
    assert services.capacity_warning(CohortKind.INTERVISION, 7)
    assert services.capacity_warning(CohortKind.INTERVISION, 5) is None
    assert services.capacity_warning(CohortKind.INTERVISION, 6) is None
    assert services.capacity_warning(CohortKind.WORKSHOP, 15) is None


def test_waitlist_and_promotion_work_for_intervision(org, coach, managers):
    group = make_group(org, coach, managers[:4], capacity=4)
    late = managers[4]
    assert cohorts.sign_up(group, late).status == EnrolmentStatus.WAITLISTED
    cohorts.withdraw(enrolment(group, managers[0]))
    db.session.commit()
    assert enrolment(group, late).status == EnrolmentStatus.ENROLLED


# --- hierarchy -------------------------------------------------------------------------------


def test_chain_helpers_follow_indirect_lines_and_survive_cycles():
    lines = {1: 2, 2: 3, 3: None, 4: 3, 5: 6, 6: 5}
    assert hierarchy.chain_above(1, lines) == [2, 3]
    assert hierarchy.in_line(1, 3, lines)  # indirect: manager's manager
    assert not hierarchy.in_line(1, 4, lines)  # colleagues under the same boss
    assert hierarchy.chain_above(5, lines) == [6]  # a cycle in bad data ends the walk
    assert hierarchy.conflicting_pairs([1, 2, 4], lines) == [(1, 2)]


def test_sign_up_refuses_your_own_manager(org, coach, make_user):
    boss = make_user(Role.MANAGER, name="Baas")
    report = make_user(Role.MANAGER, name="Teamleider", manager=boss)
    group = make_group(org, coach, [boss])
    with pytest.raises(CohortError, match="hiërarchie|no hierarchy"):
        cohorts.sign_up(group, report)


def test_indirect_reporting_lines_are_refused_too(org, coach, make_user):
    director = make_user(Role.MANAGER, name="Directeur")
    middle = make_user(Role.MANAGER, manager=director)
    team_lead = make_user(Role.MANAGER, manager=middle)
    group = make_group(org, coach, [team_lead])
    with pytest.raises(CohortError):
        cohorts.sign_up(group, director)


def test_invite_refuses_a_reporting_line(org, coach, make_user):
    boss = make_user(Role.MANAGER)
    report = make_user(Role.MANAGER, manager=boss)
    group = make_group(org, coach, [report], accept=False)  # invited counts as well
    with pytest.raises(CohortError):
        cohorts.invite(group, boss, coach)


def test_move_refuses_a_reporting_line(org, coach, make_user, managers):
    boss = make_user(Role.MANAGER)
    report = make_user(Role.MANAGER, manager=boss)
    source = make_group(org, coach, [report])
    target = make_group(org, coach, [boss], name="Groep B")
    with pytest.raises(CohortError):
        cohorts.move(enrolment(source, report), target, coach)
    db.session.rollback()
    other = make_group(org, coach, [managers[0]], name="Groep C")
    moved = cohorts.move(enrolment(source, report), other, coach)
    assert moved.status == EnrolmentStatus.ENROLLED


def test_move_only_between_groups_of_the_same_kind(org, coach, managers):
    intervision = make_group(org, coach, [managers[0]])
    workshop = make_group(org, coach, [], kind=CohortKind.WORKSHOP, name="Workshop")
    with pytest.raises(CohortError):
        cohorts.move(enrolment(intervision, managers[0]), workshop, coach)


def test_group_creation_names_every_conflicting_pair(org, coach, make_user):
    boss = make_user(Role.MANAGER, name="Baas Bea")
    report = make_user(Role.MANAGER, name="Teamleider Tom", manager=boss)
    data = group_data(org, coach, CohortKind.INTERVISION)
    errors = services.validate_group(data, "", [boss, report])
    assert "Baas Bea – Teamleider Tom" in errors["members"]
    with pytest.raises(CohortError):
        services.create_group(org, data, "", [boss, report], coach)
    # A workshop has no hierarchy rule.
    workshop = group_data(org, coach, CohortKind.WORKSHOP)
    assert services.validate_group(workshop, "het-goede-loopbaangesprek", [boss, report]) == {}


def _form(org, facilitator, **values):
    """A filled-in group form; ``values`` change or add fields."""
    data = {
        "kind": "intervision",
        "name": "Intervisie 1",
        "capacity": "6",
        "signup_opens_at": "2030-01-01T09:00",
        "signup_closes_at": "2030-02-01T09:00",
        "signup_mode": "invitation",
        "open_to": [str(org.id)],
        "facilitators": [str(facilitator.id)],
    }
    return data | values


def test_hierarchy_message_in_the_create_form(client, org, login_as, make_user):
    hr = make_user(Role.HR)
    boss = make_user(Role.MANAGER, name="Baas Bea")
    report = make_user(Role.MANAGER, name="Teamleider Tom", manager=boss)
    login_as(hr)
    facilitator = make_user(Role.FACILITATOR)
    response = client.post(
        "/leidinggevenden/groepen/nieuw",
        data=_form(org, facilitator, members=[str(boss.id), str(report.id)]),
    )
    assert response.status_code == 200
    assert "Baas Bea – Teamleider Tom" in response.text
    assert 'value="Intervisie 1"' in response.text  # what was typed stays


def test_hr_creates_a_group_and_members_are_invited(client, org, login_as, make_user, managers):
    hr = make_user(Role.HR)
    facilitator = make_user(Role.FACILITATOR)
    login_as(hr)
    response = client.post(
        "/leidinggevenden/groepen/nieuw",
        data=_form(
            org,
            facilitator,
            kind="workshop",
            series="het-goede-loopbaangesprek",
            name="Workshop voorjaar",
            capacity="12",
            signup_mode="open",
            members=[str(m.id) for m in managers[:2]],
        ),
    )
    assert response.status_code == 302
    group = db.session.scalar(
        db.select(cohorts.Cohort).where(cohorts.Cohort.name == "Workshop voorjaar")
    )
    assert group.kind == CohortKind.WORKSHOP and group.programme_slug == "het-goede-loopbaangesprek"
    assert enrolment(group, managers[0]).status == EnrolmentStatus.INVITED


def test_intervision_capacity_outside_bounds_is_refused_in_the_form(
    client, org, login_as, make_user
):
    hr = make_user(Role.HR)
    login_as(hr)
    response = client.post(
        "/leidinggevenden/groepen/nieuw",
        data=_form(org, make_user(Role.FACILITATOR), name="Te groot", capacity="12"),
    )
    assert response.status_code == 200
    assert "tussen 4 en 8" in response.text or "between 4 and 8" in response.text
