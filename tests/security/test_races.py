"""Two requests at once on the same thing end as if they came one after the other (issue #16.6).

Real threads with their own database connections (the pattern of tests/cohorts/test_concurrency.py).
On PostgreSQL every thread first reads what it acts on, as a request does, and only then are
they let go together: without a row lock each would decide on the same old state. On SQLite
writers are serialised by BEGIN IMMEDIATE (learnpath/db.py), so the threads start together
and simply take turns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import func, select

from learnpath import create_app
from learnpath.accounts.models import Role, User
from learnpath.action_plans import services as plan_services
from learnpath.action_plans.models import ActionPlan, PlanShare, PlanStatus, PlanVersion
from learnpath.cohorts.models import Enrolment
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.manager_tracks import services as meeting_services
from learnpath.manager_tracks.models import IntervisionMeeting, RotationWaiver
from learnpath.notifications.models import OutboxMessage
from tests.factories import full_plan_data
from tests.manager_tracks.helpers import make_group, plan_next

#: A job reads what it acts on and returns the action (run after all jobs have read).
Job = Callable[[], Callable[[], object]]


@pytest.fixture
def race_app(app_config, _migrated, app) -> Flask:
    """A second app on the same database with a connection per thread."""
    sqlite = app_config["DATABASE_URL"].startswith("sqlite")
    options = {"connect_args": {"timeout": 60, "check_same_thread": False}} if sqlite else {}
    return create_app(
        {
            **app_config,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                **options,
                "pool_size": 12,
                "max_overflow": 0,
                "pool_timeout": 60,
            },
        }
    )


@pytest.fixture
def coach(make_user) -> User:
    return make_user(Role.FACILITATOR, name="Coach Carla")


@pytest.fixture
def managers(make_user) -> list[User]:
    return [make_user(Role.MANAGER, name=f"Leidinggevende {i}") for i in range(1, 6)]


def _race(race_app: Flask, jobs: list[Job]) -> list[BaseException]:
    """Run the jobs in parallel threads, each one unit of work; return what they raised."""
    db.session.rollback()  # the test's own session must hold no lock meanwhile
    read_first = db.engine.dialect.name != "sqlite"
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Job) -> None:
        with race_app.app_context():
            try:
                if not read_first:
                    barrier.wait()
                action = job()
                if read_first:
                    barrier.wait()
                action()
                db.session.commit()
            except BaseException as exc:  # collected and asserted on below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        list(pool.map(run, jobs))
    db.session.expire_all()
    return errors


def _unexpected(errors: list[BaseException]) -> list[BaseException]:
    """Errors other than a rule's refusal (which the page shows as a message)."""
    return [e for e in errors if not isinstance(e, Refusal)]


# --- intervision: passing one's turn ---------------------------------------------------------


def test_parallel_skips_on_one_meeting_do_not_collide(race_app, org, coach, managers):
    cohort = make_group(org, coach, managers[:5])
    session = plan_next(cohort, coach)
    meeting_id = meeting_services.meeting_for(session).id
    db.session.commit()
    skippers = [m.id for m in managers[:3]] * 2  # three members, each clicking twice

    def skip(user_id: int) -> Job:
        def read() -> Callable[[], object]:
            meeting = db.session.get(IntervisionMeeting, meeting_id)
            user = db.session.get(User, user_id)
            assert meeting is not None and user is not None
            _ = meeting.roles, meeting.waivers
            return lambda: meeting_services.waive(meeting, user, True)

        return read

    errors = _race(race_app, [skip(uid) for uid in skippers])

    assert _unexpected(errors) == []
    waivers = db.session.scalars(
        select(RotationWaiver.user_id).where(RotationWaiver.meeting_id == meeting_id)
    ).all()
    assert sorted(waivers) == sorted(set(skippers))
    meeting = db.session.get(IntervisionMeeting, meeting_id)
    assert meeting is not None
    roles = meeting.role_map
    assert len(set(roles.values())) == len(roles) == 3
    assert roles["case_bringer"] not in skippers


# --- action plans: save and finalise, share ----------------------------------------------------


def _draft_plan(setup) -> int:
    enrolment = db.session.get(Enrolment, setup.enrolment_id)
    plan = plan_services.start_plan(enrolment, get_content(), "nl")
    plan_services.save_plan(plan, full_plan_data(), utcnow().date(), final=False)
    db.session.commit()
    return plan.id


def test_parallel_save_and_finalise_makes_one_version(race_app, setup):
    plan_id = _draft_plan(setup)
    today = utcnow().date()

    def finalise() -> Callable[[], object]:
        plan = db.session.get(ActionPlan, plan_id)
        assert plan is not None
        return lambda: plan_services.save_plan(plan, full_plan_data(), today, final=True)

    errors = _race(race_app, [finalise] * 5)

    assert _unexpected(errors) == []
    assert len(errors) == 4  # "This plan is final": the others saw the first one's result
    versions = db.session.scalars(
        select(PlanVersion.number).where(PlanVersion.plan_id == plan_id)
    ).all()
    assert versions == [1]
    plan = db.session.get(ActionPlan, plan_id)
    assert plan is not None and plan.status == PlanStatus.FINAL


def test_ten_parallel_shares_leave_one_active_share_and_one_mail(race_app, setup, final_plan):
    plan_id = final_plan().id
    manager_id = setup.manager.id

    def share() -> Callable[[], object]:
        plan = db.session.get(ActionPlan, plan_id)
        manager = db.session.get(User, manager_id)
        assert plan is not None and manager is not None
        plan_services.active_share(plan)  # the page looks first, as the view does
        return lambda: plan_services.share(plan, manager, ["question", "goals"])

    errors = _race(race_app, [share] * 10)

    assert errors == []
    active = db.session.scalar(
        select(func.count())
        .select_from(PlanShare)
        .where(PlanShare.plan_id == plan_id, PlanShare.revoked_at.is_(None))
    )
    assert active == 1
    mails = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.kind == "action_plan_shared")
    )
    assert mails == 1
