"""Which organisations' report data a commit changed, and a version of each organisation's.

An HR report reads the organisation's people and everything of theirs: registrations,
attendance, hand-ins, self-assessments, plans, evaluations, opportunities taken, and the
cohorts and sessions they are in. After a commit that wrote any of those rows, the counter of
every organisation whose people the rows belong to is raised (``report_versions``). A report
computed while the counters of its organisation and of the row 0 (``EVERY_ORGANISATION``) held
a value may be shown again while they still do (learnpath.reports.services).

What a commit wrote is found in two places:

* the flush: every new, changed and deleted object is looked up in ``RULES`` by its table
  (its ``user_id``, ``plan_id``, ``cohort_id`` … names whose people);
* any other INSERT, UPDATE or DELETE run in the session (bulk statements, the sign-up's one
  statement): by its table and, where the statement names it, its ``user_id``.

A table that has no rule and is not listed in ``UNRELATED`` raises the row 0, which is part of
every organisation's version: a new table is safe before anyone thinks of it, merely less
efficient. The counters are raised after the commit (in a transaction of their own), so a
report that read the version first can only have read the data of that version or newer; a
process that dies between the two leaves the data newer than its version, which the reports'
maximum age (``services.REPORT_MAX_AGE``) bounds.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import has_app_context
from sqlalchemy import Connection, Engine, event, inspect, select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction
from sqlalchemy.orm.attributes import NO_VALUE
from sqlalchemy.orm.util import identity_key

from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.reports.models import EVERY_ORGANISATION, ReportVersion

#: Tables no report reads (sign-in, delivery, audit, integrations, notes, materials …).
UNRELATED = frozenset(
    {
        "absence_notices",
        "audit_events",
        "calendar_tokens",
        "career_conversation_proposals",
        "cohort_deadlines",
        "cohort_invitations",
        "cohort_message_recipients",
        "cohort_messages",
        "cohort_quotas",
        "cohort_templates",
        "deadline_extensions",
        "ended_sessions",
        "erasure_requests",
        "facilitator_notes",
        "feedback_requests",
        "intervision_roles",
        "intervision_waivers",
        "intervision_meetings",
        "login_failures",
        "lti_deployments",
        "lti_launch_values",
        "lti_login_starts",
        "lti_registrations",
        "lti_resource_links",
        "lti_score_posts",
        "lti_tool_keys",
        "lti_user_links",
        "material_contents",
        "meeting_rooms",
        "mfa_failures",
        "network_coordinators",
        "networks",
        "oidc_identities",
        "oidc_login_starts",
        "oidc_pending_logins",
        "oidc_providers",
        "organisation_email_domains",
        "outbox_messages",
        "password_reset_requests",
        "recovery_codes",
        "reminder_items",
        "report_snapshots",
        "report_versions",
        "retention_runs",
        "room_settings",
        "schedule_changes",
        "scheduler_leases",
        "scim_identities",
        "scim_tokens",
        "self_assessment_shares",
        "session_joins",
        "session_materials",
        "signup_requests",
        "submission_feedback",
        "totp_credentials",
    }
)

#: table -> (what its column names, the column): whose people a row of the table belongs to.
RULES: Mapping[str, tuple[str, str]] = {
    "organisations": ("organisation", "id"),
    "departments": ("organisation", "organisation_id"),
    "users": ("organisation", "organisation_id"),
    "user_roles": ("user", "user_id"),
    "enrolments": ("user", "user_id"),
    "attendance": ("user", "user_id"),
    "submissions": ("user", "user_id"),
    "self_assessments": ("user", "user_id"),
    "action_plans": ("user", "user_id"),
    "opportunity_responses": ("user", "user_id"),
    "evaluation_receipts": ("user", "user_id"),
    "action_plan_versions": ("plan", "plan_id"),
    "action_plan_goals": ("plan", "plan_id"),
    "action_plan_follow_ups": ("plan", "plan_id"),
    "action_plan_shares": ("plan", "plan_id"),
    "career_conversations": ("share", "share_id"),
    "cohorts": ("cohort", "id"),
    "cohort_sessions": ("cohort", "cohort_id"),
    "evaluation_answers": ("session", "session_id"),
    "opportunities": ("opportunity", "id"),
}

#: table -> the only columns the reports read of it: a change to others (a person's last
#: sign-in, session epoch, password, reminder settings) is no change to report data.
#: (An assignment's or plan's draft saved again changes none of them.)
READ_COLUMNS: Mapping[str, frozenset[str]] = {
    "users": frozenset({"organisation_id", "department_id", "is_active_account"}),
    "submissions": frozenset({"status", "assignment_slug", "enrolment_id", "user_id", "cohort_id"}),
    "action_plans": frozenset({"user_id", "cohort_id"}),
}

_PENDING = "learnpath.report_changes"
_COMMITTED = "learnpath.report_changes_committed"
_DELAYED: weakref.WeakKeyDictionary[Engine, _Deferred] = weakref.WeakKeyDictionary()
log = logging.getLogger(__name__)
_DML = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@dataclass
class Changes:
    """What one session's transaction changed, by kind of key (see ``RULES``)."""

    keys: dict[str, set[int]] = field(default_factory=dict)
    everyone: bool = False
    #: The session's identity map: a person it holds names their organisation (no query).
    known: Any = field(default=None, repr=False, compare=False)

    def add(self, kind: str, value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            self.everyone = True  # not known (not loaded, not set): every organisation
            return
        if kind == "user" and self.known is not None:
            from learnpath.accounts.models import User

            person = self.known.get(identity_key(User, value))
            organisation = None if person is None else vars(person).get("organisation_id")
            if isinstance(organisation, int):
                kind, value = "organisation", organisation
        self.keys.setdefault(kind, set()).add(value)

    def __bool__(self) -> bool:
        return self.everyone or any(self.keys.values())

    def merge(self, other: Changes) -> None:
        self.everyone = self.everyone or other.everyone
        for kind, values in other.keys.items():
            self.keys.setdefault(kind, set()).update(values)


def _changes(session: Session) -> Changes:
    changes = session.info.get(_PENDING)
    if changes is None:
        changes = session.info[_PENDING] = Changes(known=session.identity_map)
    return changes


# --- what the flush writes ----------------------------------------------------------------------


def _loaded(instance: Any, column: str) -> list[Any]:
    """The instance's value of the attribute mapped to ``column`` and, when it changed, the
    value before (a person moved to another organisation changes both)."""
    state = inspect(instance)
    prop = state.mapper.get_property_by_column(state.mapper.local_table.c[column])
    attr = state.attrs[prop.key]
    values = [attr.loaded_value]
    values += [v for v in attr.history.deleted or () if v is not None]
    return [None if v is NO_VALUE else v for v in values]


def _read_columns_changed(instance: Any, columns: frozenset[str]) -> bool:
    state = inspect(instance)
    table = state.mapper.local_table
    for column in columns:
        prop = state.mapper.get_property_by_column(table.c[column])
        if state.attrs[prop.key].history.has_changes():
            return True
    return False


def note_instance(changes: Changes, instance: Any, *, changed: bool = False) -> None:
    """Note a new or deleted row, or (``changed``) a changed one."""
    table = inspect(instance).mapper.local_table.name
    if table in UNRELATED:
        return
    columns = READ_COLUMNS.get(table)
    if changed and columns is not None and not _read_columns_changed(instance, columns):
        return
    rule = RULES.get(table)
    if rule is None:
        changes.everyone = True
        return
    kind, column = rule
    for value in _loaded(instance, column):
        changes.add(kind, value)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush: UOWTransaction) -> None:
    """After the flush's statements (foreign keys set, new rows' ids known); the session still
    lists what was new, changed and deleted."""
    changes = _changes(session)
    for instance in session.new:
        note_instance(changes, instance)
    for instance in session.deleted:
        note_instance(changes, instance)
    for instance in session.dirty:
        if session.is_modified(instance, include_collections=False):
            note_instance(changes, instance, changed=True)


