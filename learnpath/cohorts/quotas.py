"""Seat quotas per organisation in a network cohort, and the waitlist fair across them.

A ``CohortQuota`` row gives an organisation at most ``seats`` of the cohort's seats
(``SEAT_STATUSES``) while the quotas hold: before ``Cohort.quota_release_at``, or always when
it is None. The capacity is split into buckets: one per organisation with a quota (its quota),
and one shared by every organisation without a quota row (what the quotas leave of the
capacity, ``capacity - sum(quotas)``, at least 0). The cohort never holds more than its
capacity. While the quotas hold:

- a sign-up gets a seat when the cohort and its bucket have room and nobody of its bucket waits
  (nobody waits who could take this seat); else it goes to the end of the waitlist, also when
  seats are free for other organisations;
- a freed seat goes to the first person on the waitlist whose bucket has room.

After the release moment the quotas stop holding and free seats go to the waitlist fairly
across organisations: each free seat goes to the waiting person whose organisation holds the
fewest seats at that moment, ties by waitlist order. A sign-up gets a seat only when one is
free and nobody waits. The ``quota_release`` job (cohorts/tasks.py) fills the free seats of
cohorts whose release moment passed, so the people who wait get them without anyone acting.

Everything here runs with the cohort locked (cohorts.services.lock_cohort) by the caller,
except the read-only overview for the facilitator's page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, exists, func, not_, or_, select
from sqlalchemy.sql import Select

from learnpath.accounts.models import Organisation, User
from learnpath.cohorts.models import (
    SEAT_STATUSES,
    Cohort,
    CohortQuota,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
)
from learnpath.extensions import db


def hold(cohort: Cohort, now: datetime) -> bool:
    """Whether the cohort's quotas (if it has any) still hold at ``now``. Only a network
    cohort has quotas (cohorts.services.validate_cohort_data); any other gets the plain
    rules, without reading quotas."""
    return cohort.network_id is not None and (
        cohort.quota_release_at is None or now < cohort.quota_release_at
    )


def counts(cohort: Cohort, organisation_id: int, *, quotas_hold: bool) -> Select[Any]:
    """One row that decides a seat for a person of ``organisation_id``: ``seats`` and
    ``waiting`` of the cohort, ``top`` (the highest waitlist rank), and, while the quotas
    hold, ``bucket_seats``/``bucket_waiting`` (of the person's bucket) and ``room`` (the
    bucket's limit). Quotas are read in the same statement, so a change committed before the
    cohort's lock was taken is seen."""
    enrolments = cast(Table, Enrolment.__table__)
    c = enrolments.c
    columns: list[Any] = [
        func.count().filter(c.status.in_(SEAT_STATUSES)).label("seats"),
        func.count().filter(c.status == EnrolmentStatus.WAITLISTED).label("waiting"),
        func.coalesce(func.max(c.waitlist_rank), 0).label("top"),
    ]
    if not quotas_hold:
        return select(*columns).where(c.cohort_id == cohort.id)
    users = cast(Table, User.__table__)
    q = cast(Table, CohortQuota.__table__).c
    quota_orgs = select(q.organisation_id).where(q.cohort_id == cohort.id)
    has_own = exists().where(q.cohort_id == cohort.id, q.organisation_id == organisation_id)
    own_quota = (
        select(q.seats)
        .where(q.cohort_id == cohort.id, q.organisation_id == organisation_id)
        .scalar_subquery()
    )
    reserved = (
        select(func.coalesce(func.sum(q.seats), 0)).where(q.cohort_id == cohort.id)
    ).scalar_subquery()
    org = users.c.organisation_id
    same_bucket = or_(
        and_(has_own, org == organisation_id),
        and_(not_(has_own), org.not_in(quota_orgs)),
    )
    columns += [
        func.count().filter(c.status.in_(SEAT_STATUSES), same_bucket).label("bucket_seats"),
        func.count()
        .filter(c.status == EnrolmentStatus.WAITLISTED, same_bucket)
        .label("bucket_waiting"),
        func.coalesce(own_quota, cohort.capacity - reserved).label("room"),
    ]
    return (
        select(*columns)
        .select_from(enrolments.join(users, users.c.id == c.user_id))
        .where(c.cohort_id == cohort.id)
    )


def has_seat_sql(cohort: Cohort, row: Any, *, quotas_hold: bool) -> Any:
    """The SQL condition "a seat for this person" over a :func:`counts` subquery ``row``."""
    if not quotas_hold:
        return and_(row.seats < cohort.capacity, row.waiting == 0)
    return and_(row.seats < cohort.capacity, row.bucket_seats < row.room, row.bucket_waiting == 0)


def has_seat(cohort: Cohort, organisation_id: int, now: datetime) -> bool:
    """Whether a person of ``organisation_id`` gets a seat now (one query; cohort locked)."""
    quotas_hold = hold(cohort, now)
    row = db.session.execute(counts(cohort, organisation_id, quotas_hold=quotas_hold)).one()
    if row.seats >= cohort.capacity:
        return False
    if not quotas_hold:
        return bool(row.waiting == 0)
    return bool(row.bucket_seats < row.room and row.bucket_waiting == 0)


def quota_seats(cohort: Cohort) -> dict[int, int]:
    """Organisation id -> quota of the cohort (read fresh; none outside a network)."""
    if cohort.network_id is None:
        return {}
    return dict(
        db.session.execute(
            select(CohortQuota.organisation_id, CohortQuota.seats).where(
                CohortQuota.cohort_id == cohort.id
            )
        ).all()
    )


def seats_by_organisation(cohort: Cohort) -> dict[int, int]:
    """Organisation id -> seats its people hold in the cohort."""
    return dict(
        db.session.execute(
            select(User.organisation_id, func.count())
            .select_from(Enrolment)
            .join(User, User.id == Enrolment.user_id)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(SEAT_STATUSES))
            .group_by(User.organisation_id)
        ).all()
    )


