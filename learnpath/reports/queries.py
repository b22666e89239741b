"""Aggregate queries behind the reports: one GROUP BY query per figure, never one per row.

Every figure is grouped by department as well, so the anonymity rules can protect the
department filter (see ``anonymity.py``). The population is the set of registrations
(enrolments that are more than an invitation, not moved to another cohort) in programme
cohorts of the scope.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import (
    Column,
    ColumnElement,
    FromClause,
    MetaData,
    Select,
    String,
    Subquery,
    Table,
    Text,
    and_,
    case,
    cast,
    func,
    insert,
    literal_column,
    select,
    true,
    type_coerce,
)

from learnpath.accounts.models import Role, User, UserRole
from learnpath.action_plans.models import (
    ActionPlan,
    Conversation,
    PlanFollowUp,
    PlanGoal,
    PlanShare,
    PlanVersion,
)
from learnpath.action_plans.outcomes import Achievement
from learnpath.assignments.models import (
    AssessmentMoment,
    SelfAssessment,
    Submission,
    SubmissionStatus,
)
from learnpath.cohorts.models import (
    Attendance,
    Cohort,
    CohortKind,
    CohortSession,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
)
from learnpath.extensions import db
from learnpath.live.models import EvaluationAnswer, EvaluationReceipt

Counts = dict[tuple[int | None, Hashable], int]
_Q = TypeVar("_Q", bound="Select[*tuple[Any, ...]]")

#: Statuses of someone who took part (had a seat when the programme ran).
TOOK_PART = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.DROPPED_OUT)
#: Statuses that count for a cohort's fill rate.
SEATED = TOOK_PART + (EnrolmentStatus.OFFERED, EnrolmentStatus.PENDING_APPROVAL)
HANDED_IN = (SubmissionStatus.SUBMITTED, SubmissionStatus.REVIEWED)


@dataclass(frozen=True)
class Scope:
    """Whose registrations: an organisation's employees in a period, or given cohorts."""

    organisation_id: int | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    cohort_ids: tuple[int, ...] | None = None


def scope_cohorts(scope: Scope) -> Select[int] | tuple[int, ...] | None:
    """The cohorts a scope can reach: the given ones, or those with the organisation's
    employees; None: every cohort. Restricting to these first keeps a report's cost
    proportional to the organisation's own data, not the country's."""
    if scope.cohort_ids is not None:
        return scope.cohort_ids
    if scope.organisation_id is not None:
        return (
            select(Enrolment.cohort_id)
            .join(User, User.id == Enrolment.user_id)
            .where(User.organisation_id == scope.organisation_id)
        )
    return None


def cohort_start(
    cohorts: Select[int] | tuple[int, ...] | list[int] | None = None,
) -> Subquery:
    """Cohort id -> when it starts: its first planned session, else the sign-up opening.

    ``cohorts`` limits the rows (and the sessions aggregated) to those cohorts; without it
    every cohort of the country is aggregated, so callers always pass it.
    """
    first_query = select(
        CohortSession.cohort_id, func.min(CohortSession.starts_at).label("first_at")
    ).where(CohortSession.status == SessionStatus.SCHEDULED)
    if cohorts is not None:
        first_query = first_query.where(CohortSession.cohort_id.in_(cohorts))
    first = first_query.group_by(CohortSession.cohort_id).subquery()
    query = select(
        Cohort.id.label("cohort_id"),
        func.coalesce(first.c.first_at, Cohort.signup_opens_at).label("starts_at"),
    ).outerjoin(first, first.c.cohort_id == Cohort.id)
    if cohorts is not None:
        query = query.where(Cohort.id.in_(cohorts))
    return query.subquery()


