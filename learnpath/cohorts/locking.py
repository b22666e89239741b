"""A sign-up's lock, decision and commit in one round trip to PostgreSQL (issue #17.5).

A sign-up must count the seats after it holds the cohort's row lock, so the lock and the
INSERT that decides are two statements: under READ COMMITTED a statement's snapshot is taken
when it starts, and one statement that both waits for the lock and counts would count from a
snapshot older than its lock (and overbook). Sent one by one, the lock is held from the
lock's answer over the app's work on it, the INSERT's round trip and the COMMIT's — and on a
busy machine the worker may be put aside by the scheduler in between, holding the lock.

Here the three travel in one message: psycopg's client-side binding (``ClientCursor``) sends
the text with its parameters merged through the simple query protocol, in which PostgreSQL
runs the statements one after another, each with its own snapshot. The lock is held for the
INSERT and the COMMIT only, on the server, whatever the app's process does meanwhile.

The decision stays one ORM statement: :func:`decide` runs it with an execution option; the
engine's hooks (:func:`_wrap`, :func:`_position`) put the lock before it and the COMMIT after
it, and move the cursor to its rows, so SQLAlchemy reads, converts and loads them as always.
The statement must hold every check that would otherwise be made on the locked row (it
inserts nothing when one fails; the caller then decides the slow way).

How long the lock was held is measured by the database's clock: a reading right after the
lock is granted and one right after the COMMIT (which releases it), in the same round trip,
observed in ``learnpath_signup_lock_seconds``. (The app's own clock would add the time its
process waits to be scheduled after the answer came, when the lock is long gone.)
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Executable, event
from sqlalchemy.engine import Connection, Engine

from learnpath import telemetry
from learnpath.extensions import db

#: Execution option: the id of the cohort whose row lock the statement is to run under, in
#: the statement's own round trip, followed by the COMMIT.
LOCKED_COHORT = "lp_locked_cohort"
#: The database's clock, read in the round trip.
CLOCK = "SELECT clock_timestamp()"

_READY: weakref.WeakSet[Engine] = weakref.WeakSet()


def available() -> bool:
    """Whether the app's database can take a statement's lock and commit in its round trip."""
    return db.engine.dialect.name == "postgresql" and db.engine.dialect.driver == "psycopg"


def listen(engine: Engine) -> None:
    """Put the hooks on ``engine`` (the app does at its start; :func:`decide` makes sure)."""
    if engine in _READY:
        return
    event.listen(engine, "before_cursor_execute", _wrap, retval=True)
    event.listen(engine, "after_cursor_execute", _position)
    _READY.add(engine)


def _cohort_of(context: Any) -> int | None:
    if context is None:
        return None
    cohort_id = context.execution_options.get(LOCKED_COHORT)
    return cohort_id if isinstance(cohort_id, int) and not isinstance(cohort_id, bool) else None


def _wrap(
    _conn: Connection, _cursor: Any, statement: str, parameters: Any, context: Any, _many: bool
) -> tuple[str, Any]:
    cohort_id = _cohort_of(context)
    if cohort_id is None:
        return statement, parameters
    # The cohort's id is an int (checked above): written into the text, no parameter.
    return (
        f"SELECT cohorts.id FROM cohorts WHERE cohorts.id = {cohort_id} FOR UPDATE; "
        f"{CLOCK}; {statement}; COMMIT; {CLOCK}",
        parameters,
    )


def _position(
    _conn: Connection, cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool
) -> None:
    """After the round trip: measure the lock, leave the cursor at the statement's rows."""
    if _cohort_of(context) is None:
        return
    # The results: the lock's row, the clock, the statement's rows, the COMMIT, the clock.
    (granted,) = cursor.set_result(1).fetchone()
    (released,) = cursor.set_result(-1).fetchone()
    cursor.set_result(2)  # the statement's own rows, for SQLAlchemy to read
    telemetry.SIGNUP_LOCK_SECONDS.observe(max((released - granted).total_seconds(), 0.0))


@contextmanager
def _client_side_binding(connection: Connection) -> Iterator[None]:
    import psycopg

    raw = connection.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)  # available(): psycopg
    factory = raw.cursor_factory
    raw.cursor_factory = psycopg.ClientCursor
    try:
        yield
    finally:
        raw.cursor_factory = factory


def decide(cohort_id: int, statement: Executable, parameters: dict[str, Any]) -> Any:
    """Run the ORM ``statement`` (one that returns rows) under the cohort's row lock and
    commit, in one round trip; return its result's only row's entity, or None when it
    returned none (nothing was written; the lock is released). The session's transaction
    is committed (what it flushed before is in the commit); the session itself goes on as
    if it were not, and its own commit does nothing more. PostgreSQL only (:func:`available`).
    """
    connection = db.session.connection()
    listen(connection.engine)  # without the hooks the statement would run unlocked
    with _client_side_binding(connection):
        return db.session.scalars(
            statement, parameters, execution_options={LOCKED_COHORT: cohort_id}
        ).one_or_none()
