"""Networks (issue 23 item 1): the operator invites, each organisation's administrator accepts
or ends; coordinators come from active member organisations only."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from learnpath.accounts import networks
from learnpath.accounts.models import Role
from learnpath.accounts.services import AccountError
from learnpath.extensions import db
from learnpath.privacy.models import AuditAction, AuditEvent


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_members_are_active_only_after_their_consent(igom):
    assert networks.active_member_ids(igom.network.id) == {igom.heerlen.id, igom.vaals.id}
    assert networks.fellow_member_ids(igom.heerlen.id) == {igom.vaals.id}
    assert networks.fellow_member_ids(igom.invited.id) == set()
    assert [o.name for o in networks.open_to_choices(igom.invited)] == [igom.invited.name]
    actions = _actions()
    assert actions.count(AuditAction.NETWORK_MEMBERSHIP_ACCEPTED.value) == 2
    assert AuditAction.NETWORK_COORDINATOR_ADDED.value in actions


def test_only_the_organisations_own_administrator_decides(igom, make_user):
    row = networks.membership(igom.network, igom.invited)
    with pytest.raises(AccountError):
        networks.consent(row, igom.heerlen_admin)  # another organisation's admin
    with pytest.raises(AccountError):
        networks.consent(row, make_user(Role.HR, organisation=igom.invited))  # not an admin
    with pytest.raises(AccountError):
        networks.of_organisation(igom.heerlen, row.id)
    assert not row.is_active


def test_ending_ends_fellowship_and_coordination_and_an_invitation_starts_afresh(igom):
    assert networks.coordinated_networks(igom.coordinator) == [igom.network]
    row = networks.membership(igom.network, igom.heerlen)
    networks.end_membership(row, igom.heerlen_admin)
    db.session.commit()
    assert networks.fellow_member_ids(igom.vaals.id) == set()
    assert networks.coordinated_networks(igom.coordinator) == []
    assert networks.coordinator_ids(igom.network.id) == set()
    with pytest.raises(AccountError):
        networks.consent(row, igom.heerlen_admin)  # ended: only a new invitation
    networks.invite(igom.network, igom.heerlen)
    assert row.ended_at is None and row.consent_at is None  # the old consent does not count
    networks.consent(row, igom.heerlen_admin)
    assert networks.coordinated_networks(igom.coordinator) == [igom.network]
    assert AuditAction.NETWORK_MEMBERSHIP_ENDED.value in _actions()


def test_the_network_side_ends_a_membership(igom):
    assert networks.end_by_network(igom.network, igom.vaals)
    assert not networks.end_by_network(igom.network, igom.vaals)  # already ended
    assert networks.active_member_ids(igom.network.id) == {igom.heerlen.id}


def test_coordinators_are_active_people_of_active_members(igom, make_user):
    stranger = make_user(Role.PARTICIPANT, organisation=igom.invited)
    with pytest.raises(AccountError):
        networks.add_coordinator(igom.network, stranger)
    gone = make_user(Role.PARTICIPANT, organisation=igom.vaals)
    gone.is_active_account = False  # deactivated
    with pytest.raises(AccountError):
        networks.add_coordinator(igom.network, gone)
    # Without the facilitator role they could make a network cohort but not open its pages.
    participant = make_user(Role.PARTICIPANT, organisation=igom.vaals)
    with pytest.raises(AccountError, match="begeleider|facilitator"):
        networks.add_coordinator(igom.network, participant)
    colleague = make_user(Role.FACILITATOR, organisation=igom.vaals)
    assert networks.add_coordinator(igom.network, colleague, by=igom.vaals_admin)
    assert not networks.add_coordinator(igom.network, colleague)
    assert networks.is_coordinator(colleague, igom.network.id)
    assert networks.remove_coordinator(igom.network, colleague)
    assert not networks.remove_coordinator(igom.network, colleague)
    assert not networks.is_coordinator(colleague, igom.network.id)
    assert AuditAction.NETWORK_COORDINATOR_REMOVED.value in _actions()


def test_a_network_needs_a_fresh_slug_and_a_name(app):
    networks.create_network("talentenregio", "Talentenregio")
    for slug, name in (("talentenregio", "Anders"), ("Met Spatie", "X"), ("ok", "  ")):
        with pytest.raises(AccountError):
            networks.create_network(slug, name)


def test_the_admin_view_names_other_members_only_while_both_are_active(igom):
    (ours,) = networks.memberships_of(igom.heerlen)
    assert ours.state == "active" and ours.others == [igom.vaals.name]
    assert [u.id for u in ours.coordinators] == [igom.coordinator.id]
    (invited,) = networks.memberships_of(igom.invited)
    assert invited.state == "invited" and invited.others == [] and invited.coordinators == []
    networks.end_membership(networks.membership(igom.network, igom.vaals), igom.vaals_admin)
    (theirs,) = networks.memberships_of(igom.vaals)
    assert theirs.state == "ended" and theirs.others == []
    assert networks.memberships_of(igom.heerlen)[0].others == []


def test_the_ordinary_settings_keep_a_network_cohort_and_its_quotas(igom, make_user):
    from dataclasses import replace

    from learnpath.cohorts import services
    from tests.factories import make_cohort

    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(igom.heerlen, coach, open_to=[igom.heerlen, igom.vaals])
    data = services.CohortData(
        name=cohort.name,
        capacity=cohort.capacity,
        signup_opens_at=cohort.signup_opens_at,
        signup_closes_at=cohort.signup_closes_at,
        open_to=[igom.heerlen, igom.vaals],
        facilitators=[coach, igom.coordinator],
        network=igom.network,
        quotas={igom.vaals.id: 3},
        quota_release_at=cohort.signup_closes_at - dt.timedelta(days=1),
    )
    services.update_cohort(cohort, data, coach)  # the coordinator facilitates without the role
    db.session.commit()
    ordinary = replace(data, network=None, quotas=None, quota_release_at=None)
    services.update_cohort(cohort, replace(ordinary, capacity=14), coach)
    db.session.commit()
    assert cohort.network_id == igom.network.id and cohort.capacity == 14
    assert [(q.organisation_id, q.seats) for q in cohort.quotas] == [(igom.vaals.id, 3)]
    assert cohort.quota_release_at == data.quota_release_at
    # Closing the cohort to an organisation drops its quota; an outsider is refused.
    services.update_cohort(cohort, replace(ordinary, open_to=[igom.heerlen]), coach)
    assert cohort.quotas == []
    with pytest.raises(services.CohortError) as refused:
        services.update_cohort(cohort, replace(data, open_to=[igom.heerlen, igom.invited]), coach)
    assert "open_to" in refused.value.errors
