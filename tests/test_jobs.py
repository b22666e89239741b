"""The periodic jobs: each feature registers its own (found through its tasks.py), a tick runs
them in order, and each job is one unit of work."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from learnpath import jobs
from learnpath.accounts.models import Organisation
from learnpath.extensions import db
from learnpath.jobs import DELIVERY_ORDER, Beat, Job

#: (name, how often, commits itself), in the order a tick runs them. The names are the job ids
#: in the APScheduler job store: renaming one leaves a stale job behind.
EXPECTED = [
    ("expire_offers", Beat.REMINDER, False),
    ("quota_release", Beat.REMINDER, True),
    ("session_reminders", Beat.REMINDER, False),
    ("assignment_reminders", Beat.REMINDER, False),
    ("plan_reminders", Beat.REMINDER, False),
    ("evaluation_invitations", Beat.REMINDER, False),
    ("follow_up_invitations", Beat.REMINDER, False),
    ("meeting_rooms", Beat.REMINDER, True),
    ("deliver_outbox", Beat.DELIVERY, True),
    ("lti_scores", Beat.REMINDER, False),
    ("retention", Beat.REMINDER, True),
    ("report_snapshots", Beat.DELIVERY, True),
]


def test_every_feature_registers_its_jobs_with_their_intervals(app):
    registry = jobs.registry()
    assert [(job.name, job.every, job.commits) for job in registry.values()] == EXPECTED
    intervals = {name: job.interval(app) for name, job in registry.items()}
    assert intervals == {name: 30 if every is Beat.DELIVERY else 300 for name, every, _ in EXPECTED}
    # What queues mail runs before delivery, so it goes out in the same tick.
    queuing = [
        "expire_offers",
        "quota_release",
        "session_reminders",
        "assignment_reminders",
        "plan_reminders",
    ]
    assert all(registry[name].order < DELIVERY_ORDER for name in queuing)
    assert registry["deliver_outbox"].order == DELIVERY_ORDER
    # Each job lives in its feature's tasks module.
    assert {job.func.__module__ for job in registry.values()} == {
        f"learnpath.{feature}.tasks"
        for feature in (
            "cohorts",
            "schedule",
            "assignments",
            "action_plans",
            "notifications",
            "lti",
            "privacy",
            "rooms",
            "live",
            "reports",
        )
    }


def test_intervals_follow_the_configuration(app, monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULER_DELIVERY_INTERVAL", 7)
    monkeypatch.setitem(app.config, "SCHEDULER_REMINDER_INTERVAL", 70)
    assert jobs.registry()["deliver_outbox"].interval(app) == 7
    assert jobs.registry()["plan_reminders"].interval(app) == 70


def test_a_name_or_order_is_registered_once(app):
    with pytest.raises(ValueError, match="twice"):
        jobs.periodic("retention", every=Beat.REMINDER, order=999)(lambda: 0)
    with pytest.raises(ValueError, match="order"):
        jobs.periodic("another", every=Beat.REMINDER, order=DELIVERY_ORDER)(lambda: 0)
    assert "another" not in jobs.registry()


def _add_org(slug: str) -> int:
    db.session.add(Organisation(slug=slug, name=slug, timezone="Europe/Amsterdam"))
    db.session.flush()
    return 1


def _fail() -> int:
    _add_org("half-done")
    raise RuntimeError("boom")


def _slugs() -> set[str]:
    """What the jobs' own sessions committed (the test's session then holds no lock)."""
    slugs = set(db.session.scalars(select(Organisation.slug)))
    db.session.rollback()
    return slugs


def test_a_job_is_one_unit_of_work(app, monkeypatch, caplog):
    for name, func, order in (("ok", lambda: _add_org("done"), 901), ("fails", _fail, 902)):
        job = Job(name=name, func=func, every=Beat.REMINDER, order=order)
        monkeypatch.setitem(jobs._JOBS, name, job)  # noqa: SLF001
    jobs.bind(app)
    assert jobs.run_job("ok") == 1
    assert _slugs() == {"done"}  # committed when the job returned
    with caplog.at_level(logging.ERROR, logger="learnpath.jobs"), pytest.raises(RuntimeError):
        jobs.run_job("fails")
    assert _slugs() == {"done"}  # rolled back
    assert "job fails failed" in caplog.text


def test_scheduler_tick_runs_every_job_once_in_order(runner):
    result = runner.invoke(args=["scheduler", "tick"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"{name}: 0" for name, *_ in EXPECTED]