def choose(
    waiting: Sequence[tuple[Enrolment, int]],
    *,
    capacity: int,
    held: dict[int, int],
    quotas: dict[int, int],
    quotas_hold: bool,
) -> list[Enrolment]:
    """Who of ``waiting`` (enrolment, organisation id; in waitlist order) gets the free seats.

    ``held``: seats per organisation now. See the module docstring for the rules. Pure: the
    tests call it with made-up rows.
    """
    free = capacity - sum(held.values())
    if free <= 0 or not waiting:
        return []
    if not quotas:
        return [enrolment for enrolment, _ in waiting[:free]]
    taken = dict(held)
    chosen: list[Enrolment] = []
    if quotas_hold:
        shared_room = max(0, capacity - sum(quotas.values()))
        shared_taken = sum(n for org, n in held.items() if org not in quotas)
        for enrolment, org in waiting:
            if len(chosen) == free:
                break
            if org in quotas:
                if taken.get(org, 0) < quotas[org]:
                    taken[org] = taken.get(org, 0) + 1
                    chosen.append(enrolment)
            elif shared_taken < shared_room:
                shared_taken += 1
                chosen.append(enrolment)
        return chosen
    # Released: the organisation holding the fewest seats first, ties by waitlist order.
    left = list(enumerate(waiting))
    while left and len(chosen) < free:
        pick = min(left, key=lambda item: (taken.get(item[1][1], 0), item[0]))
        left.remove(pick)
        enrolment, org = pick[1]
        taken[org] = taken.get(org, 0) + 1
        chosen.append(enrolment)
    return chosen


def waitlist_with_organisations(
    cohort: Cohort, limit: int | None = None
) -> list[tuple[Enrolment, int]]:
    """The waitlist in order (its first ``limit``) with each person's organisation (one
    query)."""
    rows = db.session.execute(
        select(Enrolment, User.organisation_id)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.waitlist_rank, Enrolment.id)
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    return [(enrolment, organisation_id) for enrolment, organisation_id in rows]


def waiting_for_quota(enrolment: Enrolment, now: datetime) -> bool:
    """Whether a waitlisted person waits because their organisation's share is full (while
    the quotas hold), not only because the cohort is."""
    cohort = enrolment.cohort
    if enrolment.status != EnrolmentStatus.WAITLISTED or not hold(cohort, now):
        return False
    organisation_id = enrolment.user.organisation_id
    quotas = quota_seats(cohort)
    if not quotas:
        return False
    row = db.session.execute(counts(cohort, organisation_id, quotas_hold=True)).one()
    return bool(row.bucket_seats >= row.room)


def due_for_release(now: datetime) -> list[int]:
    """Ids of active cohorts with quotas whose release moment passed, where people wait while
    seats are free (what the ``quota_release`` job fills; one query)."""
    c = cast(Table, Enrolment.__table__).c
    seats = (
        select(func.count())
        .where(c.cohort_id == Cohort.id, c.status.in_(SEAT_STATUSES))
        .correlate(Cohort)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            select(Cohort.id)
            .where(
                Cohort.status == CohortStatus.ACTIVE,
                Cohort.network_id.is_not(None),
                Cohort.quota_release_at.is_not(None),
                Cohort.quota_release_at <= now,
                exists().where(CohortQuota.cohort_id == Cohort.id),
                exists().where(c.cohort_id == Cohort.id, c.status == EnrolmentStatus.WAITLISTED),
                seats < Cohort.capacity,
            )
            .order_by(Cohort.id)
        )
    )


@dataclass(frozen=True)
class QuotaRow:
    """One line of the facilitator's table: an organisation, its quota (None: it shares
    the seats the quotas leave), the seats its people hold and how many of them wait."""

    organisation: str
    quota: int | None
    seats: int
    waiting: int


def overview(cohort: Cohort) -> list[QuotaRow]:
    """Per organisation the cohort is open to (and any with a quota): quota, seats, waiting;
    empty for a cohort without quotas. Two queries."""
    quotas = quota_seats(cohort)
    if not quotas:
        return []
    counted = db.session.execute(
        select(
            User.organisation_id,
            func.count().filter(Enrolment.status.in_(SEAT_STATUSES)),
            func.count().filter(Enrolment.status == EnrolmentStatus.WAITLISTED),
        )
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id)
        .group_by(User.organisation_id)
    )
    numbers = {org: (seats, waiting) for org, seats, waiting in counted}
    organisations: dict[int, Organisation] = {o.id: o for o in cohort.open_to}
    missing = (set(quotas) | set(numbers)) - set(organisations)
    if missing:
        organisations.update(
            (o.id, o)
            for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(missing)))
        )
    return [
        QuotaRow(o.name, quotas.get(o.id), *numbers.get(o.id, (0, 0)))
        for o in sorted(organisations.values(), key=lambda o: o.name.lower())
    ]
