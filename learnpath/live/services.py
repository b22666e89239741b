"""The rules of live sessions: who may use the room and when, recording a join, "ik kan niet
komen", and answering a session's evaluation anonymously. Flush, never commit."""

from __future__ import annotations

import enum
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from learnpath.accounts.models import User
from learnpath.cohorts.join import join_window
from learnpath.cohorts.models import (
    Attendance,
    AttendanceStatus,
    CohortKind,
    CohortSession,
    Enrolment,
    EnrolmentStatus,
)
from learnpath.cohorts.services import can_manage
from learnpath.content.schema import EVALUATION_SCALE, Content, EvaluationItem
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.live.models import (
    AbsenceNotice,
    AbsenceReason,
    EvaluationAnswer,
    EvaluationReceipt,
    SessionJoin,
    random_id,
)
from learnpath.notifications.services import queue_message
from learnpath.web.urls import external_url

#: How long after a session ends its evaluation stays open.
EVALUATION_OPEN_FOR = timedelta(days=7)
#: Longest open answer.
MAX_OPEN_ANSWER = 2000
#: Enrolment statuses of people who were in the group for a past session.
MEMBER_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)

_ABSENCE_SALT = "live-absence-notice"


class LiveError(Refusal):
    """A live-session rule said no."""


# --- the room -----------------------------------------------------------------------------


class RoomAccess(enum.StrEnum):
    OPEN = "open"  #: in the window, with a seat: to the room (the join is recorded)
    FACILITATOR = "facilitator"  #: the group's facilitator: to the room at any time
    NOT_YET = "not_yet"
    ENDED = "ended"
    CANCELLED = "cancelled"
    NO_SEAT = "no_seat"


@dataclass(frozen=True)
class RoomDecision:
    access: RoomAccess
    opens_at: datetime
    closes_at: datetime

    @property
    def goes_to_room(self) -> bool:
        return self.access in (RoomAccess.OPEN, RoomAccess.FACILITATOR)


def member_enrolment(user: User, session: CohortSession) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.cohort_id == session.cohort_id, Enrolment.user_id == user.id
        )
    )


def room_decision(user: User, session: CohortSession, now: datetime) -> RoomDecision:
    """Whether the learnpath join URL sends ``user`` to the room now, or explains why not."""
    window = join_window(session)

    def decide(access: RoomAccess) -> RoomDecision:
        return RoomDecision(access, window.opens_at, window.closes_at)

    if can_manage(user, session.cohort):
        return decide(RoomAccess.FACILITATOR)
    enrolment = member_enrolment(user, session)
    if enrolment is None or enrolment.status != EnrolmentStatus.ENROLLED:
        return decide(RoomAccess.NO_SEAT)
    if session.is_cancelled:
        return decide(RoomAccess.CANCELLED)
    if window.has_closed(now):
        return decide(RoomAccess.ENDED)
    if not window.is_open(now):
        return decide(RoomAccess.NOT_YET)
    return decide(RoomAccess.OPEN)


def _insert_ignoring_duplicates(model: type, **values: object) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on PostgreSQL and SQLite: a racing twin is a no-op."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(model).values(**values).on_conflict_do_nothing())


def record_join(session: CohortSession, user: User, now: datetime) -> None:
    """Record that ``user`` clicked "Deelnemen" in the window: once per person and session."""
    _insert_ignoring_duplicates(SessionJoin, session_id=session.id, user_id=user.id, joined_at=now)


# --- "ik kan niet komen" --------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_ABSENCE_SALT)


def absence_token(session_id: int, user_id: int) -> str:
    return _serializer().dumps([session_id, user_id])


def read_absence_token(token: str) -> tuple[int, int] | None:
    """(session id, user id) of a genuine token, else None."""
    try:
        value = _serializer().loads(token)
    except BadData:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return None
    return value[0], value[1]


def absence_url(session: CohortSession, user: User) -> str:
    """The one-click link of the reminder mail (for this person and session only)."""
    return external_url(
        "live.cannot_come_link",
        session_id=session.id,
        token=absence_token(session.id, user.id),
    )


def check_may_send_absence(session: CohortSession, user: User, now: datetime) -> None:
    """Refuse unless ``user`` has a seat and the session is still to start."""
    enrolment = member_enrolment(user, session)
    if enrolment is None or enrolment.status != EnrolmentStatus.ENROLLED:
        raise LiveError(_l("Only participants with a place can say they cannot come."))
    if session.is_cancelled:
        raise LiveError(_l("This session has been cancelled."))
    if session.starts_at <= now:
        raise LiveError(_l("The session has already started; tell the facilitator directly."))
    notice = db.session.scalar(
        select(AbsenceNotice.id).where(
            AbsenceNotice.session_id == session.id, AbsenceNotice.user_id == user.id
        )
    )
    if notice is not None:
        raise LiveError(_l("You have already said that you cannot come to this session."))


