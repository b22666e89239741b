"""Who has earned a certificate of participation, by the rule in content.

A participant earns one when their place in a programme cohort is completed and they were
present at every session the programme names in ``certificate_sessions`` (content). A required
session that the cohort never held (cancelled, not replaced) is not asked of anyone: the
participant could not attend it. Attendance counts as present only with the status PRESENT;
excused is absent. Every answer is found in a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from learnpath.accounts.models import User
from learnpath.cohorts.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortKind,
    CohortSession,
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
)
from learnpath.content.schema import Content
from learnpath.extensions import db


def required_blueprints(cohort: Cohort, content: Content) -> tuple[str, ...]:
    """The session blueprints the programme requires for a certificate (content)."""
    if cohort.kind != CohortKind.PROGRAMME:
        return ()
    try:
        programme = content.programme(cohort.programme_slug)
    except KeyError:
        return ()
    return programme.certificate_sessions or tuple(s.slug for s in programme.sessions)


def _held(cohort_ids: Iterable[int]) -> dict[int, list[CohortSession]]:
    """cohort id -> its sessions that were not cancelled."""
    held: dict[int, list[CohortSession]] = defaultdict(list)
    ids = list(cohort_ids)
    if ids:
        for session in db.session.scalars(
            select(CohortSession).where(
                CohortSession.cohort_id.in_(ids), CohortSession.status != SessionStatus.CANCELLED
            )
        ):
            held[session.cohort_id].append(session)
    return held


def _present(session_ids: list[int], user_ids: list[int]) -> set[tuple[int, int]]:
    """(session id, user id) pairs recorded as present."""
    if not session_ids or not user_ids:
        return set()
    return {
        (sid, uid)
        for sid, uid in db.session.execute(
            select(Attendance.session_id, Attendance.user_id).where(
                Attendance.session_id.in_(session_ids),
                Attendance.user_id.in_(user_ids),
                Attendance.status == AttendanceStatus.PRESENT,
            )
        )
    }


def earned(enrolments: Sequence[Enrolment], content: Content) -> list[Enrolment]:
    """The enrolments (of any cohorts) that have earned a certificate, in their order."""
    completed = [e for e in enrolments if e.status == EnrolmentStatus.COMPLETED]
    required = {e.cohort_id: required_blueprints(e.cohort, content) for e in completed}
    completed = [e for e in completed if required[e.cohort_id]]
    held = _held({e.cohort_id for e in completed})
    present = _present(
        [s.id for sessions in held.values() for s in sessions], [e.user_id for e in completed]
    )
    result = []
    for e in completed:
        needed = [s for s in held[e.cohort_id] if s.blueprint_slug in required[e.cohort_id]]
        attended = {s.blueprint_slug for s in needed if (s.id, e.user_id) in present}
        if attended == {s.blueprint_slug for s in needed}:
            result.append(e)
    return result


def earned_in(
    cohort: Cohort, content: Content, enrolments: Sequence[Enrolment] | None = None
) -> list[Enrolment]:
    """The participants of a cohort who earned a certificate, by name (for its facilitators).
    ``enrolments``: the cohort's enrolments with their people, when the caller read them
    already (the cohort page's roster): not read again."""
    if enrolments is None:
        enrolments = db.session.scalars(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.COMPLETED)
            .options(selectinload(Enrolment.user), selectinload(Enrolment.cohort))
        ).all()
    completed = [
        e for e in enrolments if e.cohort_id == cohort.id and e.status == EnrolmentStatus.COMPLETED
    ]
    return sorted(earned(completed, content), key=lambda e: (e.user.name, e.id))


def earned_by(user: User, content: Content) -> list[Enrolment]:
    """The user's own certificates, newest first."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.COMPLETED)
        .options(selectinload(Enrolment.cohort))
        .order_by(Enrolment.ended_at.desc(), Enrolment.id.desc())
    ).all()
    return earned(enrolments, content)


def has_earned(enrolment: Enrolment, content: Content) -> bool:
    return bool(earned([enrolment], content))


def attended_sessions(enrolment: Enrolment) -> list[CohortSession]:
    """The sessions of the cohort the participant was present at, in programme order."""
    return list(
        db.session.scalars(
            select(CohortSession)
            .join(Attendance, Attendance.session_id == CohortSession.id)
            .where(
                CohortSession.cohort_id == enrolment.cohort_id,
                CohortSession.status != SessionStatus.CANCELLED,
                Attendance.user_id == enrolment.user_id,
                Attendance.status == AttendanceStatus.PRESENT,
            )
            .order_by(CohortSession.position, CohortSession.starts_at)
        )
    )
