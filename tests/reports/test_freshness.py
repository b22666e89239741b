"""A computed HR report is shown again only while its organisation's data is unchanged: each
commit raises the counters of the organisations whose people it wrote about, and no other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select, update

from learnpath.accounts.models import Role, User
from learnpath.action_plans.models import ActionPlan, PlanGoal
from learnpath.cohorts.models import Attendance, AttendanceStatus, CohortSession
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.privacy.models import AuditEvent
from learnpath.reports import freshness, services
from learnpath.reports.models import EVERY_ORGANISATION, ReportVersion
from tests.factories import enrol, hand_in, make_cohort, network_cohort, plan
from tests.reports.conftest import hr, year_of


def _versions() -> dict[int, int]:
    db.session.rollback()
    rows = db.session.execute(select(ReportVersion.organisation_id, ReportVersion.version))
    return {org: version for org, version in rows}


@pytest.fixture
def two(make_org, make_user):
    """Two organisations of one network with a person each in one network cohort."""
    a, b = make_org("Gemeente A"), make_org("Gemeente B")
    coach = make_user(Role.FACILITATOR, organisation=a)
    cohort = network_cohort([a, b], coach)
    plan(cohort, coach)
    db.session.commit()
    alice = make_user(organisation=a)
    bob = make_user(organisation=b)
    enrolments = {alice.id: enrol(cohort, alice), bob.id: enrol(cohort, bob)}
    return a, b, cohort, alice, bob, enrolments


def test_a_write_raises_only_its_people_s_organisation(two):
    a, b, _cohort, alice, bob, enrolments = two
    before = _versions()
    hand_in(enrolments[alice.id], "kwaliteiten")
    after = _versions()
    assert after[a.id] == before[a.id] + 1
    assert after.get(b.id) == before.get(b.id)
    assert after.get(EVERY_ORGANISATION) == before.get(EVERY_ORGANISATION)


def test_a_plan_goal_raises_the_plan_owner_s_organisation(two):
    a, b, cohort, alice, _bob, _e = two
    plan = ActionPlan(user_id=alice.id, cohort_id=cohort.id, content_version="test")
    db.session.add(plan)
    db.session.commit()
    before = _versions()
    db.session.add(PlanGoal(plan_id=plan.id, position=0))
    db.session.commit()
    after = _versions()
    assert after[a.id] == before[a.id] + 1
    assert after.get(b.id) == before.get(b.id)


def test_a_session_of_a_shared_cohort_raises_every_organisation_in_it(two):
    a, b, cohort, _alice, _bob, _e = two
    before = _versions()
    session = db.session.scalars(
        select(CohortSession).where(CohortSession.cohort_id == cohort.id)
    ).first()
    session.duration_minutes += 15
    db.session.commit()
    after = _versions()
    assert after[a.id] == before[a.id] + 1 and after[b.id] == before[b.id] + 1


def test_a_deleted_row_counts_by_what_it_held(two):
    a, b, cohort, _alice, bob, _e = two
    session = db.session.scalars(
        select(CohortSession).where(CohortSession.cohort_id == cohort.id)
    ).first()
    db.session.add(
        Attendance(session_id=session.id, user_id=bob.id, status=AttendanceStatus.PRESENT)
    )
    db.session.commit()
    before = _versions()
    row = db.session.scalars(select(Attendance).where(Attendance.user_id == bob.id)).one()
    db.session.delete(row)
    db.session.commit()
    after = _versions()
    assert after[b.id] == before[b.id] + 1
    assert after[a.id] == before[a.id]


def test_a_bulk_statement_raises_every_organisation(two):
    before = _versions()
    db.session.execute(update(User).where(User.id < 0).values(name="x"))
    db.session.commit()
    after = _versions()
    assert after[EVERY_ORGANISATION] == before.get(EVERY_ORGANISATION, 0) + 1


def test_unrelated_writes_and_rollbacks_raise_nothing(two):
    _a, _b, _cohort, alice, _bob, enrolments = two
    before = _versions()
    db.session.add(
        AuditEvent(actor_id=alice.id, subject_user_id=alice.id, action="test", object_ref="x")
    )
    db.session.commit()
    hand_in_rolled_back = enrolments[alice.id]
    db.session.add(
        Attendance(
            session_id=db.session.scalars(select(CohortSession.id)).first(),
            user_id=hand_in_rolled_back.user_id,
            status=AttendanceStatus.ABSENT,
        )
    )
    db.session.flush()
    db.session.rollback()
    assert _versions() == before


def test_a_savepoint_inside_a_transaction_raises_once_after_the_commit(two):
    a, _b, cohort, alice, _bob, _e = two
    before = _versions()
    session = db.session.scalars(
        select(CohortSession).where(CohortSession.cohort_id == cohort.id)
    ).first()
    with db.session.begin_nested():
        db.session.add(
            Attendance(session_id=session.id, user_id=alice.id, status=AttendanceStatus.PRESENT)
        )
    db.session.commit()
    assert _versions()[a.id] == before[a.id] + 1


def test_the_sign_up_statement_names_its_person(make_org, make_user):
    a, b = make_org("Gemeente A"), make_org("Gemeente B")
    cohort = make_cohort(a, make_user(Role.FACILITATOR, organisation=a))
    make_user(organisation=b)  # an organisation that must not move
    before = _versions()
    enrol(cohort, make_user(organisation=a))
    after = _versions()
    assert after.get(EVERY_ORGANISATION) == before.get(EVERY_ORGANISATION)
    assert after[a.id] > before.get(a.id, 0)
    assert after.get(b.id) == before.get(b.id)


# --- the dashboard ---------------------------------------------------------------------------


def _register_again(data) -> None:
    """One more registration (completed) of a person of the report, in another cohort."""
    from learnpath.cohorts.models import Enrolment, EnrolmentStatus

    other = next(c for c in data.cohorts if c is not data.facts[0].cohort)
    db.session.add(
        Enrolment(
            cohort_id=other.id,
            user_id=data.facts[0].user.id,
            status=EnrolmentStatus.COMPLETED,
            requested_at=utcnow(),
        )
    )


def test_the_dashboard_is_reused_until_its_data_changes(big):
    first, _ = hr(big)
    again, _ = hr(big)
    assert again is first  # nothing changed: the same computed report
    registered = first.table("status").total.cells[0].value
    _register_again(big)
    db.session.commit()
    changed, _ = hr(big)
    assert changed is not first
    assert changed.table("status").total.cells[0].value == registered + 1


def test_an_uncommitted_change_is_computed_not_kept(big):
    first, _ = hr(big)
    _register_again(big)
    db.session.flush()
    seen, _ = hr(big)
    assert seen is not first
    db.session.rollback()
    after, _ = hr(big)
    assert after is first  # the rolled-back row was never kept


def test_a_report_older_than_the_maximum_age_is_computed_again(big, monkeypatch):
    first, _ = hr(big)
    monkeypatch.setattr(services, "REPORT_MAX_AGE", -1.0)
    assert hr(big)[0] is not first


def test_a_csv_table_comes_from_the_whole_report(big):
    whole, selection = hr(big)
    part, _ = services.hr_report(
        big.org, year_of(big), None, get_content(), utcnow(), only=("status",)
    )
    assert part is whole


def test_each_language_and_department_has_its_own_report(big, app):
    from flask_babel import force_locale

    dutch, _ = hr(big)
    with force_locale("en"):
        english, _ = hr(big)
    assert english is not dutch
    dept = next(d.id for d in big.org.departments if d.name == "Sociaal domein")
    assert hr(big, dept)[0] is not dutch


def test_every_table_the_reports_read_has_a_rule():
    """A table the report queries read must name its people (else every change would be
    taken for every organisation's, or worse: listed as unrelated and missed)."""
    from learnpath.extensions import db as database

    read: set[str] = set()
    for path in ("learnpath/reports/queries.py", "learnpath/opportunities/queries.py"):
        tree = ast.parse(Path(path).read_text())
        names = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("models")
            for alias in node.names
        }
        for mapper in database.Model.registry.mappers:
            if mapper.class_.__name__ in names:
                read.add(mapper.local_table.name)
    assert read, "no models found"
    # every one has a rule, or (network memberships: who may see an opportunity) none, so
    # that a change counts for every organisation; none is taken for unrelated
    assert read - set(freshness.RULES) == {"network_memberships"}
    assert not read & freshness.UNRELATED
    tables = {t.name for t in database.metadata.sorted_tables}
    assert set(freshness.RULES) <= tables and tables >= freshness.UNRELATED


