"""Read-only queries of live sessions that other features share (a fixed number of queries).

``evaluation_results`` is what the evaluation report (reports) and the facilitator's results
page show: per session and item the number of responses, the mean and the distribution of
scale items, open answers only when asked for (the facilitator); nothing below
``MIN_RESPONSES`` responses.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from learnpath.accounts.models import User
from learnpath.cohorts.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    Enrolment,
    SessionStatus,
)
from learnpath.content.schema import EVALUATION_SCALE, Content, Text
from learnpath.content_registry import get_content
from learnpath.extensions import db
from learnpath.live.models import AbsenceNotice, EvaluationAnswer, EvaluationReceipt, SessionJoin
from learnpath.live.services import EVALUATION_OPEN_FOR, MEMBER_STATUSES, evaluation_items

#: Results are shown from this many responses to a session's evaluation.
MIN_RESPONSES = 5
#: Longest session (for the time range of a query; the exact end is checked in Python).
_LONGEST = timedelta(hours=12)


@dataclass(frozen=True)
class ItemResult:
    slug: str
    kind: str  #: "scale" or "open"
    question: Text | None  #: from content; None if content no longer has the item
    responses: int  #: answers to this item
    mean: float | None = None  #: scale items
    #: Scale point -> number of answers, every point of the scale present (scale items).
    distribution: dict[int, int] = field(default_factory=dict)
    #: The open answers in random order, only with ``include_open``.
    answers: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionEvaluation:
    session_id: int
    blueprint_slug: str
    #: Number of responses; None while below MIN_RESPONSES (then ``items`` is empty).
    responses: int | None
    items: tuple[ItemResult, ...] = ()

    @property
    def is_suppressed(self) -> bool:
        return self.responses is None


def evaluation_results(
    session_ids: Sequence[int], *, include_open: bool = False
) -> dict[int, SessionEvaluation]:
    """Per session id: its evaluation results, or a suppressed entry below MIN_RESPONSES.

    Three queries whatever the number of sessions. Open answers only with ``include_open``
    (the facilitator's page; never in reports)."""
    ids = sorted(set(session_ids))
    if not ids:
        return {}
    content = get_content()
    sessions = db.session.scalars(
        select(CohortSession)
        .where(CohortSession.id.in_(ids))
        .options(selectinload(CohortSession.cohort))
    ).all()
    counts = dict(
        db.session.execute(
            select(EvaluationReceipt.session_id, func.count())
            .where(EvaluationReceipt.session_id.in_(ids))
            .group_by(EvaluationReceipt.session_id)
        ).all()
    )
    shown = [s.id for s in sessions if counts.get(s.id, 0) >= MIN_RESPONSES]
    answers: dict[int, list[EvaluationAnswer]] = defaultdict(list)
    if shown:
        for answer in db.session.scalars(
            select(EvaluationAnswer).where(EvaluationAnswer.session_id.in_(shown))
        ):
            answers[answer.session_id].append(answer)
    result = {}
    for session in sessions:
        count = counts.get(session.id, 0)
        if count < MIN_RESPONSES:
            result[session.id] = SessionEvaluation(session.id, session.blueprint_slug, None)
            continue
        result[session.id] = SessionEvaluation(
            session.id,
            session.blueprint_slug,
            count,
            _item_results(session, content, answers[session.id], include_open),
        )
    return result


def _item_results(
    session: CohortSession,
    content: Content,
    answers: list[EvaluationAnswer],
    include_open: bool,
) -> tuple[ItemResult, ...]:
    by_item: dict[str, list[EvaluationAnswer]] = defaultdict(list)
    for answer in answers:
        by_item[answer.item_slug].append(answer)
    items = []
    for item in evaluation_items(session, content):
        rows = by_item.get(item.slug, [])
        if item.kind == "open":
            texts = [r.text for r in rows if r.text]
            random.shuffle(texts)
            items.append(
                ItemResult(
                    item.slug,
                    item.kind,
                    item.question,
                    len(texts),
                    answers=tuple(texts) if include_open else (),
                )
            )
            continue
        scores = [r.score for r in rows if r.score is not None]
        tally = Counter(scores)
        items.append(
            ItemResult(
                item.slug,
                item.kind,
                item.question,
                len(scores),
                mean=round(sum(scores) / len(scores), 1) if scores else None,
                distribution={point: tally.get(point, 0) for point in EVALUATION_SCALE},
            )
        )
    return tuple(items)


@dataclass(frozen=True)
class AttendanceHints:
    """What the attendance form is pre-filled from: joins and "ik kan niet komen"."""

    joined: dict[int, datetime]
    absent: dict[int, AbsenceNotice]


def attendance_hints(session_id: int) -> AttendanceHints:
    joined = dict(
        db.session.execute(
            select(SessionJoin.user_id, SessionJoin.joined_at).where(
                SessionJoin.session_id == session_id
            )
        ).all()
    )
    absent = {
        n.user_id: n
        for n in db.session.scalars(
            select(AbsenceNotice).where(AbsenceNotice.session_id == session_id)
        )
    }
    return AttendanceHints(joined, absent)


def absence_noted(user_id: int, session_id: int) -> bool:
    return (
        db.session.scalar(
            select(AbsenceNotice.id).where(
                AbsenceNotice.session_id == session_id, AbsenceNotice.user_id == user_id
            )
        )
        is not None
    )


def open_evaluations(user: User, now: datetime) -> list[CohortSession]:
    """Sessions of the user's groups whose evaluation is open to them now and not answered:
    ended in the last 7 days, attended (joined, or confirmed present), with items in content.
    One query, whatever the user has attended, joined or answered."""
    content = get_content()
    mark = (
        select(Attendance.status)
        .where(Attendance.user_id == user.id, Attendance.session_id == CohortSession.id)
        .correlate(CohortSession)
        .scalar_subquery()
    )
    joined = (
        select(SessionJoin.session_id)
        .where(SessionJoin.user_id == user.id, SessionJoin.session_id == CohortSession.id)
        .correlate(CohortSession)
        .exists()
    )
    answered = (
        select(EvaluationReceipt.session_id)
        .where(
            EvaluationReceipt.user_id == user.id,
            EvaluationReceipt.session_id == CohortSession.id,
        )
        .correlate(CohortSession)
        .exists()
    )
    rows = db.session.execute(
        select(CohortSession, mark.label("mark"), joined.label("joined"))
        .join(Enrolment, Enrolment.cohort_id == CohortSession.cohort_id)
        .where(
            Enrolment.user_id == user.id,
            Enrolment.status.in_(MEMBER_STATUSES),
            CohortSession.status == SessionStatus.SCHEDULED,
            CohortSession.starts_at <= now,
            CohortSession.starts_at >= now - EVALUATION_OPEN_FOR - _LONGEST,
            ~answered,
        )
        .options(joinedload(CohortSession.cohort).joinedload(Cohort.organisation))
        .order_by(CohortSession.starts_at)
    ).all()
    return [
        s
        for s, status, was_there in rows
        if s.ends_at <= now < s.ends_at + EVALUATION_OPEN_FOR
        and (status == AttendanceStatus.PRESENT if status is not None else was_there)
        and evaluation_items(s, content)
    ]
