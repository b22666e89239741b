"""Assignment rules: due moments, drafts and hand-ins, feedback requests, review, notes,
extensions and the audit log.

Which assignments a cohort has, and in which order, follows the cohort's track plan
(``track_of(cohort).plan(cohort).slots``): the sessions of a participant programme, or the
meetings of a manager workshop series (short reflections after each meeting). One code path
serves both; tracks without assignments (intervision) have none.

Due moment (``due_moment``): the start of the session that follows the assignment's
``after_session``, minus ``due_days_before_next_session`` days **at the same local time of
day in the organisation's time zone** (a session on Monday 09:30 with 2 days gives Saturday
09:30, also across a daylight-saving change). An assignment with ``due_days_after_session``
(a reflection) is due that many days after its own session starts, at the same local time.
An unplanned reference session means "no due moment yet" (never late). So does a cancelled
one: the deadline is paused ("deadline follows") until a facilitator sets a date, and the
participant is told once (``reminders.py``); no reminder goes out meanwhile. A per-participant
``DeadlineExtension`` replaces the due moment (also a paused one).

One boundary: the due moment itself still counts as on time (``is_past_due``: ``now > due``);
hand-in, revision, "overdue" in the matrix and the overdue reminder all use it.

Hand-in rules: a draft can be saved at any time while the participant is enrolled; handing in
after the due moment is allowed and marked late. A handed-in submission can be revised until
its due moment (plus extension) or until a facilitator reviews it, whichever comes first.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from learnpath.accounts.models import Role, User
from learnpath.assignments import answers as answer_rules
from learnpath.assignments.models import (
    CohortDeadline,
    DeadlineExtension,
    FacilitatorNote,
    Feedback,
    FeedbackRequest,
    Submission,
    SubmissionStatus,
)
from learnpath.cohorts.models import Cohort, CohortSession, Enrolment, EnrolmentStatus
from learnpath.cohorts.services import lock_cohort
from learnpath.cohorts.tracks import kinds_for_role, track_of
from learnpath.content.schema import Assignment, Content, FeedbackRequestBlock
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.i18n import current_locale
from learnpath.notifications.services import queue_message, queue_to_address
from learnpath.notifications.text import Deferred
from learnpath.privacy.models import AuditAction
from learnpath.privacy.services import record_audit
from learnpath.timefmt import for_user
from learnpath.web.urls import external_url

log = logging.getLogger(__name__)

#: How long a colleague's feedback link works.
FEEDBACK_LINK_DAYS = 14
FEEDBACK_TEXT_MAX = 5000
NOTE_MAX = 5000
COLLEAGUE_ANSWER_MAX = 3000
#: Enrolment statuses that see the workspace (completed: read only).
WORKSPACE_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


class AssignmentError(Refusal):
    """A rule refused the request; ``errors`` maps field ids to messages (may be empty)."""


# --- due moments ---------------------------------------------------------------------------


def due_moment(next_session_start: datetime, days_before: int, zone: ZoneInfo) -> datetime:
    """Return the next session's start minus ``days_before`` days at the same local time, in UTC."""
    wall = next_session_start.astimezone(zone).replace(tzinfo=None) - timedelta(days=days_before)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def slot_slugs(cohort: Cohort) -> list[str]:
    """The cohort's session slots in order, from its track plan."""
    return [slot.slug for slot in track_of(cohort).plan(cohort).slots]


def assignments_of(cohort: Cohort, content: Content) -> list[Assignment]:
    """The cohort's assignments by session slot, then slug (none if its track has none)."""
    if not track_of(cohort).has_assignments:
        return []
    slots = slot_slugs(cohort)
    return sorted(
        (
            a
            for a in content.assignments.values()
            if a.programme == cohort.programme_slug and a.after_session in slots
        ),
        key=lambda a: (slots.index(a.after_session), a.slug),
    )