def test_the_evaluation_is_reused_until_its_data_changes(big):
    from learnpath.reports import evaluation

    today = utcnow().date()
    period = evaluation.default_period(today)
    first = evaluation.evaluation_report(big.org, period, get_content())
    assert evaluation.evaluation_report(big.org, period, get_content()) is first
    big.org.name = "Gemeente Anders"
    db.session.commit()
    renamed = evaluation.evaluation_report(big.org, period, get_content())
    assert renamed is not first and renamed.organisation_name == "Gemeente Anders"


def test_a_person_the_session_holds_names_the_organisation_without_a_query(two):
    a, _b, _cohort, alice, _bob, _e = two
    person = db.session.get(User, alice.id)
    changes = freshness.Changes(known=db.session.identity_map)
    changes.add("user", person.id)
    assert changes.keys == {"organisation": {a.id}}
    stranger = freshness.Changes(known=db.session.identity_map)
    stranger.add("user", 10**9)  # not in the session: looked up after the commit
    assert stranger.keys == {"user": {10**9}}


def test_deferred_raises_come_together(two):
    """On PostgreSQL a process raises the counters of its commits together: three commits of
    two organisations, one raise each (the flush is called here, not waited for). The same
    code on SQLite (where counters are raised at once, but a deferral works as well)."""
    a, b, _cohort, _alice, _bob, _e = two
    before = _versions()
    deferred = freshness._Deferred(db.engine, 3600.0)  # its thread waits: the test flushes
    for organisation in (a.id, a.id, b.id):
        changes = freshness.Changes()
        changes.add("organisation", organisation)
        deferred.add(changes)
    assert _versions() == before  # not yet
    # The test's session ends its transaction first, as a request's has when the thread
    # runs (on SQLite its read holds the database's write lock: the raise would wait for it).
    db.session.rollback()
    deferred.flush()
    after = _versions()
    assert after[a.id] == before[a.id] + 1  # two commits, one raise
    assert after[b.id] == before[b.id] + 1
    deferred.flush()  # nothing left: changes nothing
    assert _versions() == after


