"""A sign-up holds the cohort's lock only for the decision (issue #17.5).

From the statement that locks the cohort (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the
same SELECT inside a BEGIN IMMEDIATE transaction) to the commit there is exactly one more
statement: an INSERT ... SELECT that counts the seats and the waitlist and writes the enrolment
with its final status. No UPDATE of the new row, no savepoint, no mail: the notices (mail, calendar
invitations) follow in their own transaction, after the commit, and still go out. On PostgreSQL
the lock, the INSERT and the COMMIT travel in one round trip (learnpath.cohorts.locking), with a
clock reading that measures the lock.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event, select
from sqlalchemy.orm.attributes import set_committed_value

from learnpath.accounts.models import Role
from learnpath.cohorts import services
from learnpath.cohorts.models import CohortKind, Enrolment, EnrolmentStatus
from learnpath.cohorts.tracks import for_kind
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.notifications.models import OutboxMessage
from tests.conftest import is_postgres
from tests.factories import make_cohort, plan


@pytest.fixture
def coach(make_user):
    return make_user(Role.FACILITATOR, name="Carla Coach")


@contextmanager
def recorded():
    """Statements and commits, in order."""
    log: list[str] = []

    def statement(conn, cursor, text, *args):  # noqa: ANN001
        log.append(" ".join(text.split()))

    def commit(conn):  # noqa: ANN001
        log.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", commit)
    try:
        yield log
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.engine, "commit", commit)


def _is_lock(text: str) -> bool:
    return text.startswith("SELECT cohorts.") and (
        "FOR UPDATE" in text or db.engine.dialect.name == "sqlite"
    )


#: learnpath.cohorts.locking: what measures the lock (the database's clock after the lock's
#: grant and after the COMMIT).
CLOCK = "SELECT clock_timestamp()"


def _one_round_trip(log: list[str]) -> str | None:
    return next((t for t in log if _is_lock(t) and t.endswith(f"; COMMIT; {CLOCK}")), None)


def locked_part(log: list[str]) -> list[str]:
    """The statements from the cohort's lock to the commit that ends it (when they travel in
    one round trip: its statements, without the clock reading)."""
    together = _one_round_trip(log)
    if together is not None:
        return [t for t in together.split("; ")[:-2] if t != CLOCK]
    insert = next(i for i, t in enumerate(log) if t.startswith("INSERT INTO enrolments"))
    lock = max(i for i, t in enumerate(log[:insert]) if _is_lock(t))
    end = next(i for i in range(insert, len(log)) if log[i] == "COMMIT")
    return log[lock:end]


def after_the_decision(log: list[str]) -> list[str]:
    """What runs after the commit of the decision."""
    together = _one_round_trip(log)
    if together is not None:
        return log[log.index(together) + 1 :]
    insert = next(i for i, t in enumerate(log) if t.startswith("INSERT INTO enrolments"))
    return log[log.index("COMMIT", insert) :]


def outbox_kinds(user) -> list[str]:
    return list(
        db.session.scalars(
            select(OutboxMessage.kind).where(OutboxMessage.recipient_user_id == user.id)
        )
    )


@pytest.mark.parametrize("full", [False, True], ids=["seat", "waitlist"])
def test_sign_up_locks_the_cohort_for_one_query_and_one_insert(
    client, org, coach, make_user, login_as, full
):
    cohort = make_cohort(org, coach, capacity=4)
    plan(cohort, coach)
    if full:
        for _ in range(4):
            services.sign_up(cohort, make_user(Role.PARTICIPANT))
        waiting = make_user(Role.PARTICIPANT)
        services.sign_up(cohort, waiting)
        db.session.commit()
    person = make_user(Role.PARTICIPANT)
    login_as(person)
    with recorded() as log:
        response = client.post(f"/trajecten/{cohort.id}/aanmelden", follow_redirects=True)
    assert response.status_code == 200
    inside = locked_part(log)
    assert len(inside) == 2, inside
    assert inside[1].startswith("INSERT INTO enrolments") and "count(" in inside[1]
    assert not any(t.startswith(("UPDATE", "SAVEPOINT")) for t in inside)
    db.session.rollback()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    if full:
        assert enrolment.status == EnrolmentStatus.WAITLISTED
        assert enrolment.waitlist_rank == 2  # after the one already waiting
        assert "op nummer 2 van de wachtlijst" in response.text
        assert "enrolment.waitlisted" in outbox_kinds(person)
    else:
        assert enrolment.status == EnrolmentStatus.ENROLLED
        assert enrolment.enrolled_at is not None and enrolment.active_user_id == person.id
        kinds = outbox_kinds(person)
        assert "enrolment.enrolled" in kinds
        assert sum(k.startswith("ical") or "session" in k for k in kinds) >= 1, kinds


def test_manager_approval_is_decided_in_the_insert(client, org, coach, make_user, login_as):
    cohort = make_cohort(org, coach, approval=True)
    boss = make_user(Role.MANAGER)
    person = make_user(Role.PARTICIPANT, manager=boss)
    login_as(person)
    with recorded() as log:
        client.post(f"/trajecten/{cohort.id}/aanmelden")
    assert len(locked_part(log)) == 2
    db.session.rollback()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    assert enrolment.status == EnrolmentStatus.PENDING_APPROVAL
    assert "enrolment.approval_requested" in outbox_kinds(boss)


def test_second_sign_up_elsewhere_is_refused_and_nothing_is_sent(
    client, org, coach, make_user, login_as
):
    first, second = make_cohort(org, coach, name="Eerste"), make_cohort(org, coach, name="Tweede")
    person = make_user(Role.PARTICIPANT)
    login_as(person)
    client.post(f"/trajecten/{first.id}/aanmelden")
    sent = len(outbox_kinds(person))
    response = client.post(f"/trajecten/{second.id}/aanmelden", follow_redirects=True)
    assert "Je doet al mee aan een andere groep" in response.text
    db.session.rollback()
    assert len(outbox_kinds(person)) == sent
    assert (
        db.session.scalar(
            select(Enrolment).where(
                Enrolment.user_id == person.id, Enrolment.cohort_id == second.id
            )
        )
        is None
    )


@pytest.mark.parametrize("full", [False, True], ids=["seat", "waitlist"])
def test_after_the_lock_a_sign_up_reads_neither_the_cohort_nor_the_user_again(
    client, org, coach, make_user, login_as, full
):
    """The rush pays for every statement after the lock (issue #17.5): the notices, the
    flash and the request's log line use the cohort and the user as they were loaded (they
    were read again after each commit: six statements more per sign-up)."""
    cohort = make_cohort(org, coach, capacity=4)
    plan(cohort, coach)
    if full:
        for _ in range(4):
            services.sign_up(cohort, make_user(Role.PARTICIPANT))
        db.session.commit()
    person = make_user(Role.PARTICIPANT)
    login_as(person)
    with recorded() as log:
        response = client.post(f"/trajecten/{cohort.id}/aanmelden")
    assert response.status_code == 302
    after = after_the_decision(log)
    # A row read again after it expired: by its primary key (users and their roles, cohorts).
    again = [
        t
        for t in after
        if re.search(r"FROM (users|cohorts) WHERE \1\.id = ", t) or "= user_roles.user_id" in t
    ]
    assert again == [], again
    enrolment_reads = [t for t in after if t.startswith("SELECT enrolments.id")]
    assert enrolment_reads == []  # the INSERT returned the decided enrolment, loaded


@pytest.mark.parametrize("full", [False, True], ids=["seat", "waitlist"])
def test_a_sign_up_runs_seven_statements(app, client, org, coach, make_user, login_as, full):
    """What a sign-up rush pays per request (issue #17.5): the user with their roles, the cohort
    with the organisations it is open to, the person's earlier enrolments (here and their
    active place) in one read, the lock, the INSERT that returns the enrolment, then for a
    seat the planned sessions (calendar invitations: none planned here), for the waitlist the
    position once (for the mail and the message alike), and the mail. After the commit, the
    organisation's report counter is raised and its kept reports marked behind, in two
    statements of their own transaction (on PostgreSQL outside tests by a thread, later,
    together with other commits': none here).
    On PostgreSQL the lock and the INSERT are sent together (with the COMMIT): six."""
    cohort = make_cohort(org, coach, capacity=4)
    if full:
        for _ in range(5):
            services.sign_up(cohort, make_user(Role.PARTICIPANT))
        db.session.commit()
    person = make_user(Role.PARTICIPANT)
    login_as(person)
    url, person_id = f"/trajecten/{cohort.id}/aanmelden", person.id
    db.session.commit()
    db.session.expunge_all()  # a new request starts with nothing loaded
    with recorded() as log:
        response = client.post(url)
    assert response.status_code == 302
    statements = [t for t in log if t != "COMMIT" and not t.startswith(("BEGIN", "PRAGMA"))]
    counters = [
        t
        for t in statements
        if "report_versions" in t or "report_snapshots" in t or "synchronous_commit" in t
    ]
    statements = [t for t in statements if t not in counters]
    raised_at_once = app.config["REPORT_VERSION_DELAY"] == 0
    assert [t.split()[0:3] for t in counters if "synchronous_commit" not in t] == (
        [["INSERT", "INTO", "report_versions"], ["UPDATE", "report_snapshots", "SET"]]
        if raised_at_once
        else []
    )
    positions = [t for t in statements if t.startswith("SELECT count(*)")]
    assert len(positions) == (1 if full else 0), statements
    assert len(statements) == (6 if _one_round_trip(log) else 7), "\n".join(statements)
    db.session.rollback()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person_id))
    assert enrolment.status == (EnrolmentStatus.WAITLISTED if full else EnrolmentStatus.ENROLLED)
    assert outbox_kinds(enrolment.user) == [f"enrolment.{enrolment.status.value}"]


@pytest.mark.parametrize("commit", [False, True], ids=["lock-first", "one-round-trip"])
def test_the_decision_follows_a_capacity_changed_just_before_the_lock(
    org, coach, make_user, commit
):
    """The INSERT is built before the lock (building it costs more than running it): when the
    cohort changed between the first read and the lock, it is built again from the row as
    locked. Sent with the lock in one round trip (PostgreSQL), it inserts nothing when the
    row no longer says what it was built from, and the sign-up is decided the slow way."""
    cohort = make_cohort(org, coach, capacity=4)
    for _ in range(4):
        services.sign_up(cohort, make_user(Role.PARTICIPANT))
    db.session.commit()
    person = make_user(Role.PARTICIPANT)
    cohort.capacity = 5  # a facilitator adds a place ...
    db.session.commit()
    # ... after this request had read the cohort with 4
    assert cohort.capacity == 5  # loaded
    set_committed_value(cohort, "capacity", 4)
    assert cohort.capacity == 4
    decided = services.place(cohort, person, commit=commit)
    assert decided.enrolment.status == EnrolmentStatus.ENROLLED
    assert cohort.capacity == 5
    db.session.commit()
    seated = db.session.scalars(
        select(Enrolment.status).where(Enrolment.cohort_id == cohort.id)
    ).all()
    assert seated.count(EnrolmentStatus.ENROLLED) == 5 and len(seated) == 5


@pytest.mark.parametrize("commit", [False, True], ids=["lock-first", "one-round-trip"])
def test_a_sign_up_closed_just_before_the_lock_is_refused_and_writes_nothing(
    org, coach, make_user, commit
):
    cohort = make_cohort(org, coach, capacity=4)
    person = make_user(Role.PARTICIPANT)
    opened_until = cohort.signup_closes_at
    cohort.signup_closes_at = utcnow() - timedelta(minutes=1)  # the facilitator closes it ...
    db.session.commit()
    set_committed_value(cohort, "signup_closes_at", opened_until)  # ... after it was read
    with pytest.raises(services.CohortError, match="gesloten"):
        services.place(cohort, person, commit=commit)
    db.session.rollback()
    assert db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id)) is None


@pytest.mark.skipif(not is_postgres(), reason="one round trip: PostgreSQL (psycopg) only")
def test_on_postgresql_the_lock_the_insert_and_the_commit_are_one_round_trip(
    client, org, coach, make_user, login_as
):
    cohort = make_cohort(org, coach, capacity=4)
    person = make_user(Role.PARTICIPANT)
    login_as(person)
    measured = REGISTRY.get_sample_value("learnpath_signup_lock_seconds_count") or 0
    with recorded() as log:
        response = client.post(f"/trajecten/{cohort.id}/aanmelden", follow_redirects=True)
    assert "Je bent aangemeld" in response.text
    together = _one_round_trip(log)
    assert together is not None, log
    lock, granted, insert, commit, released = together.split("; ")
    assert lock.endswith(f"WHERE cohorts.id = {cohort.id} FOR UPDATE")
    assert insert.startswith("INSERT INTO enrolments") and commit == "COMMIT"
    assert granted == released == CLOCK
    # the lock was measured (by the database's clock)
    assert REGISTRY.get_sample_value("learnpath_signup_lock_seconds_count") == measured + 1
    db.session.rollback()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    assert enrolment.status == EnrolmentStatus.ENROLLED


def test_a_kind_with_an_admission_rule_decides_under_a_lock_of_its_own():
    """Intervision refuses two people of one reporting line: its rule reads the members, so
    it must run under the lock (not in the lock's round trip)."""
    assert for_kind(CohortKind.INTERVISION).has_admission_rule
    assert not for_kind(CohortKind.PROGRAMME).has_admission_rule
