"""No query of a feed scans a table whose size grows with the country (issue #17.4).

PostgreSQL only: every statement a personal and a cohort feed run (the 200 and the 304) is
EXPLAINed with sequential scans, hash joins and merge joins off, so that each table is reached
by an index lookup from what is already known, as it is at national scale. The planner then
still reads a whole table (a sequential scan, or an index scan without an index condition,
which walks the whole index) only where no index can serve the query, which is what grows with
the country's data; on the few rows of a test database it would otherwise scan everything
simply because that is cheapest.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, or_, select

from learnpath.accounts.models import Role
from learnpath.action_plans.models import ActionPlan, Conversation, PlanShare
from learnpath.cohorts.models import CohortSession, Enrolment, cohort_facilitators
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.ical import services
from tests.ical.factories import YEAR, bulk_feed

#: Tables that grow with the number of organisations, people and cohorts.
COUNTRY_TABLES = {
    "calendar_tokens",
    "users",
    "user_roles",
    "organisations",
    "cohorts",
    "cohort_sessions",
    "cohort_facilitators",
    "enrolments",
    "action_plans",
    "action_plan_shares",
    "career_conversations",
}


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL")


def _nodes(node: dict) -> list[dict]:
    found = [node]
    for child in node.get("Plans", []):
        found += _nodes(child)
    return found


def scanned(statement: str, parameters: object) -> set[str]:
    """Tables the statement's plan reads whole, when it has to join by index lookups."""
    connection = db.session.connection().connection.dbapi_connection
    assert connection is not None
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
        plan = cursor.fetchone()[0][0]["Plan"]
    whole = set()
    for node in _nodes(plan):
        kind = node["Node Type"]
        if kind == "Seq Scan":
            whole.add(node["Relation Name"])
        elif kind in ("Index Scan", "Index Only Scan", "Bitmap Index Scan") and (
            "Index Cond" not in node
        ):
            whole.add(node.get("Relation Name") or _table_of(node["Index Name"]))
    return whole


def _table_of(index: str) -> str:
    """The table of one of our indexes, by the naming convention (ix_<table>_<column>)."""
    for table in sorted(COUNTRY_TABLES, key=len, reverse=True):
        if index.removeprefix("ix_").removeprefix("uq_").removeprefix("pk_").startswith(table):
            return table
    return index


def feed_statements(client, url: str, headers: dict[str, str] | None = None) -> list[tuple]:
    statements: list[tuple] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url, headers=headers or {}).status_code in (200, 304)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements


def test_feed_queries_use_indexes(client, org, make_user):
    facilitators = [make_user(Role.FACILITATOR) for _ in range(3)]
    person = make_user(Role.PARTICIPANT)
    bulk_feed(person, org, facilitators, 9)
    manager = make_user(Role.MANAGER)
    cohort_id = db.session.scalar(select(Enrolment.cohort_id).where(Enrolment.user_id == person.id))
    plan = ActionPlan(user=person, cohort_id=cohort_id, content_version=get_content().version)
    share = PlanShare(plan=plan, manager=manager, sections=["goals"])
    db.session.add_all([plan, share])
    db.session.flush()
    db.session.add(Conversation(share_id=share.id, starts_at=datetime(YEAR, 5, 1, 9, tzinfo=UTC)))
    urls = []
    for user, cohort in ((person, None), (manager, None), (facilitators[0], None)):
        row = services.issue_token(user, cohort)
        db.session.flush()
        urls.append(f"/cal/{services.derive_token(row.seed)}.ics")
    from learnpath.cohorts.models import Cohort

    first_cohort = db.session.get(Cohort, cohort_id)
    row = services.issue_token(first_cohort.facilitators[0], first_cohort)
    db.session.commit()
    urls.append(f"/cal/{services.derive_token(row.seed)}.ics")

    checked = 0
    for url in urls:
        full = feed_statements(client, url)
        etag = client.get(url).headers["ETag"]
        conditional = feed_statements(client, url, {"If-None-Match": etag})
        for statement, parameters in full + conditional:
            bad = scanned(statement, parameters) & COUNTRY_TABLES
            assert not bad, (bad, statement)
            checked += 1
        db.session.rollback()
    assert checked >= 10


def test_the_check_finds_the_old_or_across_a_join():
    """The form the feed used before (#17): ``plan.user_id = u OR share.manager_id = u``
    across a join, and an OR of two IN lists on the sessions: both scan."""
    old_conversations = (
        select(Conversation.id)
        .join(PlanShare, Conversation.share_id == PlanShare.id)
        .join(ActionPlan, PlanShare.plan_id == ActionPlan.id)
        .where(or_(ActionPlan.user_id == 1, PlanShare.manager_id == 1))
    )
    old_sessions = select(CohortSession.id).where(
        or_(
            CohortSession.cohort_id.in_(select(Enrolment.cohort_id).where(Enrolment.user_id == 1)),
            CohortSession.cohort_id.in_(
                select(cohort_facilitators.c.cohort_id).where(cohort_facilitators.c.user_id == 1)
            ),
        )
    )
    for query in (old_conversations, old_sessions):
        compiled = query.compile(dialect=db.engine.dialect)
        assert scanned(str(compiled), compiled.params) & COUNTRY_TABLES