# --- what other statements write ----------------------------------------------------------------


def _table_of(statement: str, context: Any) -> str | None:
    """The table an INSERT, UPDATE or DELETE writes: from its construct, else its text."""
    construct = getattr(getattr(context, "compiled", None), "statement", None)
    element = getattr(construct, "element", construct)  # select(...).from_statement(insert)
    name = getattr(getattr(element, "table", None), "name", None)
    if isinstance(name, str):
        return name
    match = _DML.match(statement)
    return match.group(1).lower() if match else None


def note_statement(changes: Changes, table: str | None, parameters: Any) -> None:
    """An INSERT, UPDATE or DELETE that is not the flush's: by its table and ``user_id``."""
    if table is None:  # a write whose table is not known (WITH … INSERT as text)
        changes.everyone = True
        return
    if table in UNRELATED or table not in db.metadata.tables:  # (a temporary table)
        return
    rule = RULES.get(table)
    if rule is not None and rule[0] == "user" and isinstance(parameters, Mapping):
        for name in ("user_id", "lp_user_id"):
            if isinstance(parameters.get(name), int):
                changes.add("user", parameters[name])
                return
    changes.everyone = True


def listen(engine: Any, delay: float = 0.0) -> None:
    """Note the statements the app's session runs on ``engine`` outside its flushes; raise
    the counters ``delay`` seconds after a commit (0: right after it), together with
    those of the other commits of this process in that time."""
    if delay > 0:
        _DELAYED[engine] = _Deferred(engine, delay)

    @event.listens_for(engine, "before_cursor_execute")
    def _executing(
        _conn: Connection, _cursor: Any, statement: str, parameters: Any, context: Any, _many: bool
    ) -> None:
        flagged = context is not None and (context.isinsert or context.isupdate or context.isdelete)
        if not (flagged or _DML.match(statement)) or not has_app_context():
            return
        table = _table_of(statement, context)
        if table in UNRELATED:  # (also the counters' and snapshots' own writes, after a session)
            return
        session = db.session()
        if session._flushing:  # the flush's own statements: noted by their objects
            return
        named = getattr(context, "compiled_parameters", None) or []
        note_statement(_changes(session), table, named[0] if len(named) == 1 else parameters)


