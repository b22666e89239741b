"""Retention: finished trajectories lose their personal content after the organisation's period."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from learnpath import create_app, jobs
from learnpath.accounts.models import Role, User
from learnpath.action_plans.models import ActionPlan, Conversation, PlanShare
from learnpath.assignments.models import (
    FacilitatorNote,
    Feedback,
    FeedbackRequest,
    Submission,
    SubmissionStatus,
)
from learnpath.cohorts.models import CohortSession, Enrolment, EnrolmentStatus
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.manager_tracks.models import IntervisionMeeting
from learnpath.privacy import retention
from learnpath.privacy.models import RetentionRun
from learnpath.reports import services as reports
from tests.db_scan import all_text_values
from tests.reports.data import generate

# Last session of each cohort: start_days + 28 days. 13.2, 11 months ago, and still running.
OLD, RECENT, RUNNING = -430, -363, -10


def _figures(org):
    """Every figure of the HR report, for each year the test data spans."""
    now = utcnow()
    years = {now.year - 2, now.year - 1, now.year}
    out = []
    for year in sorted(years):
        report, _sel = reports.hr_report(org, year, None, get_content(), now)
        out.append(
            [
                (t.slug, [(r.label, [c.text for c in r.cells]) for r in t.rows])
                for t in report.tables
            ]
        )
    return out


def _all_text_values():
    """Every text value in the database, lower-cased (see tests/db_scan.py)."""
    return ((t, c, text.lower()) for t, c, text in all_text_values())


def _snapshot():
    return sorted(_all_text_values())


def _answers(cohorts):
    return db.session.scalars(
        select(Submission.answers).where(Submission.cohort_id.in_([c.id for c in cohorts]))
    ).all()


def _seed_personal(person, cohort, facilitator):
    """Content of the person's old trajectory beyond the generated answers and plan."""
    submission = db.session.scalars(
        select(Submission).where(
            Submission.user_id == person.id,
            Submission.cohort_id == cohort.id,
            Submission.status != SubmissionStatus.DRAFT,
        )
    ).first()
    conversation = db.session.scalars(
        select(Conversation)
        .join(PlanShare, PlanShare.id == Conversation.share_id)
        .join(ActionPlan, ActionPlan.id == PlanShare.plan_id)
        .where(ActionPlan.user_id == person.id)
    ).one()
    conversation.manager_notes = "Conversation secret notes"
    db.session.add_all(
        [
            FacilitatorNote(
                cohort_id=cohort.id,
                user_id=person.id,
                author_id=facilitator.id,
                text="private: doubts about job",
            ),
            Feedback(
                submission_id=submission.id,
                author_id=facilitator.id,
                text="Feedback secret for the person",
            ),
            FeedbackRequest(
                submission_id=submission.id,
                block_slug="b",
                colleague_email="coll@example.org",
                colleague_name="Colleague Cornelia",
                sender_name=person.name,
                token_hash="t" * 64,
                expires_at=utcnow() - timedelta(days=400),
                answers=["colleague secret words"],
            ),
        ]
    )
    db.session.commit()


def _add_group_notes(cohort):
    """Session notes, and intervision minutes on the first session: the group's content."""
    sessions = db.session.scalars(
        select(CohortSession).where(CohortSession.cohort_id == cohort.id)
    ).all()
    for session in sessions:
        session.notes = f"Group note of {cohort.name} {cohort.id}"
    db.session.add(
        IntervisionMeeting(
            session_id=sessions[0].id,
            case_description=f"Case secret of {cohort.id}",
            notes=f"Minutes secret of {cohort.id}",
        )
    )


def _due_enrolments(data, cutoff):
    """Independent count: enrolments of the organisation's people in cohorts ended before cutoff."""
    last = {}
    for cohort_id, starts_at in db.session.execute(
        select(CohortSession.cohort_id, CohortSession.starts_at)
    ):
        last[cohort_id] = max(last.get(cohort_id, starts_at), starts_at)
    return [
        e
        for e in db.session.scalars(
            select(Enrolment)
            .join(User, User.id == Enrolment.user_id)
            .where(User.organisation_id == data.org.id)
        )
        if e.cohort_id in last and last[e.cohort_id] < cutoff
    ]