def is_past_due(due: datetime | None, now: datetime) -> bool:
    """The one boundary rule: work is late strictly after its due moment (never without one)."""
    return due is not None and now > due


def reference_session(
    assignment: Assignment, slots: list[str], by_slot: Mapping[str, CohortSession]
) -> CohortSession | None:
    """The session the assignment's due moment derives from (None while unplanned)."""
    if assignment.due_days_after_session is not None:
        return by_slot.get(assignment.after_session)
    following = slots.index(assignment.after_session) + 1
    return by_slot.get(slots[following]) if following < len(slots) else None


def planned_due(assignment: Assignment, session: CohortSession, zone: ZoneInfo) -> datetime:
    """The due moment that ``session`` (its reference session) gives, cancelled or not."""
    if assignment.due_days_after_session is not None:
        # A negative "days before" is days after, at the same local time of day.
        return due_moment(session.starts_at, -assignment.due_days_after_session, zone)
    return due_moment(session.starts_at, assignment.due_days_before_next_session or 0, zone)


def _due(assignment: Assignment, session: CohortSession | None, zone: ZoneInfo) -> datetime | None:
    if session is None or session.is_cancelled:
        return None
    return planned_due(assignment, session, zone)


def group_deadlines_of(cohort_id: int) -> dict[str, datetime]:
    """Assignment slug -> the due moment a facilitator set for the whole group (one query)."""
    rows = db.session.execute(
        select(CohortDeadline.assignment_slug, CohortDeadline.due_at).where(
            CohortDeadline.cohort_id == cohort_id
        )
    )
    return {r.assignment_slug: r.due_at for r in rows}


def base_due_moments(
    cohort: Cohort,
    content: Content,
    sessions: Iterable[CohortSession],
    group: Mapping[str, datetime] | None = None,
) -> dict[str, datetime | None]:
    """Return assignment slug -> due moment for the cohort (None while unplanned or paused);
    a deadline set for the group replaces the derived one. ``group``: the group deadlines when
    the caller read them already (pages over many cohorts read them in one query)."""
    zone = ZoneInfo(cohort.organisation.timezone)
    by_slot = {s.blueprint_slug: s for s in sessions}
    slots = slot_slugs(cohort)
    group = group_deadlines_of(cohort.id) if group is None else group
    return {
        a.slug: group.get(a.slug) or _due(a, reference_session(a, slots, by_slot), zone)
        for a in assignments_of(cohort, content)
    }


def paused_deadlines(
    cohort: Cohort,
    content: Content,
    sessions: Iterable[CohortSession],
    group: Mapping[str, datetime] | None = None,
) -> dict[str, CohortSession]:
    """Assignment slug -> the cancelled session its due moment derived from ("deadline
    follows" until a facilitator sets a date for the group; an extension ends the pause for
    one person). No query when no session is cancelled or ``group`` is given."""
    by_slot = {s.blueprint_slug: s for s in sessions}
    if not any(s.is_cancelled for s in by_slot.values()):
        return {}
    slots = slot_slugs(cohort)
    group = group_deadlines_of(cohort.id) if group is None else group
    paused = {}
    for a in assignments_of(cohort, content):
        session = reference_session(a, slots, by_slot)
        if session is not None and session.is_cancelled and a.slug not in group:
            paused[a.slug] = session
    return paused


def extensions_of(cohort_id: int) -> dict[tuple[int, str], datetime]:
    """Return (enrolment id, assignment slug) -> extended due moment for a whole cohort."""
    rows = db.session.execute(
        select(
            DeadlineExtension.enrolment_id,
            DeadlineExtension.assignment_slug,
            DeadlineExtension.due_at,
        ).where(DeadlineExtension.cohort_id == cohort_id)
    )
    return {(r.enrolment_id, r.assignment_slug): r.due_at for r in rows}


