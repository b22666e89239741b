"""A sign-up rush from three organisations into a cohort with quotas, with real threads and
their own connections (no mocks): no organisation over its quota, no seat over capacity, the
waitlist ranks unique and dense (learnpath/cohorts/quotas.py; the lock as in
tests/cohorts/test_concurrency.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import func, insert, select

from learnpath import create_app
from learnpath.accounts.models import Role, User, UserRole
from learnpath.cohorts import services
from learnpath.cohorts.models import (
    SEAT_STATUSES,
    CohortQuota,
    Enrolment,
    EnrolmentStatus,
)
from learnpath.extensions import db
from tests.cohorts.test_concurrency import _run_all, _sign_up_job
from tests.factories import network_cohort

CAPACITY = 12
QUOTA = 4
PER_ORGANISATION = 10
#: Connections the racing threads share (the database server is shared with other runs).
POOL = 15


@pytest.fixture
def rush_app(app_config, _migrated, app) -> Iterator[Flask]:
    """A second app on the same database with a pool of its own, closed afterwards."""
    sqlite = app_config["DATABASE_URL"].startswith("sqlite")
    config = {
        **app_config,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            **({"connect_args": {"timeout": 60, "check_same_thread": False}} if sqlite else {}),
            "pool_size": POOL,
            "max_overflow": 0,
            "pool_timeout": 120,
        },
    }
    rush = create_app(config)
    yield rush
    with rush.app_context():
        db.engine.dispose()


def _participants(organisation, n: int, prefix: str = "quota") -> list[int]:
    prefix = f"{prefix}{organisation.id}-"
    rows = [
        {
            "organisation_id": organisation.id,
            "email": f"{prefix}{i}@example.org",
            "name": f"Rush {organisation.id}-{i:02d}",
            "password_hash": "x",
            "locale": "nl",
            "is_active_account": True,
        }
        for i in range(n)
    ]
    db.session.execute(insert(User), rows)
    ids = list(db.session.scalars(select(User.id).where(User.email.like(f"{prefix}%"))))
    db.session.execute(insert(UserRole), [{"user_id": i, "role": Role.PARTICIPANT} for i in ids])
    db.session.commit()
    return ids


def _seats_per_organisation(cohort_id: int) -> dict[int, int]:
    rows = db.session.execute(
        select(User.organisation_id, func.count())
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status.in_(SEAT_STATUSES))
        .group_by(User.organisation_id)
    ).all()
    return {org: n for org, n in rows}


def _ranks(cohort_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Enrolment.waitlist_rank).where(
                Enrolment.cohort_id == cohort_id,
                Enrolment.status == EnrolmentStatus.WAITLISTED,
            )
        )
    )


def test_a_rush_from_three_organisations_keeps_every_quota(
    rush_app,
    org,
    make_org,
    make_user,
):
    organisations = [org, make_org("Gemeente Beek"), make_org("Provincie Limburg")]
    coach = make_user(Role.FACILITATOR)
    cohort = network_cohort(organisations, coach, capacity=CAPACITY)
    for organisation in organisations:
        db.session.add(
            CohortQuota(cohort_id=cohort.id, organisation_id=organisation.id, seats=QUOTA)
        )
    db.session.commit()
    cohort_id = cohort.id
    ids = [uid for o in organisations for uid in _participants(o, PER_ORGANISATION)]
    # Interleave the organisations so they really race each other.
    ids = [ids[i + PER_ORGANISATION * k] for i in range(PER_ORGANISATION) for k in range(3)]

    errors = _run_all(rush_app, [_sign_up_job(cohort_id, uid) for uid in ids])

    assert errors == []
    db.session.expire_all()
    seats = _seats_per_organisation(cohort_id)
    assert seats == {o.id: QUOTA for o in organisations}
    assert sum(seats.values()) == CAPACITY
    waiting = len(ids) - CAPACITY
    assert sorted(_ranks(cohort_id)) == list(range(1, waiting + 1))  # unique, no gaps

    # Then people leave and others sign up at the same time: still no organisation over its
    # quota, and each freed seat goes to someone of the organisation that freed it.
    def withdraw_job(enrolment_id: int) -> Callable[[], None]:
        def job() -> None:
            services.withdraw(db.session.get(Enrolment, enrolment_id))

        return job

    leaving = db.session.scalars(
        select(Enrolment.id)
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.cohort_id == cohort_id,
            Enrolment.status == EnrolmentStatus.ENROLLED,
            User.organisation_id == organisations[0].id,
        )
        .limit(2)
    ).all()
    waiting_of_a = db.session.scalars(
        select(Enrolment.user_id)
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.cohort_id == cohort_id,
            Enrolment.status == EnrolmentStatus.WAITLISTED,
            User.organisation_id == organisations[0].id,
        )
        .order_by(Enrolment.waitlist_rank)
    ).all()
    late = [uid for o in organisations for uid in _participants(o, 3, prefix="late")]
    jobs = [withdraw_job(e) for e in leaving] + [_sign_up_job(cohort_id, u) for u in late]
    assert _run_all(rush_app, jobs) == []
    db.session.expire_all()
    assert _seats_per_organisation(cohort_id) == {o.id: QUOTA for o in organisations}
    promoted = db.session.scalars(
        select(Enrolment.user_id).where(
            Enrolment.cohort_id == cohort_id,
            Enrolment.status == EnrolmentStatus.ENROLLED,
            Enrolment.user_id.in_(waiting_of_a),
        )
    ).all()
    assert sorted(promoted) == sorted(waiting_of_a[:2])  # nobody of A was passed
    assert sorted(_ranks(cohort_id)) == sorted(set(_ranks(cohort_id)))  # still unique