# --- after the commit: raise the counters -------------------------------------------------------


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint's: the transaction goes on
        return
    changes = session.info.pop(_PENDING, None)
    if changes:
        session.info[_COMMITTED] = changes


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    """After the commit, once the session gave back its connection (raising in the commit's
    own hook would hold a second connection while the first is still out)."""
    if transaction.parent is not None:
        return
    changes = session.info.pop(_COMMITTED, None)
    if not changes:
        return
    engine: Engine = session.get_bind().engine
    deferred = _DELAYED.get(engine)
    if deferred is not None:
        deferred.add(changes)
        return
    try:
        _raise_now(engine, changes)
    except Exception:  # the commit stands; its reports are at most REPORT_MAX_AGE behind
        log.exception("could not raise the report versions")


def _raise_now(engine: Engine, changes: Changes) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # not waited for on disk: a counter lost in a crash is bounded by the reports'
            # maximum age, and the commit it follows has waited already
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        raise_versions(connection, changes)


class _Deferred:
    """The changes of a process's commits, raised together by a thread of the process at
    most ``delay`` seconds after the first of them: a rush of sign-ups of one organisation
    raises its counter a few times, not once per sign-up, and no request waits for it. A
    report shown in between is at most ``delay`` seconds behind; a process that ends leaves
    at most that much unraised (``atexit``), bounded by the reports' maximum age."""

    def __init__(self, engine: Engine, delay: float) -> None:
        self.engine, self.delay = engine, delay
        self.lock = threading.Lock()
        self.pending: Changes | None = None
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.pid = 0
        atexit.register(self.flush)

    def add(self, changes: Changes) -> None:
        with self.lock:
            if self.pending is None:
                self.pending = Changes()
            self.pending.merge(changes)
            if self.thread is None or not self.thread.is_alive() or self.pid != os.getpid():
                # (a forked worker has no thread of its parent's)
                self.pid = os.getpid()
                self.wake = threading.Event()
                self.thread = threading.Thread(
                    target=self._run, name="report-versions", daemon=True
                )
                self.thread.start()
        self.wake.set()

    def _run(self) -> None:
        while True:
            self.wake.wait()
            time.sleep(self.delay)
            self.wake.clear()
            self.flush()

    def flush(self) -> None:
        with self.lock:
            changes, self.pending = self.pending, None
        if not changes:
            return
        try:
            _raise_now(self.engine, changes)
        except Exception:  # the next commit's raise includes these again
            log.exception("could not raise the report versions")
            with self.lock:
                if self.pending is None:
                    self.pending = Changes()
                self.pending.merge(changes)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    if not session.in_nested_transaction():  # what the whole transaction wrote is gone
        session.info.pop(_PENDING, None)