def effective_due(
    base: Mapping[str, datetime | None],
    extensions: Mapping[tuple[int, str], datetime],
    enrolment_id: int,
    slug: str,
) -> datetime | None:
    """The participant's due moment: the later of their extension and the group's moment (an
    extension only ever gives more time, also when the group's deadline moves past it)."""
    own, group = extensions.get((enrolment_id, slug)), base.get(slug)
    if own is None or group is None:
        return own or group
    return max(own, group)


def is_extended(
    base: Mapping[str, datetime | None],
    extensions: Mapping[tuple[int, str], datetime],
    enrolment_id: int,
    slug: str,
) -> bool:
    """Whether the participant has more time than the group ("extended" is never shown for a
    moment that is not later than the group's)."""
    own, group = extensions.get((enrolment_id, slug)), base.get(slug)
    return own is not None and (group is None or own > group)


def due_for(enrolment: Enrolment, assignment: Assignment, content: Content) -> datetime | None:
    """Return the due moment of one assignment for one participant (extension included)."""
    extension = db.session.scalar(
        select(DeadlineExtension.due_at).where(
            DeadlineExtension.enrolment_id == enrolment.id,
            DeadlineExtension.assignment_slug == assignment.slug,
        )
    )
    base = group_due(enrolment.cohort, assignment, content)
    own = {(enrolment.id, assignment.slug): extension} if extension is not None else {}
    return effective_due({assignment.slug: base}, own, enrolment.id, assignment.slug)


def group_due(cohort: Cohort, assignment: Assignment, content: Content) -> datetime | None:
    """The group's due moment of one assignment (set for the group or derived; no extension)."""
    sessions = db.session.scalars(select(CohortSession).where(CohortSession.cohort_id == cohort.id))
    return base_due_moments(cohort, content, sessions).get(assignment.slug)


def is_deadline_paused(enrolment: Enrolment, assignment: Assignment, content: Content) -> bool:
    """Whether the assignment's deadline waits for a new date: its session was cancelled and
    the participant has no extension (``due_for`` is then None)."""
    if due_for(enrolment, assignment, content) is not None:
        return False
    sessions = db.session.scalars(
        select(CohortSession).where(CohortSession.cohort_id == enrolment.cohort_id)
    )
    return assignment.slug in paused_deadlines(enrolment.cohort, content, sessions)


# --- the participant's work ----------------------------------------------------------------