def test_the_delay_follows_the_database(tmp_path, monkeypatch):
    from learnpath.config import build_config

    monkeypatch.delenv("LEARNPATH_REPORT_VERSION_DELAY", raising=False)

    def delay(url, **more):
        return build_config(str(tmp_path), {"DATABASE_URL": url, **more})["REPORT_VERSION_DELAY"]

    assert delay("postgresql://u@h/db") == 0.25
    assert delay("postgresql://u@h/db", TESTING=True) == 0.0
    assert delay(f"sqlite:///{tmp_path}/x.db") == 0.0
    assert delay("postgresql://u@h/db", REPORT_VERSION_DELAY="1.5") == 1.5
    from learnpath.config import ConfigError

    with pytest.raises(ConfigError, match="REPORT_VERSION_DELAY"):
        delay("postgresql://u@h/db", REPORT_VERSION_DELAY="soon")


def test_a_sign_in_is_no_change_to_report_data(two):
    """What a sign-in writes of a person (the moment, the session epoch) the reports never
    read; a move to another department they do."""
    a, _b, _cohort, alice, _bob, _e = two
    before = _versions()
    person = db.session.get(User, alice.id)
    person.last_login_at = utcnow()
    person.session_epoch = (person.session_epoch or 0) + 1
    db.session.commit()
    assert _versions() == before
    person = db.session.get(User, alice.id)
    person.department_id = None
    db.session.commit()
    assert _versions()[a.id] == before[a.id] + 1


def test_a_draft_saved_again_is_no_change_but_handing_in_is(two):
    from learnpath.assignments.models import Submission, SubmissionStatus

    a, _b, _cohort, alice, _bob, enrolments = two
    hand_in(enrolments[alice.id], "kwaliteiten")
    before = _versions()
    work = db.session.scalars(select(Submission).where(Submission.user_id == alice.id)).one()
    work.answers = {"b": {"type": "text", "text": "nieuwe tekst"}}
    db.session.commit()
    assert _versions() == before
    work = db.session.get(Submission, work.id)
    work.status = SubmissionStatus.DRAFT
    db.session.commit()
    assert _versions()[a.id] == before[a.id] + 1


def test_the_columns_the_reports_read_are_watched():
    """The columns READ_COLUMNS lists for a table are the ones the report queries name (a
    column they read but READ_COLUMNS leaves out would let a report go stale)."""
    import re

    named: dict[str, set[str]] = {"users": set(), "submissions": set(), "action_plans": set()}
    classes = {"User": "users", "Submission": "submissions", "ActionPlan": "action_plans"}
    paths = [*Path("learnpath/reports").glob("*.py"), Path("learnpath/opportunities/queries.py")]
    for path in paths:
        for cls, column in re.findall(
            r"\b(User|Submission|ActionPlan)\.([a-z_]+)\b", path.read_text()
        ):
            named[classes[cls]].add(column)
    for table, columns in named.items():
        read = {c for c in columns if c != "id" and c in db.metadata.tables[table].c}
        assert read <= freshness.READ_COLUMNS[table], (table, read - freshness.READ_COLUMNS[table])


def test_a_failed_raise_does_not_undo_or_fail_the_commit(two, monkeypatch):
    from learnpath.assignments.models import Submission

    _a, _b, _cohort, alice, _bob, enrolments = two

    def broken(*_args):
        raise RuntimeError("database gone")

    monkeypatch.setattr(freshness, "raise_versions", broken)
    hand_in(enrolments[alice.id], "kwaliteiten")  # commits without an error
    db.session.rollback()
    assert db.session.scalars(select(Submission).where(Submission.user_id == alice.id)).one()