@pytest.fixture
def world(org, make_org):
    old = generate(org, {"Sociaal domein": 12, "Ruimte": 9}, cohorts=2, start_days=OLD, managers=8)
    recent = generate(org, {"Sociaal domein": 8}, cohorts=1, start_days=RECENT, seed=3)
    running = generate(org, {"Ruimte": 7}, cohorts=1, start_days=RUNNING, seed=5)
    other_org = make_org()
    other = generate(other_org, {"Ruimte": 6}, cohorts=1, start_days=OLD, seed=9)
    cohort_a, cohort_b = old.cohorts

    person = next(
        f.user
        for f in old.facts
        if f.cohort is cohort_b
        and f.status == EnrolmentStatus.COMPLETED
        and f.handed_in
        and f.plan
        and f.plan.discussed
    )
    _seed_personal(person, cohort_b, old.facilitator)
    # The same person now takes part in a running cohort: that trajectory stays.
    enrolment = Enrolment(cohort=running.cohorts[0], user=person, status=EnrolmentStatus.ENROLLED)
    db.session.add(enrolment)
    db.session.flush()
    db.session.add(
        Submission(
            enrolment_id=enrolment.id,
            cohort_id=running.cohorts[0].id,
            user_id=person.id,
            assignment_slug="x",
            content_version="test",
            status=SubmissionStatus.SUBMITTED,
            answers={"b": {"type": "text", "text": "Running answer still needed"}},
        )
    )
    # Someone of the other organisation (no retention) took part in an old cohort of ours.
    outsider = other.facts[0].user
    db.session.add(Enrolment(cohort=cohort_a, user=outsider, status=EnrolmentStatus.COMPLETED))
    # Group notes: cohort B's members are all ours, cohort A has the outsider.
    _add_group_notes(cohort_a)
    _add_group_notes(cohort_b)
    # A participant-only account, long unused: pseudonymised once all trajectories are done.
    b_people = [f.user for f in old.facts if f.cohort is cohort_b and f.user is not person]
    gone, returning = b_people[0], b_people[1]
    gone.created_at = utcnow() - timedelta(days=500)
    returning.created_at = utcnow() - timedelta(days=500)
    returning.last_login_at = utcnow() - timedelta(days=20)
    org.retention_months = 12
    db.session.commit()
    return SimpleNamespace(
        org=org,
        other_org=other_org,
        old=old,
        recent=recent,
        running=running,
        other=other,
        person=person,
        outsider=outsider,
        gone=gone,
        returning=returning,
        cohort_a=cohort_a,
        cohort_b=cohort_b,
    )


def _group_notes(cohort):
    return set(
        db.session.scalars(select(CohortSession.notes).where(CohortSession.cohort_id == cohort.id))
    )