def _organisations(changes: Changes) -> Any:
    """A SELECT of the organisations whose people the changed rows belong to."""
    from learnpath.accounts.models import User
    from learnpath.action_plans.models import ActionPlan, PlanShare
    from learnpath.cohorts.models import CohortSession, Enrolment

    def owners_of(plans: Any) -> Any:
        return (
            select(User.organisation_id)
            .join(ActionPlan, ActionPlan.user_id == User.id)
            .where(ActionPlan.id.in_(plans))
        )

    def people_in(cohorts: Any) -> Any:
        return (
            select(User.organisation_id)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.cohort_id.in_(cohorts))
        )

    keys = {kind: sorted(values) for kind, values in changes.keys.items() if values}
    parts: list[Any] = []
    if "user" in keys:
        parts.append(select(User.organisation_id).where(User.id.in_(keys["user"])))
    if "share" in keys:
        parts.append(owners_of(select(PlanShare.plan_id).where(PlanShare.id.in_(keys["share"]))))
    if "plan" in keys:
        parts.append(owners_of(keys["plan"]))
    if "opportunity" in keys:
        from learnpath.opportunities.models import OpportunityResponse

        parts.append(
            select(User.organisation_id)
            .join(OpportunityResponse, OpportunityResponse.user_id == User.id)
            .where(OpportunityResponse.opportunity_id.in_(keys["opportunity"]))
        )
    if "session" in keys:
        sessions = select(CohortSession.cohort_id).where(CohortSession.id.in_(keys["session"]))
        parts.append(people_in(sessions))
    if "cohort" in keys:
        parts.append(people_in(keys["cohort"]))
    return union(*parts) if len(parts) > 1 else (parts[0] if parts else None)


def raise_versions(connection: Connection, changes: Changes) -> None:
    """Raise the counters of the organisations ``changes`` names (one statement to find them,
    one to raise them); of the row 0 when it names every organisation."""
    ids: set[int] = set(changes.keys.get("organisation", ()))
    if changes.everyone:
        ids = {EVERY_ORGANISATION}
    else:
        found = _organisations(changes)
        if found is not None:
            ids |= {row[0] for row in connection.execute(found) if row[0] is not None}
    if ids:
        bump(connection, ids)


_UPSERTS: dict[str, Any] = {}


def bump(connection: Connection, organisation_ids: Iterable[int]) -> None:
    """Raise the counters of ``organisation_ids`` by one (a missing counter becomes 1); in
    ascending order, so two commits raising the same counters cannot deadlock. Their report
    snapshots not yet marked are marked as behind from now (learnpath.reports.snapshots)."""
    statement = _UPSERTS.get(connection.dialect.name)
    if statement is None:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        table = ReportVersion.__table__
        statement = _UPSERTS[connection.dialect.name] = dialect.insert(table).on_conflict_do_update(
            index_elements=[table.c.organisation_id], set_={"version": table.c.version + 1}
        )
    ids = sorted(set(organisation_ids))
    connection.execute(statement, [{"organisation_id": i, "version": 1} for i in ids])
    from learnpath.reports.snapshots import mark_stale

    mark_stale(connection, ids, utcnow())


def uncommitted(session: Session) -> bool:
    """Whether the session's transaction wrote report data not committed yet (a report it
    computes now must not be kept: nobody else sees those rows, and no counter was raised)."""
    return bool(session.info.get(_PENDING))


def version_of(organisation_id: int) -> tuple[int, int]:
    """The organisation's counter and the row 0's, in the current session (one query; it
    flushes the session first, so ``uncommitted`` afterwards knows all it wrote)."""
    rows = db.session.execute(
        select(ReportVersion.organisation_id, ReportVersion.version).where(
            ReportVersion.organisation_id.in_((EVERY_ORGANISATION, organisation_id))
        )
    )
    found: dict[int, int] = {org: version for org, version in rows}
    return found.get(organisation_id, 0), found.get(EVERY_ORGANISATION, 0)