def workspace_enrolment(user: User) -> Enrolment | None:
    """Return the participant's current (or last completed) programme enrolment."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Cohort, Enrolment.cohort_id == Cohort.id)
        .where(
            Enrolment.user_id == user.id,
            Enrolment.status.in_(WORKSPACE_STATUSES),
            Cohort.kind.in_(kinds_for_role(Role.PARTICIPANT)),
        )
        # Every page of the workspace reads the cohort and its organisation's time zone.
        .options(contains_eager(Enrolment.cohort).joinedload(Cohort.organisation))
        .order_by(Enrolment.updated_at.desc())
    ).all()
    active = [e for e in enrolments if e.status == EnrolmentStatus.ENROLLED]
    ordered = active or list(enrolments)
    return ordered[0] if ordered else None


def member_enrolment(user: User, cohort: Cohort) -> Enrolment | None:
    """The user's place (enrolled or completed) in a cohort whose track has assignments.

    For manager workshop groups: a manager can be in several groups, each with its own
    reflections, so the page names the group instead of finding "the" enrolment.
    """
    if not track_of(cohort).has_assignments:
        return None
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.cohort_id == cohort.id,
            Enrolment.user_id == user.id,
            Enrolment.status.in_(WORKSPACE_STATUSES),
        )
    )


def assignment_endpoint(cohort: Cohort, slug: str) -> tuple[str, dict[str, Any]]:
    """Where a member of ``cohort`` works on an assignment: endpoint and its values.

    Participants have one workspace; managers have a reflection page per workshop group.
    """
    if track_of(cohort).member_role == Role.PARTICIPANT:
        return "assignments.assignment", {"slug": slug}
    return "assignments.reflection", {"cohort_id": cohort.id, "slug": slug}


def assignment_link(cohort: Cohort, slug: str) -> str:
    """The absolute link to the assignment page of a member of ``cohort`` (for mail)."""
    endpoint, values = assignment_endpoint(cohort, slug)
    return external_url(endpoint, **values)


def can_edit(
    enrolment: Enrolment,
    assignment: Assignment | None = None,
    due: datetime | None = None,
    now: datetime | None = None,
) -> bool:
    """Whether the member may still work: while enrolled, and after the group is completed
    only on an assignment due after its own session (the reflection after the last
    meeting) until its due moment."""
    if enrolment.status == EnrolmentStatus.ENROLLED:
        return True
    return (
        enrolment.status == EnrolmentStatus.COMPLETED
        and assignment is not None
        and assignment.due_days_after_session is not None
        and due is not None
        and not is_past_due(due, now or utcnow())
    )


def find_submission(enrolment: Enrolment, slug: str) -> Submission | None:
    """The person's submission of ``slug``, with its feedback and their authors (the page
    shows them): one query, however many authors wrote feedback. The authors' roles are read
    only if something asks for them."""
    found = (
        db.session.scalars(
            select(Submission)
            .where(Submission.enrolment_id == enrolment.id, Submission.assignment_slug == slug)
            .options(
                joinedload(Submission.feedback).joinedload(Feedback.author).lazyload(User.role_rows)
            )
        )
        .unique()
        .all()
    )
    return found[0] if found else None


def _submission(enrolment: Enrolment, assignment: Assignment, content: Content) -> Submission:
    submission = find_submission(enrolment, assignment.slug)
    if submission is None:
        submission = Submission(
            enrolment_id=enrolment.id,
            cohort_id=enrolment.cohort_id,
            user_id=enrolment.user_id,
            assignment_slug=assignment.slug,
            content_version=content.version,
            answers={},
            status=SubmissionStatus.DRAFT,
        )
        db.session.add(submission)
    return submission


def can_revise(submission: Submission | None, due: datetime | None, now: datetime) -> bool:
    """Whether the participant may still change their answers."""
    if submission is None or submission.status == SubmissionStatus.DRAFT:
        return True
    if submission.status == SubmissionStatus.REVIEWED:
        return False
    return not is_past_due(due, now)


def invited_counts(submission: Submission | None) -> dict[str, int]:
    """Return feedback-request block slug -> number of invitations sent."""
    if submission is None or submission.id is None:
        return {}
    rows = db.session.execute(
        select(FeedbackRequest.block_slug, func.count())
        .where(FeedbackRequest.submission_id == submission.id)
        .group_by(FeedbackRequest.block_slug)
    )
    return {slug: n for slug, n in rows}


def _check_editable(
    enrolment: Enrolment,
    submission: Submission | None,
    assignment: Assignment,
    content: Content,
    due: datetime | None = None,
) -> None:
    if enrolment.status != EnrolmentStatus.ENROLLED and assignment.due_days_after_session:
        due = due or due_for(enrolment, assignment, content)
    if not can_edit(enrolment, assignment, due):
        raise AssignmentError(_l("Your programme has ended; your work can no longer change."))
    if submission is not None and submission.status == SubmissionStatus.REVIEWED:
        raise AssignmentError(_l("Your facilitator has reviewed this assignment; it is final."))


def save_draft(
    enrolment: Enrolment,
    assignment: Assignment,
    content: Content,
    answers: dict[str, Any],
) -> Submission:
    """Store the answers as a draft; raises AssignmentError with field errors (nothing stored)."""
    submission = find_submission(enrolment, assignment.slug)
    _check_editable(enrolment, submission, assignment, content)
    if submission is not None and submission.is_handed_in:
        raise AssignmentError(_l("You have handed this in; use “Hand in changes” to revise."))
    errors = answer_rules.validate_answers(assignment, answers, final=False)
    if errors:
        raise AssignmentError(_l("Your draft was not saved; check the fields marked."), errors)
    submission = _submission(enrolment, assignment, content)
    submission.answers = answers
    submission.content_version = content.version
    db.session.flush()
    return submission


def submit(
    enrolment: Enrolment,
    assignment: Assignment,
    content: Content,
    answers: dict[str, Any],
    due: datetime | None,
    now: datetime | None = None,
) -> Submission:
    """Hand in (or revise a hand-in); late when after the due moment. Raises AssignmentError."""
    now = now or utcnow()
    submission = find_submission(enrolment, assignment.slug)
    _check_editable(enrolment, submission, assignment, content, due)
    if not can_revise(submission, due, now):
        raise AssignmentError(_l("The deadline has passed; your hand-in can no longer change."))
    errors = answer_rules.validate_answers(
        assignment, answers, final=True, invited=invited_counts(submission)
    )
    if errors:
        raise AssignmentError(_l("Not handed in yet; check the fields marked."), errors)
    submission = _submission(enrolment, assignment, content)
    submission.answers = answers
    submission.content_version = content.version
    if submission.status == SubmissionStatus.DRAFT:
        submission.status = SubmissionStatus.SUBMITTED
        submission.submitted_at = now
        submission.is_late = is_past_due(due, now)
    db.session.flush()
    log.info("submission %s handed in (late=%s)", submission.id, submission.is_late)
    return submission


# --- feedback requests to colleagues --------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def first_name(user: User) -> str:
    return user.name.split()[0] if user.name.strip() else ""


def invite_colleagues(
    enrolment: Enrolment,
    assignment: Assignment,
    block: FeedbackRequestBlock,
    content: Content,
    answers: dict[str, Any],
    now: datetime | None = None,
) -> list[FeedbackRequest]:
    """Send one-time links to the addresses typed in the block; saves the rest as a draft.

    Raises AssignmentError with field errors (nothing sent, nothing stored).
    """
    now = now or utcnow()
    participant = enrolment.user
    submission = find_submission(enrolment, assignment.slug)
    _check_editable(enrolment, submission, assignment, content)
    answer = answers[block.slug]
    errors = answer_rules.validate_answers(assignment, answers, final=False)
    already = set()
    if submission is not None and submission.id is not None:
        already = set(
            db.session.scalars(
                select(FeedbackRequest.colleague_email).where(
                    FeedbackRequest.submission_id == submission.id,
                    FeedbackRequest.block_slug == block.slug,
                )
            )
        )
    pending = answer.get("pending") or []
    if not pending:
        errors[answer_rules.field_id(block, 0, "email")] = _("Enter an email address.")
    seen: set[str] = set()
    for i, person in enumerate(pending):
        fid = answer_rules.field_id(block, i, "email")
        email = person["email"]
        message = answer_rules.check_email(email) if email else _("Enter an email address.")
        if message is None and (email in already or email in seen):
            message = _("You have invited this address already.")
        if message is None and email == participant.email:
            message = _("Invite a colleague, not yourself.")
        if message:
            errors[fid] = message
        seen.add(email)
    if len(already) + len(pending) > block.max_people:
        errors[answer_rules.field_id(block)] = _(
            "You can invite at most %(n)s colleagues (%(count)s invited already).",
            n=block.max_people,
            count=len(already),
        )
    if errors:
        raise AssignmentError(_l("No invitations sent; check the fields marked."), errors)
    sender = answer.get("sender_name") or first_name(participant)
    answer["sender_name"] = sender
    answer["pending"] = []
    submission = _submission(enrolment, assignment, content)
    submission.answers = answers
    db.session.flush()
    created = []
    for person in pending:
        token = secrets.token_urlsafe(32)  # 256 bits; only the hash is stored
        request = FeedbackRequest(
            submission_id=submission.id,
            block_slug=block.slug,
            colleague_email=person["email"],
            colleague_name=person["name"],
            sender_name=sender,
            locale=participant.locale,
            token_hash=hash_token(token),
            expires_at=now + timedelta(days=FEEDBACK_LINK_DAYS),
            created_at=now,
        )
        db.session.add(request)
        db.session.flush()
        queue_to_address(
            "assignments.feedback_request",
            person["email"],
            participant.locale,
            _l("%(name)s asks for your view", name=sender),
            "assignments/feedback_request",
            organisation_id=participant.organisation_id,
            idempotency_key=f"assignments.feedback_request:{request.id}",
            sender=sender,
            colleague_name=person["name"],
            intro=block.intro.get(participant.locale),
            link=external_url("assignments.colleague_answer", token=token),
            expires=for_user(request.expires_at, participant),
        )
        created.append(request)
    log.info("submission %s: %s feedback requests sent", submission.id, len(created))
    return created


def find_request(token: str) -> FeedbackRequest | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(FeedbackRequest).where(FeedbackRequest.token_hash == hash_token(token))
    )


def request_is_usable(request: FeedbackRequest | None, now: datetime) -> bool:
    return request is not None and request.used_at is None and now < request.expires_at


def answer_request(
    request: FeedbackRequest, block: FeedbackRequestBlock, replies: list[str], now: datetime
) -> None:
    """Store a colleague's answers; the link is used up. Raises AssignmentError."""
    errors: dict[str, str] = {}
    for i, reply in enumerate(replies):
        if len(reply) > COLLEAGUE_ANSWER_MAX:
            errors[f"q-{i}"] = _("Use at most %(n)s characters.", n=COLLEAGUE_ANSWER_MAX)
    if not any(replies):
        errors["q-0"] = _("Answer at least one question.")
    if errors:
        raise AssignmentError(
            _l("Your answers were not sent yet; check the fields marked."), errors
        )
    # One conditional UPDATE: of two simultaneous posts only one can use the link.
    result = db.session.execute(
        update(FeedbackRequest)
        .where(
            FeedbackRequest.id == request.id,
            FeedbackRequest.used_at.is_(None),
            FeedbackRequest.expires_at > now,
        )
        .values(used_at=now, answers=replies)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise AssignmentError(_l("This link has been used already or has expired."))


def set_request_shared(request: FeedbackRequest, shared: bool) -> None:
    """Let the participant share (or stop sharing) a colleague's answers with the facilitator."""
    request.is_shared_with_facilitator = shared
    db.session.flush()


def requests_of(submission: Submission | None) -> list[FeedbackRequest]:
    if submission is None or submission.id is None:
        return []
    return list(
        db.session.scalars(
            select(FeedbackRequest)
            .where(FeedbackRequest.submission_id == submission.id)
            .order_by(FeedbackRequest.id)
        )
    )


# --- facilitators --------------------------------------------------------------------------


def give_feedback(
    submission: Submission, assignment: Assignment, author: User, text: str
) -> Feedback:
    """Write feedback, mark the submission reviewed and notify the participant (outbox)."""
    text = text.strip()
    if not submission.is_handed_in:
        raise AssignmentError(_l("Feedback is possible once the participant has handed in."))
    if not text or len(text) > FEEDBACK_TEXT_MAX:
        raise AssignmentError(
            _l("Write your feedback (at most %(n)s characters).", n=FEEDBACK_TEXT_MAX),
            {"text": _("Write your feedback (at most %(n)s characters).", n=FEEDBACK_TEXT_MAX)},
        )
    feedback = Feedback(submission_id=submission.id, author_id=author.id, text=text)
    db.session.add(feedback)
    submission.status = SubmissionStatus.REVIEWED
    submission.reviewed_at = utcnow()
    db.session.flush()
    participant = submission.user
    queue_message(
        "assignments.feedback",
        participant,
        _l("Feedback on “%(title)s”", title=assignment.title.get(participant.locale)),
        "assignments/feedback_given",
        idempotency_key=f"assignments.feedback:{feedback.id}",
        title=assignment.title.get(participant.locale),
        facilitator=author.name,
        link=assignment_link(submission.enrolment.cohort, assignment.slug),
    )
    return feedback


def add_note(cohort: Cohort, participant_id: int, author: User, text: str) -> FacilitatorNote:
    """Add a private facilitator note about a participant of the cohort."""
    text = text.strip()
    if not text or len(text) > NOTE_MAX:
        raise AssignmentError(
            _l("Write a note of at most %(n)s characters.", n=NOTE_MAX),
            {"text": _("Write a note of at most %(n)s characters.", n=NOTE_MAX)},
        )
    note = FacilitatorNote(
        cohort_id=cohort.id, user_id=participant_id, author_id=author.id, text=text
    )
    db.session.add(note)
    db.session.flush()
    return note


def _note_text(text: str) -> str:
    text = text.strip()
    if not text or len(text) > NOTE_MAX:
        raise AssignmentError(
            _l("Write a note of at most %(n)s characters.", n=NOTE_MAX),
            {"text": _("Write a note of at most %(n)s characters.", n=NOTE_MAX)},
        )
    return text


def _own_note(note: FacilitatorNote, actor: User) -> None:
    """Only the author changes or deletes a note (co-facilitators read it, never rewrite it)."""
    if note.author_id != actor.id:
        raise AssignmentError(_l("Only the author of a note can change or delete it."))


def edit_note(note: FacilitatorNote, actor: User, text: str) -> FacilitatorNote:
    """The author changes the text of their note (audited)."""
    _own_note(note, actor)
    text = _note_text(text)
    if text != note.text:
        note.text = text
        note.updated_at = utcnow()
        record_audit(actor, note.user_id, AuditAction.NOTE_EDITED, f"note:{note.id}")
    db.session.flush()
    return note


def delete_note(note: FacilitatorNote, actor: User) -> None:
    """The author deletes their note (audited; the text is gone, the audit line says it was)."""
    _own_note(note, actor)
    record_audit(actor, note.user_id, AuditAction.NOTE_DELETED, f"note:{note.id}")
    db.session.delete(note)
    db.session.flush()


def notes_about(cohort: Cohort, participant_id: int) -> list[FacilitatorNote]:
    return list(
        db.session.scalars(
            select(FacilitatorNote)
            .where(
                FacilitatorNote.cohort_id == cohort.id, FacilitatorNote.user_id == participant_id
            )
            .order_by(FacilitatorNote.created_at.desc(), FacilitatorNote.id.desc())
        )
    )


def _refuse_not_later(due_at: datetime, current: datetime | None, reader: User) -> None:
    """An extension gives more time: refuse a moment in the past or not after ``current``."""
    if due_at <= utcnow():
        raise AssignmentError(
            _l("Choose a moment in the future."), {"due_at": _("Choose a moment in the future.")}
        )
    if current is not None and due_at <= current:
        message = _(
            "An extension gives more time: choose a moment after the current deadline (%(when)s).",
            when=for_user(current, reader),
        )
        raise AssignmentError(message, {"due_at": message})


def _tell_new_deadline(
    enrolment: Enrolment, cohort: Cohort, assignment: Assignment, due_at: datetime
) -> None:
    queue_message(
        "assignment.deadline_set",
        enrolment.user,
        Deferred(
            lambda: _('New deadline for "%(title)s"', title=assignment.title.get(current_locale()))
        ),
        "assignments/deadline_set",
        idempotency_key=(
            f"assignment.deadline_set:{cohort.id}:{assignment.slug}:"
            f"{due_at.isoformat()}:{enrolment.user_id}"
        ),
        assignment=assignment,
        due=due_at,
        link=assignment_link(cohort, assignment.slug),
    )


def grant_extension(
    enrolment: Enrolment,
    assignment: Assignment,
    due_at: datetime,
    actor: User,
    content: Content | None = None,
) -> DeadlineExtension:
    """Give one participant a later due moment for one assignment (replaces an earlier one).

    Honest by rule: the moment must lie after the participant's current deadline (the
    group's, or their own extension when that is later): an extension never shortens; a paused
    or unplanned deadline accepts any future moment. The cohort row is locked, so two
    facilitators at once end in one extension. A hand-in that exists already is re-marked
    against the new due moment, and the participant gets a mail.
    """
    lock_cohort(enrolment.cohort_id)
    cohort = enrolment.cohort
    _refuse_not_later(due_at, due_for(enrolment, assignment, content or get_content()), actor)
    extension = db.session.scalar(
        select(DeadlineExtension).where(
            DeadlineExtension.enrolment_id == enrolment.id,
            DeadlineExtension.assignment_slug == assignment.slug,
        )
    )
    if extension is None:
        extension = DeadlineExtension(
            enrolment_id=enrolment.id,
            cohort_id=enrolment.cohort_id,
            assignment_slug=assignment.slug,
            due_at=due_at,
            granted_by_id=actor.id,
        )
        db.session.add(extension)
    extension.due_at = due_at
    extension.granted_by_id = actor.id
    submission = find_submission(enrolment, assignment.slug)
    if submission is not None and submission.submitted_at is not None:
        submission.is_late = submission.submitted_at > due_at
    db.session.flush()
    _tell_new_deadline(enrolment, cohort, assignment, due_at)
    return extension


def set_group_deadline(
    cohort: Cohort,
    assignment: Assignment,
    due_at: datetime,
    actor: User,
    content: Content | None = None,
) -> CohortDeadline:
    """Extend the deadline of one assignment for the whole group in one step.

    The moment must lie after the group's current deadline (or the deadline is paused or
    unplanned). Everyone gets at least the new moment: an own extension that is not later is
    removed, a later one stands. Hand-ins are re-marked and every member whose deadline moved
    is told (once per moment). The cohort row is locked: two at once end in one deadline.
    """
    cohort = lock_cohort(cohort.id)
    _refuse_not_later(due_at, group_due(cohort, assignment, content or get_content()), actor)
    deadline = db.session.scalar(
        select(CohortDeadline).where(
            CohortDeadline.cohort_id == cohort.id,
            CohortDeadline.assignment_slug == assignment.slug,
        )
    )
    if deadline is None:
        deadline = CohortDeadline(
            cohort_id=cohort.id, assignment_slug=assignment.slug, due_at=due_at, set_by_id=actor.id
        )
        db.session.add(deadline)
    deadline.due_at = due_at
    deadline.set_by_id = actor.id
    own = db.session.scalars(
        select(DeadlineExtension).where(
            DeadlineExtension.cohort_id == cohort.id,
            DeadlineExtension.assignment_slug == assignment.slug,
        )
    ).all()
    extended = {e.enrolment_id for e in own if e.due_at > due_at}
    for extension in own:
        if extension.enrolment_id not in extended:
            db.session.delete(extension)  # the group's new moment gives as much time or more
    members = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(WORKSPACE_STATUSES))
        .options(selectinload(Enrolment.user).selectinload(User.organisation))
    ).all()
    handed_in = db.session.scalars(
        select(Submission).where(
            Submission.cohort_id == cohort.id,
            Submission.assignment_slug == assignment.slug,
            Submission.submitted_at.is_not(None),
        )
    ).all()
    for submission in handed_in:
        if submission.enrolment_id not in extended and submission.submitted_at is not None:
            submission.is_late = submission.submitted_at > due_at
    db.session.flush()
    for enrolment in members:
        if enrolment.id not in extended:  # a later own deadline stands
            _tell_new_deadline(enrolment, cohort, assignment, due_at)
    return deadline
