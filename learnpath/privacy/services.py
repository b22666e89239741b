"""Personal data: export everything about one person, and erase it.

Both work from the metadata, not from a list of tables, because features keep adding tables:

- a row *belongs to* a person when a foreign key to ``users.id`` named ``…user_id`` holds the
  person's id (``user_id``, ``recipient_user_id``, ``subject_user_id``), and so does every row
  that refers to a row that belongs to the person through a NOT NULL foreign key (the
  submissions of an enrolment, the feedback on a submission, the versions of a plan, …).
  Other references to users (``author_id``, ``actor_id``, ``manager_id``, ``created_by_id``)
  mark what someone *did* to another person's record: those rows stay, and point to the
  pseudonymised user row afterwards;
- erasure deletes the person's rows in tables that hold nothing aggregated figures need
  (mail, feed links, platform links, colleague feedback, private notes, audit entries),
  blanks the free content of the rest (every Text and JSON column, and String columns named
  like ``email``, ``name``, ``note``, ``title``…), keeps ids, statuses, dates and categories so
  that every figure still adds up, replaces the person's name and e-mail address wherever
  else they occur in any text column (e.g. a mail to a manager), and pseudonymises the user
  row itself;
- the same clearing works on a narrower scope (learnpath.privacy.retention): the rows of one
  *trajectory* (:func:`trajectory_rows`: the person's rows that lead to one cohort, and what
  hangs off them) or a cohort's *group* rows (:func:`group_rows`); :func:`clear_rows` does the
  deleting and blanking for every scope. A new table is covered by the same rules.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, String, Table, Text, cast, delete, func, or_, select, update
from sqlalchemy import Enum as SAEnum

from learnpath.accounts.models import User
from learnpath.db import utcnow
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.privacy.models import AuditAction, AuditEvent

USERS = "users"
COHORTS = "cohorts"
#: Tables whose rows of the person are deleted: nothing aggregated is computed from them.
DELETE_TABLES = frozenset(
    {
        "outbox_messages",
        "calendar_tokens",
        "lti_user_links",
        "feedback_requests",
        "facilitator_notes",
        "audit_events",
        # Session materials go with the group's rows (retention): the files themselves too.
        "session_materials",
        "material_contents",
    }
)
#: Columns kept although they are free content: the figures need them, and after
#: pseudonymisation they are numbers on a scale without a person attached.
KEEP = frozenset({("self_assessments", "answers")})
#: String columns with these names hold personal text; others are slugs, statuses, codes.
PERSONAL_STRING = re.compile(
    r"(^|_)(email|name|ip|sub|note|notes|text|comment|title|answer|answers|summary|"
    r"description|agreements)$"
)
#: Never exported: secrets, not personal data.
SECRET = re.compile(r"(password|token|seed|secret|hash|private)")
#: Facilitators' private notes are theirs (DESIGN §6), not shown to the participant.
EXPORT_EXCLUDE = frozenset({"facilitator_notes"})
REDACTED = "[verwijderd]"
ERASED_PREFIX = "verwijderd-"
ERASED_DOMAIN = "@invalid.example"

RowKey = tuple[Any, ...]


class PrivacyError(Refusal):
    """A privacy request that cannot be carried out; the message is safe to show."""


# -- discovery --------------------------------------------------------------------------------


def _tables() -> list[Table]:
    return list(db.metadata.sorted_tables)


def _owner_columns(table: Table) -> list[Column[Any]]:
    return [
        col
        for col in table.columns
        if col.name.endswith("user_id")
        and any(fk.column.table.name == USERS and fk.column.name == "id" for fk in col.foreign_keys)
    ]


def _child_links(parent: Table) -> list[tuple[Table, Column[Any], Column[Any]]]:
    """(child table, its NOT NULL foreign key column, the parent column it refers to)."""
    links = []
    for table in _tables():
        for col in table.columns:
            for fk in col.foreign_keys:
                if fk.column.table is parent and not col.nullable and table.name != USERS:
                    links.append((table, col, fk.column))
    return links


def _pk(table: Table) -> list[Column[Any]]:
    return list(table.primary_key.columns)


def owned_rows(user_id: int) -> dict[Table, set[RowKey]]:
    """Every row that belongs to the person, by table, as primary-key tuples."""
    return _expand(_person_roots({user_id}))


def trajectory_rows(trajectories: Iterable[tuple[int, int]]) -> dict[Table, set[RowKey]]:
    """Every row that belongs to these (person, cohort) trajectories, by table.

    The same rule as :func:`owned_rows`, narrowed to rows that lead to the cohort: a row of
    the person whose table reaches ``cohorts`` (directly through a ``cohort_id``, or through
    NOT NULL foreign keys such as attendance -> session -> cohort) and whose cohort is the
    trajectory's, plus everything that hangs off those rows. Rows of the person that lead to
    no cohort (mail, platform links, audit entries) belong to the person, not to a trajectory.
    """
    pairs = set(trajectories)
    if not pairs:
        return {}
    user_ids = {user for user, _cohort in pairs}
    cohort_ids = {cohort for _user, cohort in pairs}
    roots: dict[Table, set[RowKey]] = {}
    for table in _tables():
        if table.name == USERS or not _pk(table):
            continue
        cohort = _cohort_expr(table, frozenset())
        if cohort is None:
            continue
        for owner in _owner_columns(table):
            rows = db.session.execute(
                select(*_pk(table), owner, cohort).where(
                    owner.in_(user_ids), cohort.in_(cohort_ids)
                )
            )
            keys = {tuple(row[:-2]) for row in rows if (row[-2], row[-1]) in pairs}
            if keys:
                roots.setdefault(table, set()).update(keys)
    return _expand(roots)


def group_rows(cohort_ids: Iterable[int]) -> dict[Table, set[RowKey]]:
    """The rows of cohorts that belong to the group rather than to one person.

    Everything that hangs off the cohorts through NOT NULL foreign keys (sessions, schedule
    changes, intervision meetings, …) except rows of tables that belong to a person (those
    go with that person's trajectory) and the cohort rows themselves (names and dates that
    the figures are grouped by).
    """
    cohorts = db.metadata.tables[COHORTS]
    ids = list(cohort_ids)
    if not ids:
        return {}
    found = _expand({cohorts: {(cohort_id,) for cohort_id in ids}}, skip_owned_tables=True)
    found.pop(cohorts, None)
    return found


def _person_roots(user_ids: set[int]) -> dict[Table, set[RowKey]]:
    roots: dict[Table, set[RowKey]] = {}
    for table in _tables():
        if table.name == USERS or not _pk(table):
            continue
        owners = _owner_columns(table)
        if owners:
            keys = _select_keys(table, or_(*(col.in_(user_ids) for col in owners)))
            if keys:
                roots[table] = keys
    return roots


def _expand(
    roots: dict[Table, set[RowKey]], *, skip_owned_tables: bool = False
) -> dict[Table, set[RowKey]]:
    """Add every row that refers to a found row through a NOT NULL foreign key, repeatedly."""
    owned = {table: set(keys) for table, keys in roots.items()}
    frontier = list(owned)
    while frontier:
        parent = frontier.pop()
        for child, col, target in _child_links(parent):
            if skip_owned_tables and _owner_columns(child):
                continue
            values = _column_values(parent, target, owned[parent])
            keys = _select_keys(child, col.in_(values)) - owned.get(child, set())
            if keys:
                owned.setdefault(child, set()).update(keys)
                frontier.append(child)
    return owned


def _cohort_expr(table: Table, seen: frozenset[str]) -> Any:
    """An SQL expression for the cohort a row of ``table`` belongs to, or None.

    A foreign key to ``cohorts.id`` (NOT NULL ones first: an enrolment's ``cohort_id``, not
    its ``moved_to_cohort_id``); otherwise a NOT NULL foreign key to a table that leads to a
    cohort, as a correlated subquery.
    """
    direct = [
        col
        for col in table.columns
        for fk in col.foreign_keys
        if fk.column.table.name == COHORTS and fk.column.name == "id"
    ]
    if direct:
        return sorted(direct, key=lambda col: (col.nullable, col.name != "cohort_id"))[0]
    for col in table.columns:
        if col.nullable:
            continue
        for fk in col.foreign_keys:
            parent = fk.column.table
            if parent.name in seen | {USERS, table.name} or not isinstance(parent, Table):
                continue
            inner = _cohort_expr(parent, seen | {table.name})
            if inner is not None:
                return select(inner).where(fk.column == col).scalar_subquery()
    return None


def _select_keys(table: Table, condition: Any) -> set[RowKey]:
    return {tuple(row) for row in db.session.execute(select(*_pk(table)).where(condition))}


def _column_values(table: Table, column: Column[Any], keys: set[RowKey]) -> list[Any]:
    pk = _pk(table)
    if len(pk) == 1 and pk[0] is column:
        return [key[0] for key in keys]
    rows = db.session.execute(select(column).where(_key_filter(table, keys)))
    return [value for (value,) in rows]


def _key_filter(table: Table, keys: Iterable[RowKey]) -> Any:
    pk = _pk(table)
    keys = list(keys)
    if len(pk) == 1:
        return pk[0].in_([key[0] for key in keys])
    from sqlalchemy import and_, tuple_

    if db.engine.dialect.name == "sqlite":
        return or_(*(and_(*(c == v for c, v in zip(pk, key, strict=True))) for key in keys))
    return tuple_(*pk).in_(keys)


# -- export -----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _exportable(table: Table) -> list[Column[Any]]:
    return [col for col in table.columns if not SECRET.search(col.name)]


def export_data(user: User) -> dict[str, Any]:
    """Return everything the platform holds about ``user`` as JSON-ready data."""
    users = db.metadata.tables[USERS]
    (row,) = db.session.execute(select(*_exportable(users)).where(users.c.id == user.id)).all()
    records: dict[str, list[dict[str, Any]]] = {}
    for table, keys in sorted(owned_rows(user.id).items(), key=lambda item: item[0].name):
        if table.name in EXPORT_EXCLUDE:
            continue
        columns = _exportable(table)
        rows = db.session.execute(select(*columns).where(_key_filter(table, keys)))
        records[table.name] = [
            {c.name: _plain(v) for c, v in zip(columns, r, strict=True)} for r in rows
        ]
    return {
        "exported_at": utcnow().isoformat(),
        "user": {
            **{k: _plain(v) for k, v in row._mapping.items()},
            "organisation": user.organisation.name,
            "department": user.department.name if user.department else None,
            "roles": sorted(role.value for role in user.roles),
        },
        "records": records,
    }


def export_json(user: User) -> str:
    return json.dumps(export_data(user), ensure_ascii=False, indent=2, sort_keys=True)


def record_audit(actor: User, subject_user_id: int, action: AuditAction, object_ref: str) -> None:
    """Write an audit event: ``actor`` did ``action`` to personal content of ``subject_user_id``
    (``object_ref`` e.g. "submission:12"). The one writer of the audit log."""
    db.session.add(
        AuditEvent(
            actor_id=actor.id,
            subject_user_id=subject_user_id,
            action=action,
            object_ref=object_ref[:120],
        )
    )
    db.session.flush()


def record_access(actor: User, subject: User, action: AuditAction) -> None:
    """Write an audit entry for an admin's export or erasure of someone's data."""
    record_audit(actor, subject.id, action, f"user:{subject.id}")


# -- erasure ----------------------------------------------------------------------------------


def _is_free_content(table: Table, col: Column[Any]) -> bool:
    if col.primary_key or col.foreign_keys or (table.name, col.name) in KEEP:
        return False
    if isinstance(col.type, SAEnum):
        return False
    if isinstance(col.type, JSON | Text):
        return True
    return isinstance(col.type, String) and bool(PERSONAL_STRING.search(col.name))


def _blank(col: Column[Any]) -> Any:
    if col.nullable:
        return None
    if isinstance(col.type, JSON):
        default = getattr(col.default, "arg", None)
        return [] if default is list else {}
    return ""


def _text_columns(table: Table) -> list[Column[Any]]:
    return [
        col
        for col in table.columns
        if isinstance(col.type, String | JSON) and not isinstance(col.type, SAEnum)
    ]


def erase(user: User, actor: User | None) -> None:
    """Remove or pseudonymise every personal field of ``user``; figures stay as they were.

    ``actor`` is the admin who carries out a request (recorded in the audit log), or None
    when the retention job erases an account whose trajectories are all past retention (the
    job records its counts in ``retention_runs`` instead).
    """
    if actor is not None and user.id == actor.id:
        raise PrivacyError(_l("You cannot erase your own account."))
    needles = _needles(user)
    clear_rows(owned_rows(user.id))
    _pseudonymise(user)
    for table in _tables():
        if table.name != USERS:
            _redact_everywhere(table, needles)
    db.session.flush()
    if actor is not None:
        record_access(actor, user, AuditAction.PRIVACY_ERASE)


def clear_rows(found: Mapping[Table, set[RowKey]]) -> None:
    """Delete the rows of DELETE_TABLES, blank the free content of the others.

    Used for a whole person (erasure), for one trajectory and for a group's rows (retention).
    """
    for table in reversed(_tables()):
        keys = found.get(table)
        if not keys:
            continue
        if table.name in DELETE_TABLES:
            db.session.execute(delete(table).where(_key_filter(table, keys)))
        else:
            _blank_rows(table, keys)
    db.session.flush()


def is_pseudonymised(user: User) -> bool:
    """Whether ``user`` has been erased already (by request or by retention)."""
    return user.email.startswith(ERASED_PREFIX) and user.email.endswith(ERASED_DOMAIN)


def _blank_rows(table: Table, keys: set[RowKey]) -> None:
    values = {col.name: _blank(col) for col in table.columns if _is_free_content(table, col)}
    if values:
        db.session.execute(update(table).where(_key_filter(table, keys)).values(**values))


def _pseudonymise(user: User) -> None:
    user.name = f"{REDACTED} {user.id}"
    user.email = f"{ERASED_PREFIX}{user.id}-{secrets.token_hex(4)}{ERASED_DOMAIN}"
    user.password_hash = None
    user.is_active_account = False
    user.last_login_at = None
    user.manager_id = None
    db.session.flush()


def _needles(user: User) -> list[str]:
    """The person's identifying strings; a name shorter than 4 letters is too ambiguous."""
    raw = [user.email] + ([user.name] if len(user.name.strip()) >= 4 else [])
    escaped = [json.dumps(value)[1:-1] for value in raw]
    return sorted({value.lower() for value in raw + escaped if value})


def _redact_everywhere(table: Table, needles: list[str]) -> None:
    pk = _pk(table)
    if not pk:
        return
    for col in _text_columns(table):
        found = or_(*(func.lower(cast(col, Text)).contains(n, autoescape=True) for n in needles))
        for row in db.session.execute(select(*pk, col).where(found)).all():
            *key, value = row
            cleaned = _redact(value, needles)
            if col.unique and isinstance(cleaned, str):
                cleaned = f"{cleaned}-{'-'.join(str(k) for k in key)}"
            db.session.execute(
                update(table)
                .where(*(c == v for c, v in zip(pk, key, strict=True)))
                .values({col.name: cleaned})
            )


def _redact(value: Any, needles: list[str]) -> Any:
    if isinstance(value, str):
        for needle in needles:
            value = re.sub(re.escape(needle), REDACTED, value, flags=re.IGNORECASE)
        return value
    if isinstance(value, Mapping):
        return {k: _redact(v, needles) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, needles) for v in value]
    return value
