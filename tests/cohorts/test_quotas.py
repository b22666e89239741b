"""Seat quotas per organisation in a network cohort and the waitlist fair across organisations
(issue #23: learnpath/cohorts/quotas.py has the rules)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from learnpath.accounts.models import Role
from learnpath.cohorts import quotas, services, tasks
from learnpath.cohorts.models import Cohort, CohortQuota, Enrolment, EnrolmentStatus
from learnpath.db import utcnow
from learnpath.extensions import db
from tests.cohorts.test_signup_lock import locked_part, recorded
from tests.factories import make_cohort, network_cohort

WAITLISTED, ENROLLED = EnrolmentStatus.WAITLISTED, EnrolmentStatus.ENROLLED


@pytest.fixture
def orgs(org, make_org):
    return org, make_org("Gemeente Beek"), make_org("Provincie Limburg")


@pytest.fixture
def coach(make_user):
    return make_user(Role.FACILITATOR, name="Carla Coach")


def with_quotas(cohort: Cohort, seats: dict, release_at=None) -> Cohort:
    for organisation, n in seats.items():
        db.session.add(CohortQuota(cohort_id=cohort.id, organisation_id=organisation.id, seats=n))
    cohort.quota_release_at = release_at
    db.session.commit()
    return cohort


def people(make_user, organisation, n: int) -> list:
    return [make_user(Role.PARTICIPANT, organisation=organisation) for _ in range(n)]


def sign_up_all(cohort: Cohort, users) -> list[Enrolment]:
    enrolments = [services.sign_up(cohort, user) for user in users]
    db.session.commit()
    return enrolments


def status(enrolment: Enrolment) -> EnrolmentStatus:
    db.session.refresh(enrolment)
    return enrolment.status


def test_an_organisation_at_its_quota_waits_while_others_take_free_seats(orgs, coach, make_user):
    a, b, c = orgs
    cohort = with_quotas(network_cohort(orgs, coach, capacity=6), {a: 2, b: 2})
    first, second, third = sign_up_all(cohort, people(make_user, a, 3))
    assert [status(e) for e in (first, second, third)] == [ENROLLED, ENROLLED, WAITLISTED]
    assert services.seats_taken(cohort) == 2  # four seats are free, yet the third waits
    assert quotas.waiting_for_quota(third, utcnow())
    # Someone of another organisation takes a free seat although people of A wait.
    (other,) = sign_up_all(cohort, people(make_user, b, 1))
    assert status(other) == ENROLLED


def test_organisations_without_a_quota_share_the_seats_the_quotas_leave(orgs, coach, make_user):
    a, b, c = orgs
    cohort = with_quotas(network_cohort(orgs, coach, capacity=6), {a: 2, b: 2})
    own = sign_up_all(cohort, people(make_user, c, 3))
    assert [status(e) for e in own] == [ENROLLED, ENROLLED, WAITLISTED]
    assert quotas.waiting_for_quota(own[2], utcnow())


def test_the_cohort_never_holds_more_than_its_capacity(orgs, coach, make_user):
    a, b, c = orgs
    cohort = with_quotas(network_cohort(orgs, coach, capacity=6), {a: 4, b: 4})
    sign_up_all(cohort, people(make_user, a, 4))
    late = sign_up_all(cohort, people(make_user, b, 3))
    assert [status(e) for e in late] == [ENROLLED, ENROLLED, WAITLISTED]
    assert services.seats_taken(cohort) == 6
    assert not quotas.waiting_for_quota(late[2], utcnow())  # the cohort is full, not B's share


def test_a_freed_seat_goes_to_the_first_who_waits_under_their_quota(orgs, coach, make_user):
    a, b, c = orgs
    cohort = with_quotas(network_cohort(orgs, coach, capacity=4), {a: 2, b: 2})
    a1, a2, a3 = sign_up_all(cohort, people(make_user, a, 3))
    b1, b2, b3 = sign_up_all(cohort, people(make_user, b, 3))
    assert (a3.waitlist_rank, b3.waitlist_rank) == (1, 2)
    services.withdraw(b1)
    db.session.commit()
    # a3 is first on the waitlist, but A holds its quota: the seat is B's.
    assert (status(b3), status(a3)) == (ENROLLED, WAITLISTED)
    services.withdraw(a1)
    db.session.commit()
    assert status(a3) == ENROLLED


def test_a_newcomer_does_not_pass_someone_of_their_organisation_who_waits(orgs, coach, make_user):
    a, b, c = orgs
    cohort = with_quotas(network_cohort(orgs, coach, capacity=6), {a: 2, b: 2})
    *_, waiting = sign_up_all(cohort, people(make_user, a, 3))
    # A's quota is raised behind the services' back: the one who waits could take the seat.
    db.session.get(CohortQuota, (cohort.id, a.id)).seats = 3
    db.session.commit()
    (newcomer,) = sign_up_all(cohort, people(make_user, a, 1))
    assert (status(newcomer), newcomer.waitlist_rank) == (WAITLISTED, 2)
    services.fill_free_seats(services.lock_cohort(cohort.id))
    db.session.commit()
    assert (status(waiting), status(newcomer)) == (ENROLLED, WAITLISTED)


def test_the_sign_up_still_decides_in_one_insert_under_the_lock(
    client, orgs, coach, make_user, login_as
):
    a, b, c = orgs
    cohort = with_quotas(network_cohort(orgs, coach, capacity=6), {a: 1, b: 2})
    sign_up_all(cohort, people(make_user, a, 1))
    person = make_user(Role.PARTICIPANT, organisation=a)
    login_as(person)
    with recorded() as log:
        response = client.post(f"/trajecten/{cohort.id}/aanmelden", follow_redirects=True)
    inside = locked_part(log)
    assert len(inside) == 2, inside
    assert "cohort_quotas" in inside[1] and "count(" in inside[1]
    assert "De plaatsen voor jouw organisatie zijn vol; je staat op de wachtlijst" in response.text
    assert "De plaatsen voor jouw organisatie zijn vol." in client.get("/mijn-traject").text
    db.session.rollback()
    assert db.session.scalar(select(Enrolment.status).where(Enrolment.user_id == person.id)) == (
        WAITLISTED
    )


def test_a_full_cohort_says_so_without_the_quota(client, orgs, coach, make_user, login_as):
    a, b, c = orgs
    cohort = with_quotas(network_cohort(orgs, coach, capacity=4), {a: 2, b: 4})
    sign_up_all(cohort, people(make_user, b, 4))
    person = make_user(Role.PARTICIPANT, organisation=a)
    login_as(person)
    response = client.post(f"/trajecten/{cohort.id}/aanmelden", follow_redirects=True)
    assert "op nummer 1 van de wachtlijst" in response.text
    assert "jouw organisatie" not in response.text


def test_a_move_into_the_cohort_respects_the_quota(orgs, coach, make_user):
    a, b, c = orgs
    cohort = with_quotas(network_cohort(orgs, coach, capacity=6), {a: 1, b: 2})
    sign_up_all(cohort, people(make_user, a, 1))
    elsewhere = make_cohort(a, coach, name="Elders")
    (mover,) = sign_up_all(elsewhere, people(make_user, a, 1))
    moved = services.move(mover, cohort, coach)
    db.session.commit()
    assert moved.status == WAITLISTED


def test_after_the_release_free_seats_go_to_the_organisation_with_fewest_seats(
    orgs, coach, make_user
):
    a, b, c = orgs
    cohort = with_quotas(
        network_cohort(orgs, coach, capacity=7),
        {a: 2, b: 2, c: 3},
        release_at=utcnow() + timedelta(days=1),
    )
    a1, a2, a3, a4 = sign_up_all(cohort, people(make_user, a, 4))
    b1, b2, b3 = sign_up_all(cohort, people(make_user, b, 3))
    sign_up_all(cohort, people(make_user, c, 1))
    assert [e.waitlist_rank for e in (a3, a4, b3)] == [1, 2, 3]
    assert tasks.quota_release() == 0  # not released yet: nothing to do
    cohort.quota_release_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert quotas.due_for_release(utcnow()) == [cohort.id]

    assert tasks.quota_release() == 2
    # Two free seats: A and B hold two each, so a3 (first in line) gets one; then B holds
    # fewer than A, so b3 gets the other although a4 waited longer.
    assert [status(e) for e in (a3, b3, a4)] == [ENROLLED, ENROLLED, WAITLISTED]
    assert tasks.quota_release() == 0  # idempotent
    assert quotas.due_for_release(utcnow()) == []
    # After the release the quotas no longer hold: A takes the next free seat.
    services.withdraw(b1)
    db.session.commit()
    assert status(a4) == ENROLLED


def test_after_the_release_a_newcomer_takes_a_free_seat_only_when_nobody_waits(
    orgs, coach, make_user
):
    a, b, c = orgs
    cohort = with_quotas(
        network_cohort(orgs, coach, capacity=4),
        {a: 1, b: 1},
        release_at=utcnow() + timedelta(hours=1),
    )
    first, waiting = sign_up_all(cohort, people(make_user, a, 2))
    cohort.quota_release_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    # Released, the job has not run yet: A's person who waits could take a seat now.
    (newcomer,) = sign_up_all(cohort, people(make_user, b, 1))
    assert (status(waiting), status(newcomer)) == (WAITLISTED, WAITLISTED)
    assert tasks.quota_release() == 2
    assert (status(waiting), status(newcomer)) == (ENROLLED, ENROLLED)
    (last,) = sign_up_all(cohort, people(make_user, a, 1))
    assert status(last) == ENROLLED  # the quota of A (1) no longer holds


def test_one_cohort_that_fails_does_not_stop_the_release_of_the_others(
    orgs, coach, make_user, monkeypatch
):
    a, b, c = orgs
    later = utcnow() + timedelta(days=1)
    cohorts = [
        with_quotas(network_cohort(orgs, coach, capacity=4, name=n), {a: 1, b: 3}, later)
        for n in ("Eerste", "Tweede")
    ]
    waiting = [sign_up_all(cohort, people(make_user, a, 2))[1] for cohort in cohorts]
    for cohort in cohorts:
        cohort.quota_release_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    real = services.fill_released
    broken = cohorts[0].id

    def fill(cohort_id, now=None):
        if cohort_id == broken:
            raise RuntimeError("boom")
        return real(cohort_id, now)

    monkeypatch.setattr(services, "fill_released", fill)
    assert tasks.quota_release() == 1
    assert [status(e) for e in waiting] == [WAITLISTED, ENROLLED]
    monkeypatch.setattr(services, "fill_released", real)
    assert tasks.quota_release() == 1  # tried again on the next run
    assert status(waiting[0]) == ENROLLED


def test_choose_is_fair_across_organisations():
    rows = [(f"x{i}", org) for i, org in enumerate([1, 1, 1, 2, 3, 3])]
    pick = quotas.choose
    # Quotas hold: org 1 is at its quota (2), org 3 shares what is left (6 - 2 - 2 = 2).
    held = {1: 2, 2: 1, 3: 1}
    assert pick(rows, capacity=6, held=held, quotas={1: 2, 2: 2}, quotas_hold=True) == [
        "x3",
        "x4",
    ]
    # Released: fewest seats first (org 2 and 3 hold 1), ties by waitlist order; then all
    # three hold 2 and the first in line (of org 1) gets the third seat.
    assert pick(rows, capacity=7, held=held, quotas={1: 2, 2: 2}, quotas_hold=False) == [
        "x3",
        "x4",
        "x0",
    ]
    # No quotas: the head of the waitlist.
    assert pick(rows, capacity=6, held=held, quotas={}, quotas_hold=True) == ["x0", "x1"]
    assert pick(rows, capacity=4, held=held, quotas={1: 2}, quotas_hold=True) == []


def test_the_facilitators_page_shows_quota_seats_and_waiting_per_organisation(
    client, orgs, coach, make_user, login_as
):
    a, b, c = orgs
    cohort = with_quotas(network_cohort(orgs, coach, capacity=6), {a: 2, b: 2})
    sign_up_all(cohort, people(make_user, a, 3))
    login_as(coach)
    page = client.get(f"/cohorten/{cohort.id}").text
    assert "Plaatsen per organisatie" in page
    rows = {r.organisation: (r.quota, r.seats, r.waiting) for r in quotas.overview(cohort)}
    assert rows == {a.name: (2, 2, 1), b.name: (2, 0, 0), c.name: (None, 0, 0)}
    plain = make_cohort(a, coach, name="Gewoon")
    assert "Plaatsen per organisatie" not in client.get(f"/cohorten/{plain.id}").text