def registrations(
    scope: Scope,
    cohorts: Select[int] | tuple[int, ...] | None,
    dept: ColumnElement[int | None] | ColumnElement[int],
) -> Select[*tuple[Any, ...]]:
    """The registrations in the programme cohorts ``cohorts`` (None: all) in scope:
    enrolment, user, cohort, ``dept`` (what the report's rows are), status, reason."""
    starts = cohort_start(cohorts)
    query = (
        select(
            Enrolment.id.label("enrolment_id"),
            Enrolment.user_id,
            Enrolment.cohort_id,
            dept.label("dept"),
            Enrolment.status,
            Enrolment.dropout_reason,
        )
        .join(User, User.id == Enrolment.user_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(starts, starts.c.cohort_id == Cohort.id)
        .where(
            Cohort.kind == CohortKind.PROGRAMME,
            Cohort.status == CohortStatus.ACTIVE,
            Enrolment.status != EnrolmentStatus.INVITED,
            Enrolment.moved_to_cohort_id.is_(None),
        )
    )
    return _in_scope(query, scope, starts)


def organisation_enrolments(organisation_id: int) -> Subquery:
    """Every enrolment of the organisation's people (any year, kind or status) with what the
    reports select on: the person's department, the cohort's kind, status and start.

    Computed once per report (a temporary table on PostgreSQL): the year's populations
    (``population``, ``manager_population``) and ``cohort_years`` read it, so no report query
    joins the country's enrolments or aggregates its sessions; each cohort's first session is
    looked up by its own index (cost: the organisation's enrolments, not the country's).
    """
    columns = (
        Enrolment.id.label("enrolment_id"),
        Enrolment.user_id,
        Enrolment.cohort_id,
        Enrolment.status,
        Enrolment.dropout_reason,
        Enrolment.moved_to_cohort_id,
    )
    people = (
        select(User.id, User.department_id)
        .where(User.organisation_id == organisation_id)
        .subquery("people")
    )
    theirs: FromClause
    if db.session.connection().dialect.name == "postgresql":
        # each person's enrolments by the index on user_id (OFFSET 0 keeps PostgreSQL from
        # turning this into a hash join over every enrolment of the country)
        theirs = (
            select(*columns)
            .where(Enrolment.user_id == people.c.id)
            .offset(literal_column("0"))
            .lateral("theirs")
        )
        joined = select(people).join(theirs, true())
    else:
        theirs = select(*columns).subquery("theirs")
        joined = select(people).join(theirs, theirs.c.user_id == people.c.id)
    mine = (
        joined.with_only_columns(
            theirs.c.enrolment_id,
            theirs.c.user_id,
            theirs.c.cohort_id,
            people.c.department_id.label("dept"),
            theirs.c.status,
            theirs.c.dropout_reason,
            theirs.c.moved_to_cohort_id,
        )
        .cte("mine")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    first = (
        select(func.min(CohortSession.starts_at))
        .where(
            CohortSession.cohort_id == Cohort.id,
            CohortSession.status == SessionStatus.SCHEDULED,
        )
        .correlate(Cohort)
        .scalar_subquery()
    )
    # one start per cohort (not per enrolment), each from the cohort's own sessions
    cohort = select(
        Cohort.id,
        Cohort.kind,
        Cohort.status,
        func.coalesce(first, Cohort.signup_opens_at).label("starts_at"),
    )
    ids = select(mine.c.cohort_id).distinct().subquery("ids")
    if db.session.connection().dialect.name == "postgresql":
        # by the cohorts' primary key, not a scan of the country's cohorts
        one = cohort.where(Cohort.id == ids.c.cohort_id).offset(literal_column("0"))
        each = one.lateral("each")
        per_cohort = select(*each.c).select_from(ids).join(each, true())
    else:
        per_cohort = cohort.where(Cohort.id.in_(select(ids.c.cohort_id)))
    starts = per_cohort.cte("starts").prefix_with("MATERIALIZED", dialect="postgresql")
    query = select(
        *mine.c,
        starts.c.kind,
        starts.c.status.label("cohort_status"),
        starts.c.starts_at,
    ).join(starts, starts.c.id == mine.c.cohort_id)
    return materialise(query, "report_enrolments")


def _from_enrolments(
    base: Subquery, scope: Scope, kinds: tuple[CohortKind, ...], statuses: Any
) -> Select[*tuple[Any, ...]]:
    """The rows of ``organisation_enrolments`` that ``registrations`` (or the managers' groups)
    would select for ``scope``: active cohorts of ``kinds``, not moved, starting in the window."""
    query = select(base).where(
        base.c.kind.in_(kinds),
        base.c.cohort_status == CohortStatus.ACTIVE,
        statuses,
        base.c.moved_to_cohort_id.is_(None),
    )
    if scope.starts_from is not None:
        query = query.where(base.c.starts_at >= scope.starts_from)
    if scope.starts_before is not None:
        query = query.where(base.c.starts_at < scope.starts_before)
    if scope.cohort_ids is not None:
        query = query.where(base.c.cohort_id.in_(scope.cohort_ids))
    return query


def population(scope: Scope, base: Subquery | None = None) -> Subquery:
    """The registrations in scope: enrolment, user, cohort, department, status, reason.

    ``base``: the organisation's ``organisation_enrolments`` (the scope's organisation), read
    instead of the enrolments of the country."""
    if base is not None and scope.organisation_id is not None:
        rows = _from_enrolments(
            base, scope, (CohortKind.PROGRAMME,), base.c.status != EnrolmentStatus.INVITED
        ).subquery()
        return select(
            rows.c.enrolment_id,
            rows.c.user_id,
            rows.c.cohort_id,
            rows.c.dept,
            rows.c.status,
            rows.c.dropout_reason,
        ).subquery()
    query = registrations(scope, scope_cohorts(scope), User.department_id.expression)
    return materialise(query, "report_population")


#: The temporary tables' definitions, made once per worker: a new Table object per report would
#: give every statement reading it a new compiled-cache key (the cache would fill with
#: statements never used again, and push out the ones that are).
_TEMPORARY = MetaData()
_TABLES: dict[tuple[str, str, int], Table] = {}
_TABLES_LOCK = threading.Lock()


def _temporary_table(connection: Any, prefix: str, query: Select[*tuple[Any, ...]]) -> Table:
    """The same Table for the same columns; numbered within a transaction so that several
    reports in one transaction never meet."""
    columns = [(column.name, column.type) for column in query.selected_columns]
    shape = hashlib.sha1(repr([(n, repr(t)) for n, t in columns]).encode()).hexdigest()[:8]
    transaction = connection.get_transaction()
    seen = connection.info.get("learnpath_report_tables")
    if seen is None or seen[0] is not transaction:
        seen = connection.info["learnpath_report_tables"] = (transaction, {})
    number = seen[1][(prefix, shape)] = seen[1].get((prefix, shape), 0) + 1
    key = (prefix, shape, number)
    with _TABLES_LOCK:
        if key not in _TABLES:
            _TABLES[key] = Table(
                f"{prefix}_{shape}_{number}",
                _TEMPORARY,
                *(Column(name, type_) for name, type_ in columns),
                prefixes=["TEMPORARY"],
                postgresql_on_commit="DROP",
            )
        return _TABLES[key]


def materialise(query: Select[*tuple[Any, ...]], prefix: str) -> Subquery:
    """Compute ``query`` once into a temporary table and return a subquery reading it.

    A report runs some twenty figure queries over the same registrations; each one joining
    enrolments, users, cohorts and session starts again would cost (and plan) that join twenty
    times. The table lives in the current transaction (ON COMMIT DROP; a report never commits
    in between); its name is numbered within the transaction, so several reports in one
    transaction never meet, and the same from one request to the next, so its statements are
    compiled once per worker (``_temporary_table``). On SQLite (development and tests), where a
    temporary table would outlive the transaction on the pooled connection, the query stays a
    plain subquery.
    """
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return query.subquery()
    table = _temporary_table(connection, prefix, query)
    table.create(connection)
    connection.execute(insert(table).from_select([c.name for c in table.columns], query))
    # the planner's row estimates of the queries that read it (a few thousand rows at most)
    connection.exec_driver_sql(f"ANALYZE {table.name}")
    return select(table).subquery()


def _in_scope(query: _Q, scope: Scope, starts: Subquery) -> _Q:
    """Restrict enrolments (joined to their user and cohort start) to the scope."""
    if scope.organisation_id is not None:
        query = query.where(User.organisation_id == scope.organisation_id)
    if scope.starts_from is not None:
        query = query.where(starts.c.starts_at >= scope.starts_from)
    if scope.starts_before is not None:
        query = query.where(starts.c.starts_at < scope.starts_before)
    if scope.cohort_ids is not None:
        query = query.where(Enrolment.cohort_id.in_(scope.cohort_ids))
    return query


def _counts(query: Select[Any]) -> Counts:
    """Rows (dept, key..., count) -> {(dept, key): count}; several keys become a tuple."""
    result: Counts = {}
    for row in db.session.execute(query).all():  # fetchall: much cheaper than row by row
        dept, *keys, count = row
        key: Hashable = keys[0] if len(keys) == 1 else tuple(keys)
        result[(dept, key)] = count
    return result


def status_counts(pop: Subquery) -> Counts:
    """(dept, status) -> registrations."""
    return _counts(
        select(pop.c.dept, pop.c.status, func.count()).group_by(pop.c.dept, pop.c.status)
    )


def people_counts(pop: Subquery) -> Counts:
    """(dept, "people") -> distinct people who registered."""
    rows = db.session.execute(
        select(pop.c.dept, func.count(func.distinct(pop.c.user_id))).group_by(pop.c.dept)
    )
    return {(dept, "people"): count for dept, count in rows}


def eligible_counts(organisation_id: int) -> dict[int | None, int]:
    """Department -> employees with the participant role (the programme's target group)."""
    # the role of each of the organisation's people by the roles' primary key: a subquery in
    # the select list is looked up per person, never joined against every role of the country
    participant = (
        select(func.count())
        .where(UserRole.user_id == User.id, UserRole.role == Role.PARTICIPANT)
        .correlate(User)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(User.department_id, func.sum(participant))
        .where(User.organisation_id == organisation_id)
        .group_by(User.department_id)
    )
    return {dept: int(count) for dept, count in rows if count}


def cohort_counts(pop: Subquery) -> tuple[Counts, Counts]:
    """(dept, cohort id) -> registrations, and -> people on the waitlist."""
    waitlisted = case((pop.c.status == EnrolmentStatus.WAITLISTED, 1), else_=0)
    rows = db.session.execute(
        select(pop.c.dept, pop.c.cohort_id, func.count(), func.sum(waitlisted)).group_by(
            pop.c.dept, pop.c.cohort_id
        )
    ).all()
    registrations: Counts = {}
    waitlist: Counts = {}
    for dept, cohort_id, count, waiting in rows:
        registrations[(dept, cohort_id)] = count
        waitlist[(dept, cohort_id)] = int(waiting or 0)
    return registrations, waitlist


@dataclass(frozen=True)
class CohortFacts:
    id: int
    name: str
    capacity: int
    #: Seats taken by anyone (any organisation).
    seated: int
    #: Of which by registrations in scope (the rest: people of other organisations).
    seated_here: int = 0


def cohort_facts(pop: Subquery) -> list[CohortFacts]:
    """The cohorts in scope with capacity and seats taken (by anyone, and in scope)."""
    in_scope = select(pop.c.cohort_id).distinct()
    seated = (
        select(Enrolment.cohort_id, func.count().label("seated"))
        .where(Enrolment.status.in_(SEATED), Enrolment.cohort_id.in_(in_scope))
        .group_by(Enrolment.cohort_id)
        .subquery()
    )
    here = (
        select(pop.c.cohort_id, func.count().label("seated"))
        .where(pop.c.status.in_(SEATED))
        .group_by(pop.c.cohort_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Cohort.id,
            Cohort.name,
            Cohort.capacity,
            func.coalesce(seated.c.seated, 0),
            func.coalesce(here.c.seated, 0),
        )
        .outerjoin(seated, seated.c.cohort_id == Cohort.id)
        .outerjoin(here, here.c.cohort_id == Cohort.id)
        .where(Cohort.id.in_(in_scope))
        .order_by(Cohort.name, Cohort.id)
    )
    return [CohortFacts(*row) for row in rows]


def attendance_counts(pop: Subquery) -> Counts:
    """(dept, (session blueprint slug, attendance status)) -> records."""
    return _counts(
        select(pop.c.dept, CohortSession.blueprint_slug, Attendance.status, func.count())
        .select_from(pop)
        .join(CohortSession, CohortSession.cohort_id == pop.c.cohort_id)
        .join(
            Attendance,
            and_(Attendance.session_id == CohortSession.id, Attendance.user_id == pop.c.user_id),
        )
        .where(pop.c.status.in_(TOOK_PART))
        .group_by(pop.c.dept, CohortSession.blueprint_slug, Attendance.status)
    )


def took_part_counts(pop: Subquery) -> dict[int | None, int]:
    """Department -> registrations of people who took part (the assignments' denominator)."""
    rows = db.session.execute(
        select(pop.c.dept, func.count()).where(pop.c.status.in_(TOOK_PART)).group_by(pop.c.dept)
    )
    return {dept: count for dept, count in rows}


def handed_in_counts(pop: Subquery) -> Counts:
    """(dept, assignment slug) -> submissions handed in by people who took part."""
    return _counts(
        select(pop.c.dept, Submission.assignment_slug, func.count())
        .select_from(pop)
        .join(Submission, Submission.enrolment_id == pop.c.enrolment_id)
        .where(pop.c.status.in_(TOOK_PART), Submission.status.in_(HANDED_IN))
        .group_by(pop.c.dept, Submission.assignment_slug)
    )


def dropout_counts(pop: Subquery) -> Counts:
    """(dept, reason or None) -> drop-outs."""
    return _counts(
        select(pop.c.dept, pop.c.dropout_reason, func.count())
        .where(pop.c.status == EnrolmentStatus.DROPPED_OUT)
        .group_by(pop.c.dept, pop.c.dropout_reason)
    )


class AssessmentPair(NamedTuple):
    dept: int | None
    start: dict[str, int]
    end: dict[str, int]


def assessment_pairs(pop: Subquery) -> list[AssessmentPair]:
    """Start and end answers of everyone in scope who completed both (one query).

    Scoring (items per competency, reverse-scored items) is content, so it happens in Python.
    The answers are read as text and decoded in one call (a call per value costs twice that).
    """
    start = SelfAssessment.__table__.alias("sa_start")
    end = SelfAssessment.__table__.alias("sa_end")
    rows = db.session.execute(
        select(
            pop.c.dept,
            cast(start.c.answers, Text).label("start_answers"),
            cast(end.c.answers, Text).label("end_answers"),
        )
        .select_from(pop)
        .join(
            start,
            and_(
                start.c.user_id == pop.c.user_id,
                start.c.cohort_id == pop.c.cohort_id,
                start.c.moment == AssessmentMoment.START,
            ),
        )
        .join(
            end,
            and_(
                end.c.user_id == pop.c.user_id,
                end.c.cohort_id == pop.c.cohort_id,
                end.c.moment == AssessmentMoment.END,
            ),
        )
    ).all()
    answers = json.loads("[" + ",".join(f"{a or 'null'},{b or 'null'}" for _, a, b in rows) + "]")
    return [
        AssessmentPair(row[0], answers[2 * i] or {}, answers[2 * i + 1] or {})
        for i, row in enumerate(rows)
    ]


@dataclass(frozen=True)
class AssessmentTriple:
    dept: int | None
    start: dict[str, int]
    end: dict[str, int]
    follow_up: dict[str, int]


def assessment_triples(pop: Subquery) -> list[AssessmentTriple]:
    """Start, end and follow-up answers of everyone in scope who completed all three."""
    aliases = [SelfAssessment.__table__.alias(f"sa_{m.value}") for m in AssessmentMoment]
    moments = dict(zip(AssessmentMoment, aliases, strict=True))
    query = select(
        pop.c.dept,
        *(moments[m].c.answers for m in (AssessmentMoment.START, AssessmentMoment.END)),
        moments[AssessmentMoment.FOLLOW_UP].c.answers,
    ).select_from(pop)
    for moment, alias in moments.items():
        query = query.join(
            alias,
            and_(
                alias.c.user_id == pop.c.user_id,
                alias.c.cohort_id == pop.c.cohort_id,
                alias.c.moment == moment,
            ),
        )
    rows: Any = db.session.execute(query)
    return [AssessmentTriple(dept, a or {}, b or {}, c or {}) for dept, a, b, c in rows]


def group_by_dept(pairs: list[AssessmentPair]) -> dict[int | None, list[AssessmentPair]]:
    result: dict[int | None, list[AssessmentPair]] = defaultdict(list)
    for pair in pairs:
        result[pair.dept].append(pair)
    return result


def cohort_years(organisation_id: int, base: Subquery | None = None) -> list[int]:
    """Calendar years (UTC) in which cohorts with the organisation's employees start
    (``base``: the organisation's ``organisation_enrolments``, made here if not given)."""
    if base is None:
        base = organisation_enrolments(organisation_id)
    row = db.session.execute(select(func.min(base.c.starts_at), func.max(base.c.starts_at))).one()
    low, high = row
    if low is None or high is None:
        return []
    return list(range(_year(low), _year(high) + 1))


def _year(value: datetime | str) -> int:
    # SQLite returns MIN/MAX over a coalesce as text.
    return value.year if isinstance(value, datetime) else int(str(value)[:4])


# --- action plans, goals and follow-up ---------------------------------------------------------


def _finalised() -> Any:
    return select(PlanVersion.id).where(PlanVersion.plan_id == ActionPlan.id).exists()


#: (dept, finalised, shared, discussed, looked back, trajectory result) -> plans.
PlanRows = list[tuple[int | None, bool, bool, bool, bool, Any, int]]


def plan_rows(pop: Subquery) -> PlanRows:
    """The action plans of the people in scope who took part, counted by the steps they
    reached and their result at follow-up: what ``plan_step_counts`` and ``result_counts``
    both tell, in one query (each plan's versions, shares and follow-up looked up once)."""
    discussed = (
        select(Conversation.id)
        .join(PlanShare, PlanShare.id == Conversation.share_id)
        .where(PlanShare.plan_id == ActionPlan.id, Conversation.discussed_at.is_not(None))
        .exists()
    )
    shared = (
        select(PlanShare.id)
        .where(PlanShare.plan_id == ActionPlan.id, PlanShare.revoked_at.is_(None))
        .exists()
    )
    plans = (
        select(
            pop.c.dept,
            _finalised().label("finalised"),
            shared.label("shared"),
            discussed.label("discussed"),
            PlanFollowUp.id.is_not(None).label("looked_back"),
            PlanFollowUp.result,
        )
        .select_from(pop)
        .join(
            ActionPlan,
            and_(ActionPlan.user_id == pop.c.user_id, ActionPlan.cohort_id == pop.c.cohort_id),
        )
        .outerjoin(PlanFollowUp, PlanFollowUp.plan_id == ActionPlan.id)
        .where(pop.c.status.in_(TOOK_PART))
        # computed once per plan, then counted (not copied into the GROUP BY)
        .offset(literal_column("0"))
        .subquery("plans")
    )
    keys = list(plans.c)
    rows: Any = db.session.execute(select(*keys, func.count()).group_by(*keys))
    return [
        (dept, bool(fin), bool(sha), bool(dis), bool(back), result, count)
        for dept, fin, sha, dis, back, result, count in rows
    ]


def plan_steps_of(rows: PlanRows) -> Counts:
    """``plan_step_counts`` from ``plan_rows``."""
    result: Counts = {}
    for dept, finalised, shared, discussed, looked_back, _result, count in rows:
        for step in ("finalised", "shared", "discussed", "followed_up"):
            result.setdefault((dept, step), 0)
        steps = {
            "finalised": finalised,
            "shared": shared,
            "discussed": discussed,
            "followed_up": finalised and looked_back,
        }
        for step, reached in steps.items():
            if reached:
                result[(dept, step)] += count
    return result


def results_of(rows: PlanRows) -> Counts:
    """``result_counts`` from ``plan_rows``."""
    result: Counts = {}
    for dept, finalised, _shared, _discussed, _looked_back, outcome, count in rows:
        if finalised:
            result[(dept, outcome)] = result.get((dept, outcome), 0) + count
    return result


def plan_step_counts(pop: Subquery) -> Counts:
    """(dept, step) -> people whose plan reached the step (finalised, shared, discussed, ...)."""
    shared = (
        select(PlanShare.id)
        .where(PlanShare.plan_id == ActionPlan.id, PlanShare.revoked_at.is_(None))
        .exists()
    )
    discussed = (
        select(Conversation.id)
        .join(PlanShare, PlanShare.id == Conversation.share_id)
        .where(PlanShare.plan_id == ActionPlan.id, Conversation.discussed_at.is_not(None))
        .exists()
    )
    # a look back is on a final version; counting it only with one keeps the figure equal to
    # the results table's "all final plans" minus "not looked back yet" (``figures``' sum)
    followed = and_(
        _finalised(), select(PlanFollowUp.id).where(PlanFollowUp.plan_id == ActionPlan.id).exists()
    )
    steps = {"finalised": _finalised(), "shared": shared, "discussed": discussed}
    steps["followed_up"] = followed
    columns = [func.sum(case((test, 1), else_=0)) for test in steps.values()]
    rows = db.session.execute(
        select(pop.c.dept, *columns)
        .select_from(pop)
        .join(
            ActionPlan,
            and_(ActionPlan.user_id == pop.c.user_id, ActionPlan.cohort_id == pop.c.cohort_id),
        )
        .where(pop.c.status.in_(TOOK_PART))
        .group_by(pop.c.dept)
    )
    result: Counts = {}
    for dept, *values in rows:
        for step, value in zip(steps, values, strict=True):
            result[(dept, step)] = int(value or 0)
    return result


class GoalFact(NamedTuple):
    dept: int | None
    user_id: int
    category: str | None
    achievement: str | None


def goal_facts(pop: Subquery) -> list[GoalFact]:
    """Every goal of a finalised plan in scope: department, person, category, achievement.

    One row per goal (at most three per person) so that cells can be protected by the number
    of people behind them, not only by the number of goals.
    """
    # the stored values as they are (no enum members made and read back for every goal)
    category, achievement = (
        type_coerce(PlanGoal.category, String),
        type_coerce(PlanGoal.achievement, String),
    )
    rows = db.session.execute(
        select(pop.c.dept, pop.c.user_id, category, achievement)
        .select_from(pop)
        .join(
            ActionPlan,
            and_(ActionPlan.user_id == pop.c.user_id, ActionPlan.cohort_id == pop.c.cohort_id),
        )
        .join(PlanGoal, PlanGoal.plan_id == ActionPlan.id)
        .where(pop.c.status.in_(TOOK_PART))
    ).all()
    return [GoalFact(*row) for row in rows]


def goal_position_counts(
    pop: Subquery, positions: int = 2
) -> dict[tuple[int, str | None, bool], int]:
    """(position, category or None, achieved) -> goals of finalised plans in scope, for the
    first ``positions`` goals of each plan (the evaluation's "goal 1" and "goal 2").

    One goal per position per plan, so each count is a count of people.
    """
    rows = db.session.execute(
        select(PlanGoal.position, PlanGoal.category, PlanGoal.achievement, func.count())
        .select_from(pop)
        .join(
            ActionPlan,
            and_(ActionPlan.user_id == pop.c.user_id, ActionPlan.cohort_id == pop.c.cohort_id),
        )
        .join(PlanGoal, PlanGoal.plan_id == ActionPlan.id)
        .where(pop.c.status.in_(TOOK_PART), PlanGoal.position < positions)
        .group_by(PlanGoal.position, PlanGoal.category, PlanGoal.achievement)
    )
    result: dict[tuple[int, str | None, bool], int] = {}
    for position, category, achievement, count in rows:
        key = (position, _value(category), achievement == Achievement.ACHIEVED)
        result[key] = result.get(key, 0) + count
    return result


def held_sessions(pop: Subquery, now: datetime) -> list[int]:
    """The sessions held (planned and begun by ``now``) of the cohorts in scope."""
    in_scope = select(pop.c.cohort_id).distinct()
    return list(
        db.session.scalars(
            select(CohortSession.id).where(CohortSession.cohort_id.in_(in_scope), _held(now))
        )
    )


@dataclass(frozen=True)
class HeldEvaluation:
    """A session held in scope: its programme and blueprint, and its evaluation's responses."""

    session_id: int
    blueprint_slug: str
    programme_slug: str | None
    responses: int


def held_evaluations(
    pop: Subquery, now: datetime, min_responses: int
) -> tuple[list[HeldEvaluation], dict[tuple[int, str, int], int]]:
    """The sessions held of the cohorts in scope with their number of responses, and the
    scale answers (session, item, score) -> answers of those with ``min_responses`` or more.

    Two queries, whatever the number of sessions, responses or answers (the evaluation
    report's count does not grow with the data).
    """
    in_scope = select(pop.c.cohort_id).distinct()
    responses = (
        select(func.count())
        .where(EvaluationReceipt.session_id == CohortSession.id)
        .correlate(CohortSession)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(CohortSession.id, CohortSession.blueprint_slug, Cohort.programme_slug, responses)
        .join(Cohort, Cohort.id == CohortSession.cohort_id)
        .where(CohortSession.cohort_id.in_(in_scope), _held(now))
    ).all()
    held = [HeldEvaluation(*row) for row in rows]
    enough = (
        select(EvaluationReceipt.session_id)
        .join(CohortSession, CohortSession.id == EvaluationReceipt.session_id)
        .where(CohortSession.cohort_id.in_(in_scope), _held(now))
        .group_by(EvaluationReceipt.session_id)
        .having(func.count() >= min_responses)
    )
    answers = db.session.execute(
        select(
            EvaluationAnswer.session_id,
            EvaluationAnswer.item_slug,
            EvaluationAnswer.score,
            func.count(),
        )
        .where(EvaluationAnswer.session_id.in_(enough), EvaluationAnswer.score.is_not(None))
        .group_by(EvaluationAnswer.session_id, EvaluationAnswer.item_slug, EvaluationAnswer.score)
    )
    tally: dict[tuple[int, str, int], int] = {}
    for sid, item, score, n in answers:
        if score is not None:
            tally[(sid, item, score)] = n
    return held, tally


def _value(member: Any) -> str | None:
    return None if member is None else str(getattr(member, "value", member))


def result_counts(pop: Subquery) -> Counts:
    """(dept, trajectory result or None) -> people with a finalised plan (None: no follow-up)."""
    return _counts(
        select(pop.c.dept, PlanFollowUp.result, func.count())
        .select_from(pop)
        .join(
            ActionPlan,
            and_(ActionPlan.user_id == pop.c.user_id, ActionPlan.cohort_id == pop.c.cohort_id),
        )
        .outerjoin(PlanFollowUp, PlanFollowUp.plan_id == ActionPlan.id)
        .where(pop.c.status.in_(TOOK_PART), _finalised())
        .group_by(pop.c.dept, PlanFollowUp.result)
    )


# --- manager tracks ------------------------------------------------------------------------------

MANAGER_KINDS = (CohortKind.WORKSHOP, CohortKind.INTERVISION)


def manager_population(scope: Scope, base: Subquery | None = None) -> Subquery:
    """Managers of the organisation taking part in workshop and intervision groups in scope
    (``base``: as in ``population``)."""
    if base is not None and scope.organisation_id is not None:
        rows = _from_enrolments(base, scope, MANAGER_KINDS, base.c.status.in_(TOOK_PART))
        rows_sub = rows.subquery()
        return select(
            rows_sub.c.user_id, rows_sub.c.cohort_id, rows_sub.c.dept, rows_sub.c.kind
        ).subquery()
    starts = cohort_start(scope_cohorts(scope))
    query = (
        select(
            Enrolment.user_id,
            Enrolment.cohort_id,
            User.department_id.label("dept"),
            Cohort.kind,
        )
        .join(User, User.id == Enrolment.user_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(starts, starts.c.cohort_id == Cohort.id)
        .where(
            Cohort.kind.in_(MANAGER_KINDS),
            Cohort.status == CohortStatus.ACTIVE,
            Enrolment.status.in_(TOOK_PART),
            Enrolment.moved_to_cohort_id.is_(None),
        )
    )
    return materialise(_in_scope(query, scope, starts), "report_managers")


def manager_people_counts(mpop: Subquery) -> Counts:
    """(dept, track kind) -> distinct managers taking part."""
    return _counts(
        select(mpop.c.dept, mpop.c.kind, func.count(func.distinct(mpop.c.user_id))).group_by(
            mpop.c.dept, mpop.c.kind
        )
    )


def _held(now: datetime) -> Any:
    return and_(
        CohortSession.status == SessionStatus.SCHEDULED,
        CohortSession.starts_at <= now,
    )


def manager_attendance_counts(mpop: Subquery, now: datetime) -> Counts:
    """(dept, (track kind, attendance status)) -> records of meetings held (counts only)."""
    return _counts(
        select(mpop.c.dept, mpop.c.kind, Attendance.status, func.count())
        .select_from(mpop)
        .join(CohortSession, CohortSession.cohort_id == mpop.c.cohort_id)
        .join(
            Attendance,
            and_(Attendance.session_id == CohortSession.id, Attendance.user_id == mpop.c.user_id),
        )
        .where(_held(now))
        .group_by(mpop.c.dept, mpop.c.kind, Attendance.status)
    )


def manager_meetings(mpop: Subquery, now: datetime) -> list[tuple[int | None, str, int]]:
    """(dept, track kind, session id) of every meeting held by a group with such a manager."""
    rows = db.session.execute(
        select(mpop.c.dept, mpop.c.kind, CohortSession.id)
        .select_from(mpop)
        .join(CohortSession, CohortSession.cohort_id == mpop.c.cohort_id)
        .where(_held(now))
        .distinct()
    )
    return [(dept, str(_value(kind)), session_id) for dept, kind, session_id in rows]


# --- the cohort overview (HR's /cohorten) --------------------------------------------------------


def cohort_start_times(cohort_ids: list[int]) -> dict[int, datetime]:
    """Cohort id -> when it starts (as in the reports), in UTC."""
    starts = cohort_start(list(cohort_ids))
    rows = db.session.execute(
        select(starts.c.cohort_id, starts.c.starts_at).where(starts.c.cohort_id.in_(cohort_ids))
    )
    return {cohort_id: _utc(value) for cohort_id, value in rows}


def _utc(value: datetime | str) -> datetime:
    # SQLite returns a coalesce of datetimes as text.
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def seat_split(
    cohort_ids: list[int], organisation_id: int, statuses: tuple[EnrolmentStatus, ...]
) -> dict[int, tuple[int, int]]:
    """Cohort id -> (enrolments in ``statuses`` of the organisation's people, of others)."""
    here = case((User.organisation_id == organisation_id, 1), else_=0)
    rows = db.session.execute(
        select(Enrolment.cohort_id, func.count(), func.sum(here))
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id.in_(cohort_ids), Enrolment.status.in_(statuses))
        .group_by(Enrolment.cohort_id)
    )
    result = {cohort_id: (0, 0) for cohort_id in cohort_ids}
    for cohort_id, count, mine in rows:
        result[cohort_id] = (int(mine or 0), count - int(mine or 0))
    return result