def test_finished_trajectories_are_cleared_and_everything_else_stays(world):
    person = world.person
    name, email = person.name, person.email
    old_answers = [
        s.answers["b"]["text"].lower()
        for s in db.session.scalars(
            select(Submission).where(
                Submission.user_id == person.id, Submission.cohort_id == world.cohort_b.id
            )
        )
    ]
    assert old_answers
    needles = [
        *old_answers,
        f"note about {name}".lower(),
        f"question of {email}".lower(),
        f"goal 0 of {email}".lower(),
        f"agreements with {email}".lower(),
        "private: doubts",
        "feedback secret",
        "colleague secret",
        "colleague cornelia",
        "conversation secret",
        f"group note of {world.cohort_b.name} {world.cohort_b.id}".lower(),
        f"case secret of {world.cohort_b.id}",
        f"minutes secret of {world.cohort_b.id}",
    ]
    texts = _snapshot()
    assert all(any(n in text for *_tc, text in texts) for n in needles)
    kept = {
        "recent": _answers(world.recent.cohorts),
        "running": _answers(world.running.cohorts),
        "other": _answers(world.other.cohorts),
    }
    before = _figures(world.org)
    other_before = _figures(world.other_org)
    due = _due_enrolments(world, retention.months_before(utcnow(), 12))
    # Programme cohorts and workshop groups ended 13 months ago; intervision still meets.
    assert len(due) > len(world.old.facts)

    cleared = jobs.registry()["retention"].func()
    db.session.expire_all()

    assert cleared == len(due)
    assert all(db.session.get(Enrolment, e.id).retention_applied_at for e in due)
    found = [(t, c, n) for t, c, text in _all_text_values() for n in needles if n in text]
    assert found == []
    # The rest of the person stays: the account, the running trajectory.
    user = db.session.get(User, person.id)
    assert (user.name, user.email) == (name, email) and user.is_active
    assert any("running answer still needed" in text for *_tc, text in _all_text_values())
    # A trajectory finished 11 months ago, running ones, another organisation: untouched.
    assert _answers(world.recent.cohorts) == kept["recent"]
    assert _answers(world.running.cohorts) == kept["running"]
    assert _answers(world.other.cohorts) == kept["other"]
    assert all(a == {} for a in _answers([world.cohort_b]))
    # Group notes go only when every member's trajectory is done (cohort A has the outsider).
    assert _group_notes(world.cohort_b) == {None}
    assert _group_notes(world.cohort_a) != {None}
    assert any(f"case secret of {world.cohort_a.id}" in t for *_tc, t in _all_text_values())
    outsider_enrolment = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == world.outsider.id)
    ).all()
    assert all(e.retention_applied_at is None for e in outsider_enrolment)
    # Figures add up as before.
    assert _figures(world.org) == before
    assert _figures(world.other_org) == other_before
    # The long-unused participant-only account is pseudonymised, the recent visitor is not.
    gone = db.session.get(User, world.gone.id)
    assert gone.email.endswith("@invalid.example") and not gone.is_active
    assert db.session.get(User, world.returning.id).email == world.returning.email
    (run,) = db.session.scalars(select(RetentionRun)).all()
    assert (run.organisation_id, run.months, run.trajectories, run.accounts, run.groups) == (
        world.org.id,
        12,
        len(due),
        1,
        len({e.cohort_id for e in due} - {world.cohort_a.id}),
    )

    # Running again changes nothing.
    after = _snapshot()
    assert jobs.registry()["retention"].func() == 0
    db.session.expire_all()
    assert _snapshot() == after
    assert len(db.session.scalars(select(RetentionRun)).all()) == 1


def test_another_organisations_setting_does_not_apply(world):
    world.org.retention_months = None
    world.other_org.retention_months = 6
    db.session.commit()
    ours = _answers(world.old.cohorts)

    cleared = retention.run_all(utcnow())

    db.session.expire_all()
    # The other organisation's own people in its own cohort, and the outsider in our cohort.
    assert cleared == len(world.other.facts) + 1
    outsider_answers = {
        (e.cohort_id, e.retention_applied_at is not None)
        for e in db.session.scalars(select(Enrolment).where(Enrolment.user_id == world.outsider.id))
    }
    assert (world.cohort_a.id, True) in outsider_answers
    assert _answers(world.old.cohorts) == ours
    assert all(a == {} for a in _answers(world.other.cohorts))


def test_cutoff_counts_calendar_months():
    from datetime import UTC, datetime

    assert retention.months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert retention.months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(
        2024, 12, 15, tzinfo=UTC
    )


