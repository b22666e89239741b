"""A sign-up rush with real threads and separate database connections (no mocks).

The mechanism under test is described in learnpath/cohorts/services.py: the cohort row is
locked (FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite) while seats are counted and the
decision is written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import func, insert, select

from learnpath import create_app
from learnpath.accounts.models import Role, User, UserRole
from learnpath.cohorts import services
from learnpath.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from learnpath.extensions import db
from tests.factories import make_cohort

RUSH = 200
CAPACITY = 12


@pytest.fixture
def rush_app(app_config, _migrated, app) -> Flask:
    """A second app on the same database whose pool allows many connections at once."""
    config = {
        **app_config,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            **(
                {"connect_args": {"timeout": 60, "check_same_thread": False}}
                if app_config["DATABASE_URL"].startswith("sqlite")
                else {}
            ),
            "pool_size": 40,
            "max_overflow": 0,
            "pool_timeout": 120,
        },
    }
    return create_app(config)


def _make_participants(org, n: int) -> list[int]:
    """Insert n participants in bulk (fast), return their ids."""
    rows = [
        {
            "organisation_id": org.id,
            "email": f"rush{i}@example.org",
            "name": f"Rush {i:03d}",
            "password_hash": "x",
            "locale": "nl",
            "is_active_account": True,
        }
        for i in range(n)
    ]
    db.session.execute(insert(User), rows)
    ids = list(db.session.scalars(select(User.id).where(User.email.like("rush%@example.org"))))
    db.session.execute(insert(UserRole), [{"user_id": i, "role": Role.PARTICIPANT} for i in ids])
    db.session.commit()
    return ids


def _run_all(rush_app: Flask, jobs: list[Callable[[], None]]) -> list[BaseException]:
    db.session.rollback()  # the test's own session must not hold a lock while the jobs run
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        with rush_app.app_context():
            barrier.wait()
            try:
                job()
                db.session.commit()
            except BaseException as exc:  # collected and asserted on below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        list(pool.map(run, jobs))
    return errors


def _sign_up_job(cohort_id: int, user_id: int, *, as_the_page: bool = True) -> Callable[[], None]:
    """A sign-up as the page makes it (cohorts.views.sign_up: decided and committed, on
    PostgreSQL with the lock in the same round trip, then the notices), or as
    ``services.sign_up`` makes it (the lock, the decision and the notices in one transaction)."""

    def job() -> None:
        cohort, user = db.session.get(Cohort, cohort_id), db.session.get(User, user_id)
        if not as_the_page:
            services.sign_up(cohort, user)
            return
        decided = services.place(cohort, user, commit=True)
        db.session.commit()
        services.notify(decided)

    return job


def _statuses(cohort_id: int) -> dict[EnrolmentStatus, int]:
    rows = db.session.execute(
        select(Enrolment.status, func.count())
        .where(Enrolment.cohort_id == cohort_id)
        .group_by(Enrolment.status)
    )
    return {status: n for status, n in rows}


@pytest.mark.parametrize("as_the_page", [True, False], ids=["page", "service"])
def test_rush_of_200_sign_ups_never_overbooks(rush_app, org, make_user, as_the_page):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach, capacity=CAPACITY)
    ids = _make_participants(org, RUSH)
    cohort_id = cohort.id
    db.session.commit()

    jobs = [_sign_up_job(cohort_id, uid, as_the_page=as_the_page) for uid in ids]
    errors = _run_all(rush_app, jobs)

    assert errors == []
    db.session.expire_all()
    assert _statuses(cohort_id) == {
        EnrolmentStatus.ENROLLED: CAPACITY,
        EnrolmentStatus.WAITLISTED: RUSH - CAPACITY,
    }
    ranks = db.session.scalars(
        select(Enrolment.waitlist_rank).where(
            Enrolment.cohort_id == cohort_id, Enrolment.waitlist_rank.is_not(None)
        )
    ).all()
    assert sorted(ranks) == list(range(1, RUSH - CAPACITY + 1))  # consistent order, no gaps
    # Arrival order: the waitlist order is the order in which sign-ups were written.
    by_rank = db.session.scalars(
        select(Enrolment.id)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.waitlist_rank)
    ).all()
    assert by_rank == sorted(by_rank)
    assert (
        db.session.scalar(
            select(func.count(func.distinct(Enrolment.user_id))).where(
                Enrolment.cohort_id == cohort_id
            )
        )
        == RUSH
    )


def test_concurrent_withdrawals_and_sign_ups_keep_capacity_and_order(rush_app, org, make_user):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach, capacity=CAPACITY)
    ids = _make_participants(org, 60)
    cohort_id = cohort.id
    first, late = ids[:30], ids[30:]
    for uid in first:
        services.sign_up(db.session.get(Cohort, cohort_id), db.session.get(User, uid))
    db.session.commit()
    seated = [
        e.id
        for e in db.session.scalars(
            select(Enrolment).where(
                Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.ENROLLED
            )
        )
    ]
    waiting_before = db.session.scalars(
        select(Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.waitlist_rank)
    ).all()
    leaving = seated[:6]

    def withdraw_job(enrolment_id: int) -> Callable[[], None]:
        def job() -> None:
            services.withdraw(db.session.get(Enrolment, enrolment_id))

        return job

    jobs = [withdraw_job(e) for e in leaving] + [_sign_up_job(cohort_id, uid) for uid in late]
    errors = _run_all(rush_app, jobs)

    assert errors == []
    db.session.expire_all()
    counts = _statuses(cohort_id)
    assert counts[EnrolmentStatus.ENROLLED] == CAPACITY
    assert counts[EnrolmentStatus.WITHDRAWN] == 6
    # Nobody is skipped: the six freed seats went to the first six who were already waiting.
    promoted = db.session.scalars(
        select(Enrolment.user_id).where(
            Enrolment.cohort_id == cohort_id,
            Enrolment.status == EnrolmentStatus.ENROLLED,
            Enrolment.user_id.in_(waiting_before),
        )
    ).all()
    assert sorted(promoted) == sorted(waiting_before[:6])
    still_waiting = db.session.scalars(
        select(Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.waitlist_rank)
    ).all()
    assert still_waiting[: len(waiting_before) - 6] == list(waiting_before[6:])
