"""Prepared values for cohort pages (templates only display)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import noload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from learnpath.accounts.models import User
from learnpath.cohorts.models import (
    SEAT_STATUSES,
    Cohort,
    CohortAction,
    CohortChange,
    CohortSession,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
)
from learnpath.extensions import db


@dataclass
class Roster:
    seated: list[Enrolment] = field(default_factory=list)
    waitlist: list[Enrolment] = field(default_factory=list)
    invited: list[Enrolment] = field(default_factory=list)
    ended: list[Enrolment] = field(default_factory=list)


def roster(cohort: Cohort) -> Roster:
    """All enrolments of a cohort in one query, grouped for display."""
    rows = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id)
        .options(selectinload(Enrolment.user).selectinload(User.department))
    ).all()
    result = Roster()
    for e in rows:
        if e.status in SEAT_STATUSES:
            result.seated.append(e)
        elif e.status == EnrolmentStatus.WAITLISTED:
            result.waitlist.append(e)
        elif e.status == EnrolmentStatus.INVITED:
            result.invited.append(e)
        else:
            result.ended.append(e)
    result.seated.sort(key=lambda e: e.user.name)
    result.waitlist.sort(key=lambda e: (e.waitlist_rank or 0, e.id))
    result.invited.sort(key=lambda e: e.user.name)
    result.ended.sort(key=lambda e: e.ended_at or e.updated_at, reverse=True)
    return result


@dataclass
class HistoryRow:
    change: CohortChange
    #: What happened, in the reader's language (the stored value if it is no longer known).
    label: str
    text: str


def _values(change: CohortChange) -> dict[str, Any]:
    try:
        values = json.loads(change.detail or "{}")
    except ValueError:
        return {}
    return values if isinstance(values, dict) else {}


def _dropout_label(value: object) -> str:
    try:
        return str(DropoutReason(str(value)).label)
    except ValueError:
        return str(value)


def _withdrawn_how(v: dict[str, Any]) -> str:
    """How a withdrawal came about: the reason, else the place the person left."""
    reasons = {
        "account_deactivated": lambda: _("account deactivated"),
        "declined_by_manager": lambda: _("sign-up declined by the manager"),
    }
    left = {
        EnrolmentStatus.WAITLISTED.value: lambda: _("left the waitlist"),
        EnrolmentStatus.INVITED.value: lambda: _("declined the invitation"),
        EnrolmentStatus.OFFERED.value: lambda: _("declined the offered place"),
        EnrolmentStatus.PENDING_APPROVAL.value: lambda: _("withdrew the sign-up"),
    }
    text = reasons.get(str(v.get("reason"))) or left.get(str(v.get("was")))
    return str(text()) if text else _("gave up the place")


def _promoted_to(v: dict[str, Any]) -> str:
    if v.get("status") == EnrolmentStatus.OFFERED.value:
        return _("place offered, to confirm before %(when)s", when=_when(v.get("deadline")))
    if v.get("status") == EnrolmentStatus.PENDING_APPROVAL.value:
        return _("place reserved, waiting for the manager's approval")
    return _("has a place")


def _when(iso: str | None) -> str:
    return format_datetime(datetime.fromisoformat(iso), "EEE d MMM y, HH:mm") if iso else ""


def _describe(
    action: str, v: dict[str, Any], names: dict[int, str], cohorts: dict[int, str]
) -> str:
    person = names.get(v.get("enrolment", 0), "")
    texts: dict[str, Callable[[], object]] = {
        CohortAction.CREATED: lambda: _("%(n)s places", n=v.get("capacity")),
        CohortAction.CAPACITY: lambda: _(
            "%(old)s → %(new)s places", old=v.get("old"), new=v.get("new")
        ),
        CohortAction.SCHEDULED: lambda: _(
            "%(when)s, %(n)s minutes", when=_when(v.get("start")), n=v.get("minutes")
        ),
        CohortAction.RESCHEDULED: lambda: _(
            "%(old)s → %(new)s, %(n)s minutes",
            old=_when(v.get("old_start")),
            new=_when(v.get("start")),
            n=v.get("minutes"),
        ),
        CohortAction.SESSION_CANCELLED: lambda: _(
            "was planned for %(when)s", when=_when(v.get("start"))
        ),
        CohortAction.REPLACED: lambda: _(
            "cancelled %(old)s → %(new)s, %(n)s minutes",
            old=_when(v.get("old_start")),
            new=_when(v.get("start")),
            n=v.get("minutes"),
        ),
        CohortAction.COHORT_CANCELLED: lambda: _("%(n)s sessions cancelled", n=v.get("count")),
        CohortAction.REMOVED: lambda: f"{person} ({_dropout_label(v.get('reason'))})",
        CohortAction.MOVED_OUT: lambda: f"{person} → {cohorts.get(v.get('other_cohort', 0), '')}",
        CohortAction.MOVED_IN: lambda: f"{person} ← {cohorts.get(v.get('other_cohort', 0), '')}",
        CohortAction.COMPLETED: lambda: _("%(n)s participants", n=v.get("count")),
        CohortAction.WITHDRAWN: lambda: f"{person} ({_withdrawn_how(v)})",
        CohortAction.PROMOTED: lambda: f"{person} ({_promoted_to(v)})",
        CohortAction.OFFER_EXPIRED: lambda: _(
            "%(name)s did not confirm the offered place before %(when)s",
            name=person,
            when=_when(v.get("deadline")),
        ),
    }
    text = texts.get(action)
    return str(text()) if text else ""


def _action_label(action: str) -> str:
    try:
        return str(CohortAction(action).label)
    except ValueError:
        return action


def history(cohort: Cohort, sessions: Sequence[CohortSession] | None = None) -> list[HistoryRow]:
    """The cohort's change history, newest first, described in the reader's language and zone.
    ``sessions``: the cohort's sessions when the caller already read them (the cohort page),
    so that they are not read a second time for the changes that name one."""
    if sessions is None:
        session_option = selectinload(CohortChange.session)
    else:
        session_option = noload(CohortChange.session)
    changes = db.session.scalars(
        select(CohortChange)
        .where(CohortChange.cohort_id == cohort.id)
        .options(selectinload(CohortChange.actor), session_option)
        .order_by(CohortChange.created_at.desc(), CohortChange.id.desc())
    ).all()
    if sessions is not None:
        known = {s.id: s for s in sessions}
        missing = {c.session_id for c in changes if c.session_id is not None} - known.keys()
        if missing:  # not expected (a change names a session of its own cohort): one query
            known.update(
                (s.id, s)
                for s in db.session.scalars(
                    select(CohortSession).where(CohortSession.id.in_(missing))
                )
            )
        for c in changes:
            set_committed_value(
                c, "session", None if c.session_id is None else known.get(c.session_id)
            )
    values = {c.id: _values(c) for c in changes}
    enrolment_ids = {v["enrolment"] for v in values.values() if "enrolment" in v}
    cohort_ids = {v["other_cohort"] for v in values.values() if "other_cohort" in v}
    names = (
        dict(
            db.session.execute(
                select(Enrolment.id, User.name)
                .join(User, Enrolment.user_id == User.id)
                .where(Enrolment.id.in_(enrolment_ids))
            ).all()
        )
        if enrolment_ids
        else {}
    )
    cohort_names = (
        dict(
            db.session.execute(
                select(Cohort.id, Cohort.name).where(Cohort.id.in_(cohort_ids))
            ).all()
        )
        if cohort_ids
        else {}
    )
    return [
        HistoryRow(
            c, _action_label(c.action), _describe(c.action, values[c.id], names, cohort_names)
        )
        for c in changes
    ]


def sessions_by_cohort(cohort_ids: list[int]) -> dict[int, list[CohortSession]]:
    result: dict[int, list[CohortSession]] = defaultdict(list)
    if not cohort_ids:
        return result
    for s in db.session.scalars(
        select(CohortSession)
        .where(CohortSession.cohort_id.in_(cohort_ids))
        .options(selectinload(CohortSession.cohort))
        .order_by(CohortSession.position)
    ):
        result[s.cohort_id].append(s)
    return result


def seat_counts(cohort_ids: list[int]) -> dict[int, tuple[int, int]]:
    """cohort id -> (seats taken, waitlist length), in one query."""
    from sqlalchemy import func

    counts: dict[int, tuple[int, int]] = {cid: (0, 0) for cid in cohort_ids}
    if not cohort_ids:
        return counts
    rows = db.session.execute(
        select(Enrolment.cohort_id, Enrolment.status, func.count())
        .where(Enrolment.cohort_id.in_(cohort_ids))
        .group_by(Enrolment.cohort_id, Enrolment.status)
    )
    for cohort_id, status, n in rows:
        seats, waiting = counts[cohort_id]
        if status in SEAT_STATUSES:
            seats += n
        elif status == EnrolmentStatus.WAITLISTED:
            waiting += n
        counts[cohort_id] = (seats, waiting)
    return counts


def local_input_value(value: datetime, zone: str) -> datetime:
    """A UTC datetime as naive local wall-clock time, for datetime-local inputs."""
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
