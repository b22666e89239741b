"""One scheduler acts at a time: the lease, its heartbeat, and what a scheduler does with it."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from learnpath import jobs
from learnpath.extensions import db
from tests.conftest import is_postgres


class FakeLease:
    """Held from the second try on; ``lose()`` takes it away as a dead connection would."""

    def __init__(self) -> None:
        self.tries = 0
        self.held = False
        self.released = 0

    def acquire(self) -> bool:
        self.tries += 1
        self.held = self.tries >= 2
        return self.held

    def renew(self) -> bool:
        return self.held

    def release(self) -> None:
        self.held = False
        self.released += 1

    def lose(self) -> None:
        self.held = False


def _wait(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_scheduler_waits_for_the_lease_runs_jobs_while_held_and_stops_when_lost(app, monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULER_LEASE_INTERVAL", 1)
    runs: list[str] = []
    monkeypatch.setattr(jobs, "run_job", lambda name: runs.append(name) or 0)
    db.session.rollback()
    lease = FakeLease()
    scheduler = jobs.Scheduler(app, lease)
    thread = threading.Thread(target=scheduler.run, daemon=True)
    thread.start()
    try:
        _wait(lambda: "deliver_outbox" in runs)
        assert lease.tries >= 2  # it waited one interval first
        assert runs[: len(jobs.registry())] == list(jobs.registry())  # all at once, in order
        row = jobs.current_lease()
        assert row.holder == scheduler.holder
        db.session.rollback()

        lease.lose()  # e.g. its database connection died
        _wait(lambda: lease.released >= 1)
        count = len(runs)
        time.sleep(1.5)
        assert len(runs) == count or lease.held  # no job runs without the lease
    finally:
        scheduler.stop()
        thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.mark.skipif(not is_postgres(), reason="the advisory lock is PostgreSQL's")
def test_the_postgres_lease_is_held_by_one_and_freed_when_its_connection_dies(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    first, second = jobs.PostgresLease(url), jobs.PostgresLease(url)
    try:
        assert first.acquire()
        assert not second.acquire()
        assert first.renew() and not second.renew()
        assert first.acquire()  # the holder asking again keeps it (re-entrant)
        # The first one's server process is killed (as when its scheduler or host dies).
        pid = first._conn.scalar(text("SELECT pg_backend_pid()"))  # noqa: SLF001
        with db.engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            conn.commit()
        _wait(lambda: second.acquire(), timeout=10)
        assert not first.renew()
        assert not first.acquire()  # it reconnects, but the lock is the other's now
    finally:
        first.release()
        second.release()