def test_cli_dry_run_shows_and_changes_nothing(world, runner):
    before = _snapshot()
    due = len(_due_enrolments(world, retention.months_before(utcnow(), 12)))
    result = runner.invoke(args=["privacy", "apply-retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"{world.org.slug}: 12 months" in result.output
    assert f"would clear {due} trajectory(ies)" in result.output
    assert "pseudonymise 1 account(s)" in result.output
    assert world.other_org.slug not in result.output
    db.session.expire_all()
    assert _snapshot() == before
    assert db.session.scalars(select(RetentionRun)).all() == []

    result = runner.invoke(args=["privacy", "apply-retention"])
    assert result.exit_code == 0 and f"{due} trajectory" in result.output


def test_cli_shows_and_sets_the_period(org, runner):
    result = runner.invoke(args=["privacy", "retention", "--org", org.slug])
    assert result.output.strip() == f"{org.slug}: retention off"
    result = runner.invoke(args=["privacy", "retention", "--org", org.slug, "--months", "24"])
    assert result.output.strip() == f"{org.slug}: retention 24 months"
    result = runner.invoke(args=["privacy", "retention", "--org", org.slug, "--months", "3"])
    assert result.exit_code != 0 and "6 to 120" in result.output
    result = runner.invoke(args=["privacy", "retention", "--org", org.slug, "--off"])
    assert result.output.strip() == f"{org.slug}: retention off"
    assert runner.invoke(args=["privacy", "retention", "--org", "nope"]).exit_code != 0


def test_admin_sets_the_period_with_validation(client, login_as, make_user, org):
    login_as(make_user(Role.ADMIN))
    page = client.get("/privacy/bewaartermijn")
    assert page.status_code == 200 and "Bewaartermijn" in page.text
    wrong = client.post("/privacy/bewaartermijn", data={"months": "3"})
    assert wrong.status_code == 400
    assert 'value="3"' in wrong.text and "Kies een getal van 6 tot en met 120" in wrong.text
    nonsense = client.post("/privacy/bewaartermijn", data={"months": "twee jaar"})
    assert nonsense.status_code == 400 and 'value="twee jaar"' in nonsense.text
    db.session.refresh(org)
    assert org.retention_months is None
    done = client.post("/privacy/bewaartermijn", data={"months": "24"}, follow_redirects=True)
    assert "na 24 maanden" in done.text
    db.session.refresh(org)
    assert org.retention_months == 24
    client.post("/privacy/bewaartermijn", data={"months": ""})
    db.session.refresh(org)
    assert org.retention_months is None


def test_only_the_organisations_own_admin_sets_its_period(
    client, login_as, make_user, make_org, org
):
    login_as(make_user(Role.HR))
    assert client.post("/privacy/bewaartermijn", data={"months": "24"}).status_code == 403
    other = make_org()
    login_as(make_user(Role.ADMIN, organisation=other))
    assert client.post("/privacy/bewaartermijn", data={"months": "36"}).status_code == 302
    db.session.refresh(org)
    db.session.refresh(other)
    assert (org.retention_months, other.retention_months) == (None, 36)


def test_admin_page_lists_runs_in_counts(client, login_as, make_user, world):
    cleared = retention.run_all(utcnow())
    login_as(make_user(Role.ADMIN))
    page = client.get("/privacy/bewaartermijn").text
    assert f"<td>{cleared}</td>" in page and "Laatste opschoonrondes" in page
    assert world.person.name not in page


def test_pages_still_open_after_retention(client, login_as, world):
    """Cleared plans, answers and notes show as empty, not as an error."""
    person, cohort = world.person, world.cohort_b
    share = db.session.scalars(
        select(PlanShare)
        .join(ActionPlan, ActionPlan.id == PlanShare.plan_id)
        .where(ActionPlan.user_id == person.id)
    ).one()
    enrolment = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == person.id, Enrolment.cohort_id == cohort.id)
    ).one()
    manager = db.session.get(User, share.manager_id)
    facilitator = world.old.facilitator
    slugs = db.session.scalars(
        select(Submission.assignment_slug).where(Submission.cohort_id == cohort.id)
    ).all()
    retention.run_all(utcnow())
    db.session.expire_all()
    pages = {
        manager: ["/team", f"/team/plannen/{share.id}"],
        facilitator: [
            f"/cohorten/{cohort.id}",
            f"/cohorten/{cohort.id}/deelnemers/{enrolment.id}/actieplan",
            f"/cohorten/{cohort.id}/opdrachten",
        ],
        db.session.get(User, person.id): ["/actieplan", "/opdrachten", "/zelfscan"]
        + [f"/opdrachten/{slug}" for slug in slugs[:3]],
    }
    for user, urls in pages.items():
        login_as(user)
        for url in urls:
            assert client.get(url).status_code == 200, url


@pytest.fixture
def second_app(app_config, _migrated, app):
    """Another app on the same database: a second scheduler process started by mistake."""
    options = (
        {"connect_args": {"timeout": 60, "check_same_thread": False}}
        if app_config["DATABASE_URL"].startswith("sqlite")
        else {}
    )
    return create_app({**app_config, "SQLALCHEMY_ENGINE_OPTIONS": {**options, "pool_size": 4}})


def test_two_jobs_at_once_do_the_work_once(second_app, world):
    due = len(_due_enrolments(world, retention.months_before(utcnow(), 12)))
    db.session.rollback()  # the test's own session must not hold a lock while the jobs run
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        with second_app.app_context():
            barrier.wait()
            try:
                results.append(retention.run_all(utcnow()))
            except BaseException as exc:  # collected and asserted on below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [0, due]
    db.session.expire_all()
    assert len(db.session.scalars(select(RetentionRun)).all()) == 1