def say_cannot_come(
    session: CohortSession, user: User, reason: AbsenceReason | None, now: datetime
) -> AbsenceNotice:
    """Mark ``user`` excused for the session and tell the facilitators; works once."""
    check_may_send_absence(session, user, now)
    notice = AbsenceNotice(session_id=session.id, user_id=user.id, reason=reason, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(notice)
    except IntegrityError as exc:  # a racing twin won
        raise LiveError(_l("You have already said that you cannot come to this session.")) from exc
    row = db.session.scalar(
        select(Attendance).where(Attendance.session_id == session.id, Attendance.user_id == user.id)
    )
    if row is None:
        db.session.add(
            Attendance(
                session_id=session.id,
                user_id=user.id,
                status=AttendanceStatus.EXCUSED,
                recorded_by_id=user.id,
                recorded_at=now,
            )
        )
    db.session.flush()
    link = external_url("schedule.attendance", cohort_id=session.cohort_id, session_id=session.id)
    for facilitator in session.cohort.facilitators:
        queue_message(
            "live.absence",
            facilitator,
            _l("%(name)s cannot come to a session", name=user.name),
            "live/absence_notice",
            idempotency_key=f"live:absence:{session.id}:{user.id}:{facilitator.id}",
            session=session,
            person=user,
            reason=reason,
            link=link,
        )
    return notice


# --- the evaluation -------------------------------------------------------------------------


def evaluation_items(session: CohortSession, content: Content) -> tuple[EvaluationItem, ...]:
    """The session blueprint's evaluation items in content (none if it has none)."""
    cohort = session.cohort
    if cohort.kind == CohortKind.PROGRAMME and cohort.programme_slug in content.programmes:
        programme = content.programmes[cohort.programme_slug]
        try:
            return programme.session(session.blueprint_slug).evaluation
        except KeyError:
            return ()
    if cohort.kind == CohortKind.WORKSHOP and cohort.programme_slug in content.workshop_series:
        for meeting in content.workshop_series[cohort.programme_slug].meetings:
            if meeting.slug == session.blueprint_slug:
                return meeting.evaluation
    return ()


def evaluation_is_open(session: CohortSession, now: datetime) -> bool:
    return (
        not session.is_cancelled and session.ends_at <= now < session.ends_at + EVALUATION_OPEN_FOR
    )


def attended(session: CohortSession, user_id: int) -> bool:
    """Joined in the window (and not marked absent since), or confirmed present."""
    status = db.session.scalar(
        select(Attendance.status).where(
            Attendance.session_id == session.id, Attendance.user_id == user_id
        )
    )
    if status is not None:
        return status == AttendanceStatus.PRESENT
    joined = db.session.scalar(
        select(SessionJoin.id).where(
            SessionJoin.session_id == session.id, SessionJoin.user_id == user_id
        )
    )
    return joined is not None


def check_may_evaluate(session: CohortSession, user: User, content: Content, now: datetime) -> None:
    enrolment = member_enrolment(user, session)
    if (
        enrolment is None
        or enrolment.status not in MEMBER_STATUSES
        or not evaluation_items(session, content)
        or not attended(session, user.id)
    ):
        raise LiveError(_l("This evaluation is for the people who attended the session."))
    if not evaluation_is_open(session, now):
        raise LiveError(_l("This evaluation is not open."))
    answered = db.session.scalar(
        select(EvaluationReceipt.user_id).where(
            EvaluationReceipt.session_id == session.id, EvaluationReceipt.user_id == user.id
        )
    )
    if answered is not None:
        raise LiveError(_l("You have already answered this evaluation. Thank you."))


def read_answers(items: tuple[EvaluationItem, ...], raw: Mapping[str, str]) -> dict[str, int | str]:
    """Check the form's values: every scale item 1-5, the open question optional and short."""
    answers: dict[str, int | str] = {}
    errors: dict[str, str] = {}
    for item in items:
        value = (raw.get(item.slug) or "").strip()
        if item.kind == "open":
            if "\x00" in value:
                errors[item.slug] = str(_l("The answer contains a character that is not allowed."))
            elif len(value) > MAX_OPEN_ANSWER:
                errors[item.slug] = str(_l("Use at most %(num)s characters.", num=MAX_OPEN_ANSWER))
            elif value:
                answers[item.slug] = value
            continue
        if value not in {str(point) for point in EVALUATION_SCALE}:
            errors[item.slug] = str(_l("Choose one of the answers."))
        else:
            answers[item.slug] = int(value)
    if errors:
        raise LiveError(_l("Some answers are missing or not valid."), errors)
    return answers


def submit_evaluation(
    session: CohortSession,
    user: User,
    raw: Mapping[str, str],
    content: Content,
    now: datetime,
) -> None:
    """Store one anonymous response: a receipt for the person, answers without a person."""
    check_may_evaluate(session, user, content, now)
    answers = read_answers(evaluation_items(session, content), raw)
    try:
        with db.session.begin_nested():
            db.session.add(EvaluationReceipt(session_id=session.id, user_id=user.id))
    except IntegrityError as exc:
        raise LiveError(_l("You have already answered this evaluation. Thank you.")) from exc
    response = random_id()
    rows = [
        EvaluationAnswer(
            session_id=session.id,
            response_id=response,
            item_slug=slug,
            score=value if isinstance(value, int) else None,
            text=value if isinstance(value, str) else None,
        )
        for slug, value in answers.items()
    ]
    random.shuffle(rows)
    db.session.add_all(rows)
    db.session.flush()
